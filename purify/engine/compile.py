"""Runtime emitter: compile the rewritten functions under the user's filename and
line numbers, with the user's live globals and closure cells. No unparse, no temp file.

The functions are defined inside a factory whose parameters are the free names
they need (the class, its State, child classes, helpers); each function is then
rebuilt around the *original* closure cells, so closures stay live (after
AutoGraph's pyct/transpiler.py).
"""

from __future__ import annotations

import ast
import contextlib
import enum
import types
from collections.abc import Callable, Iterator
from typing import Any

from . import templates
from .transformer import node_fields, walk_statements

_FACTORY = "__purify_factory__"


def compile_functions(
    fns: list[ast.FunctionDef],
    *,
    filename: str,
    flags: int,
    globals_: dict[str, Any],
    cells: dict[str, types.CellType],
    bindings: dict[str, Any],
    origin: ast.AST,
    qualname: str,
) -> dict[str, Callable[..., Any]]:
    """Compile each FunctionDef; returns functions by their `def` name."""
    params = sorted(set(cells) | set(bindings))
    code = _compiled(_factory(fns, params, origin), fns, filename, flags)
    scope: dict[str, Any] = {}
    exec(code, globals_, scope)  # noqa: S102 - defines the factory only; nothing of the user's runs
    values = [_cell_value(cells[p]) if p in cells else bindings[p] for p in params]
    made = scope[_FACTORY](*values)
    out = {}
    for fn in made:
        closure = tuple(cells[n] if n in cells else types.CellType(bindings[n]) for n in fn.__code__.co_freevars)
        new = types.FunctionType(fn.__code__, globals_, fn.__name__, fn.__defaults__, closure or None)
        new.__kwdefaults__ = fn.__kwdefaults__
        new.__doc__ = fn.__doc__
        new.__qualname__ = f"{qualname}.{fn.__name__}"
        new.__module__ = globals_.get("__name__", new.__module__)
        out[fn.__name__] = new
    return out


def fill_locations(fns: list[ast.FunctionDef], origin: ast.AST) -> None:
    """What `compile_functions` does to the functions' trees: the positions it gives the nodes
    that have none, if any (`ClassInfo.source` makes the pure functions again and needs them as
    the decorator left them)."""
    _compiled(_factory(fns, [], origin), fns, "<purify>", 0)


def _compiled(factory: ast.FunctionDef, fns: list[ast.FunctionDef], filename: str, flags: int) -> types.CodeType:
    """The factory's code. compile() refuses a node without a position: the templates give the
    nodes they put in theirs (engine/templates.py), and only when a pass made one that no template
    located does a walk of every node fill them (`_fill_locations`)."""
    module = ast.Module(body=[factory], type_ignores=[])
    defs = [n for fn in fns for n in walk_statements(fn) if n.__class__ in _DEFS]  # (no expression holds a def)
    with _without_annotations(defs):
        try:
            return compile(module, filename, "exec", flags=flags, dont_inherit=True)
        except (TypeError, ValueError):  # "required field "lineno" missing", "invalid integer value: None"
            _fill_locations(factory, factory)
            return compile(module, filename, "exec", flags=flags, dont_inherit=True)


def _factory(fns: list[ast.FunctionDef], params: list[str], origin: ast.AST) -> ast.FunctionDef:
    """`def __purify_factory__(<params>): <fns>; return (<their names>)`, at `origin`."""
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=[*fns, ast.Return(ast.Tuple([ast.Name(f.name, ast.Load()) for f in fns], ast.Load()))],
        decorator_list=[], returns=None,
        **({"type_params": []} if "type_params" in ast.FunctionDef._fields else {}),
    )
    return templates.located(factory, origin)  # (its scaffolding only: the functions have positions)


def _cell_value(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # not yet bound (e.g. the class's own name while it is being decorated)
        return None


@contextlib.contextmanager
def _without_annotations(defs: list[ast.FunctionDef | ast.AsyncFunctionDef]) -> Iterator[None]:
    """Annotations are evaluated at def time, where class-body names are out of scope: compile
    the `def`s (the functions and those nested in them) without
    them (the CLI output keeps them), then put them back."""
    saved: list[tuple[ast.AST, str, Any]] = []
    for n in defs:
        saved.append((n, "returns", n.returns))
        a = n.args
        saved += [(arg, "annotation", arg.annotation)
                  for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if arg is not None]
    for node, attr, _ in saved:
        setattr(node, attr, None)
    try:
        yield
    finally:
        for node, attr, value in saved:
            setattr(node, attr, value)


class _Kind(enum.Enum):
    """What `_fill_locations` does with a value it finds in a node's field."""

    SKIP = 0  # not a node (a string, None), or a node with neither a position nor nodes below it (`ast.Add`)
    POSITIONED = 1  # a statement, an expression, an argument...: it has a position of its own
    UNPOSITIONED = 2  # `ast.arguments`, `ast.comprehension`...: no position, but nodes below it


_KINDS: dict[type, tuple[_Kind, tuple[str, ...]]] = {}  # by class: its kind and its node fields


def _kind(cls: type) -> tuple[_Kind, tuple[str, ...]]:
    if not issubclass(cls, ast.AST):
        found = (_Kind.SKIP, ())
    else:
        fields = node_fields(cls)
        kind = _Kind.POSITIONED if "lineno" in cls._attributes else _Kind.UNPOSITIONED if fields else _Kind.SKIP
        found = (kind, fields)
    _KINDS[cls] = found
    return found


_POSITION = ("lineno", "col_offset", "end_lineno", "end_col_offset")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _fill_locations(node: ast.AST, source: ast.AST, fields: tuple[str, ...] | None = None) -> None:
    """Give scaffolding without a position the position of `source` (`node` itself when it has
    one, else the nearest node above it that has one), never line 1 of the file. A node's fields
    and positions are read from its `__dict__` (where `ast` keeps them; a position missing there
    is None, as the class default is). It reads every node of the class's code: 33-36 ms for the
    100 classes of benchmarks/convert_throughput.py, when every compile needed it."""
    values = node.__dict__
    for name in node_fields(node.__class__) if fields is None else fields:
        value = values.get(name)
        for child in value if value.__class__ is list else (value,):
            kind, below = _KINDS.get(child.__class__) or _kind(child.__class__)
            if kind is _Kind.POSITIONED:
                own = child.__dict__
                if (own.get("lineno") is None or own.get("col_offset") is None or own.get("end_lineno") is None
                        or own.get("end_col_offset") is None):
                    for attr in _POSITION:
                        if getattr(child, attr, None) is None:
                            setattr(child, attr, getattr(source, attr, 0) or 0)
                if below:
                    _fill_locations(child, child, below)
            elif kind is _Kind.UNPOSITIONED:
                _fill_locations(child, child if hasattr(child, "lineno") else source, below)
