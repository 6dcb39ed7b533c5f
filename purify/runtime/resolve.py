"""The decorator's answers to the engine's questions about names: it looks them up
in the class's module globals and closure cells (without calling anything)."""

from __future__ import annotations

import ast
import builtins
import inspect
import sys
import sysconfig
import textwrap
import types
import weakref
from typing import Any

from ..engine.model import ClassModel
from ..engine.syntax import dotted

API: dict[int, str] = {}  # id(purify API object) -> its name; filled by runtime/stateful.py

MISSING = object()  # lookup() found nothing


class RuntimeResolver:
    def __init__(self, globals_: dict[str, Any], cells: dict[str, types.CellType]) -> None:
        self.globals, self.cells = globals_, cells

    def lookup(self, node: ast.expr) -> Any:
        """The object a Name/Attribute chain names, or MISSING."""
        name = dotted(node)
        if name is None:
            return MISSING
        root, *rest = name.split(".")
        if root in self.cells:
            try:
                value = self.cells[root].cell_contents
            except ValueError:
                return MISSING
        elif root in self.globals:
            value = self.globals[root]
        elif hasattr(builtins, root):
            value = getattr(builtins, root)
        else:
            return MISSING
        for part in rest:
            value = getattr(value, part, MISSING)
            if value is MISSING:
                return MISSING
        return value

    def stateful(self, node: ast.expr) -> ClassModel | None:
        value = self.lookup(node)
        info = getattr(value, "__dict__", {}).get("__purify__") if isinstance(value, type) else None
        return info.model if info is not None else None

    def purify_api(self, node: ast.expr) -> str | None:
        value = self.lookup(node)
        return API.get(id(value)) if value is not MISSING else None

    def plain_class(self, node: ast.expr) -> ClassModel | None:
        """An undecorated class with source (a base: a mixin, `gym.Env`), analysed as if decorated."""
        value = self.lookup(node)
        if not isinstance(value, type) or "__purify__" in value.__dict__ or value.__module__ == "builtins":
            return None
        if value not in _PLAIN:
            from ..engine.analysis import analyse
            from ..engine.model import Origin
            from ..engine.source import class_source
            from ..errors import PurifyError

            try:
                src = class_source(value)
            except PurifyError:
                return None
            if not _written_in(value, src.node):
                return None
            _PLAIN[value] = None  # (a class that names itself while analysed)
            model = analyse(src.node, Origin(src.filename, src.lines),
                            RuntimeResolver(class_globals(value), closure_cells(value, src.node)))
            model.plain = True
            _PLAIN[value] = model
        return _PLAIN[value]

    def plain_class_source(self, node: ast.expr) -> ast.ClassDef | None:
        """The source of a plain class of the user's (not the standard library's or an installed
        package's), for the messages that say to decorate it."""
        value = self.lookup(node)
        if not isinstance(value, type) or "__purify__" in value.__dict__ or not users(value):
            return None
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(value)))
        except (OSError, TypeError, SyntaxError):
            return None
        found = tree.body[0] if tree.body else None
        return found if isinstance(found, ast.ClassDef) else None


class KeptAnswers:
    """The resolver the engine converts a class with: the live one's answers, each kept by its
    question and the dotted name it is about (an answer depends on nothing else: `lookup` reads
    the cells, the module's globals and builtins by that name, and no user code runs while a class
    is converted), so that the conversion made again later (`ClassInfo.converted`, for
    `purify.source`) is told what the decorator was told, whatever the globals hold by then, and
    comes out as the one it compiled. A node that is no dotted name has the same answer always
    (none), so it is asked of the live resolver and not kept."""

    def __init__(self, live: RuntimeResolver) -> None:
        self.live = live
        self.kept: dict[tuple[str, str], Any] = {}

    def stateful(self, node: ast.expr) -> ClassModel | None:
        return self._answer("stateful", node)  # type: ignore[no-any-return]

    def purify_api(self, node: ast.expr) -> str | None:
        return self._answer("purify_api", node)  # type: ignore[no-any-return]

    def plain_class(self, node: ast.expr) -> ClassModel | None:
        return self._answer("plain_class", node)  # type: ignore[no-any-return]

    def plain_class_source(self, node: ast.expr) -> ast.ClassDef | None:
        return self._answer("plain_class_source", node)  # type: ignore[no-any-return]

    def _answer(self, question: str, node: ast.expr) -> Any:
        name = dotted(node)
        if name is None:
            return getattr(self.live, question)(node)
        key = (question, name)
        if key not in self.kept:
            self.kept[key] = getattr(self.live, question)(node)
        return self.kept[key]


def _written_in(cls: type, node: ast.ClassDef) -> bool:
    """Is the class the one its source defines? (`collections.OrderedDict` has Python source, but
    the class is the C one that replaced it: its methods are not those functions.)"""
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name in cls.__dict__:
            value = cls.__dict__[stmt.name]
            fn = getattr(value, "__func__", None) or getattr(value, "fget", None) or value
            if not isinstance(fn, types.FunctionType):
                return False
    return True


_PLAIN: weakref.WeakKeyDictionary[type, ClassModel | None] = weakref.WeakKeyDictionary()


_LIBRARY_DIRS = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def users(cls: type) -> bool:
    """Is `cls` defined in the user's code (not the standard library or an installed package)?"""
    try:
        path = inspect.getsourcefile(cls)
    except TypeError:
        return False
    return path is not None and not path.startswith(_LIBRARY_DIRS)


def class_globals(cls: type) -> dict[str, Any]:
    """The global namespace the class's methods run in: its module's, or, for a class whose
    module is not in `sys.modules` (loaded by `runpy` or `exec` with a fresh namespace), the
    `__globals__` its own functions carry."""
    module = sys.modules.get(cls.__module__)
    if module is not None:
        return vars(module)
    for fn in _functions(cls):
        return fn.__globals__  # type: ignore[no-any-return]
    return {}


def _functions(cls: type) -> list[types.FunctionType]:
    out = []
    for value in vars(cls).values():
        fn = getattr(value, "__func__", None) or getattr(value, "fget", None) or value
        if isinstance(fn, types.FunctionType):
            out.append(fn)
    return out


def closure_cells(cls: type, node: ast.ClassDef | None = None) -> dict[str, types.CellType]:
    """Closure cells of the class's functions, by name (they share the enclosing scope), and, with
    the class statement `node`, the bases it names."""
    cells: dict[str, types.CellType] = {}
    for fn in _functions(cls):
        if fn.__closure__:
            cells.update(zip(fn.__code__.co_freevars, fn.__closure__))
    if node is not None:
        cells.update(_base_cells(cls, node))
    return cells


def _base_cells(cls: type, node: ast.ClassDef) -> dict[str, types.CellType]:
    """`class S(Base)` -> {"Base": the class S derives from}. The class statement names its bases
    where its methods may not: in a function's scope (a test, a notebook's helper), `Base` is a
    local of that function, in no closure of the class's methods, so the globals lack it."""
    written = [b.value if isinstance(b, ast.Subscript) else b for b in node.bases]
    actual = cls.__dict__.get("__orig_bases__", cls.__bases__)  # `Generic[T]`-style bases as written
    if len(written) != len(actual) or any(isinstance(b, ast.Starred) for b in written):
        return {}
    return {b.id: types.CellType(getattr(value, "__origin__", value))
            for b, value in zip(written, actual) if isinstance(b, ast.Name)}
