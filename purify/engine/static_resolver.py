"""The CLI's `Resolver`: answers the engine's questions about names from the source files
alone. It never imports or executes them.

It knows
* how the file spells purify (`import purify`, `import purify as pf`,
  `from purify import stateful as st`, `from purify import *`);
* which classes are @stateful: decorated with purify's `stateful` in their own
  file, or named by `--select`; in the same file, or in another file of the run
  or next to it (`from .layers import Dense`, `from layers import Dense`,
  `import layers` + `layers.Dense`), read and parsed, never imported;
* `purify.Rng`, whose source it reads from purify's own package.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from ..errors import PurifyError, combined, error_at
from . import eager_only
from .analysis import analyse
from .gc_paused import gc_paused
from .model import ClassModel, Origin
from .syntax import dotted
from .transformer import walk_statements

API_NAMES = frozenset({
    "stateful", "jit", "vmap", "grad", "value_and_grad", "param", "static", "split", "merge", "Rng",
    "state_of", "set_state", "source", "PurifyError",
})
PURIFY_DIR = Path(__file__).resolve().parents[1]  # the purify package: its own files are read, not imported
RNG_FILE = PURIFY_DIR / "runtime" / "rng.py"
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


def split_lines(text: str) -> list[str]:
    """Lines with their newline, counted the way Python's tokenizer counts them (str.splitlines
    also splits at form feeds and other separators)."""
    return _LINE.findall(text)


@dataclasses.dataclass
class ModuleInfo:
    """One parsed file and what its imports bind."""

    filename: str  # as shown in messages
    path: Path | None  # None for stdin
    text: str
    tree: ast.Module
    package: str | None = None  # dotted package of the file, when it is inside purify
    purify_modules: set[str] = dataclasses.field(default_factory=set)  # names bound to the purify module
    purify_names: dict[str, str] = dataclasses.field(default_factory=dict)  # local name -> API name
    imports: dict[str, tuple[str, str | None, int]] = dataclasses.field(default_factory=dict)
    # local name -> (module, imported attribute or None for a module, relative level)
    _classes: dict[str, list[ast.ClassDef]] | None = dataclasses.field(default=None, repr=False)
    _all: list[ast.ClassDef] = dataclasses.field(default_factory=list, repr=False)

    @functools.cached_property
    def lines(self) -> list[str]:  # split once: every class of the file reads them
        return split_lines(self.text)

    @property
    def origin(self) -> Origin:
        return Origin(self.filename, self.lines)

    def classes(self, name: str) -> list[ast.ClassDef]:
        """Classes named `name`: module-level ones first (the last definition wins, as at run time)."""
        if self._classes is None:
            top: dict[str, list[ast.ClassDef]] = {}
            anywhere: dict[str, list[ast.ClassDef]] = {}
            for n in self.tree.body:
                if isinstance(n, ast.ClassDef):
                    top.setdefault(n.name, []).insert(0, n)
            for n in self._all:
                anywhere.setdefault(n.name, []).append(n)
            self._classes = {**anywhere, **top}
        return self._classes.get(name, [])

    def all_classes(self) -> list[ast.ClassDef]:
        """Every class statement in the file."""
        return self._all

    @functools.cached_property
    def bound_roots(self) -> frozenset[str]:
        """The names a name or dotted name must start with to name a class of the run or purify's
        API in this file: its classes, imports, aliases and purify names (asked of every call and
        attribute the engine looks up: the rest are answered without a look)."""
        self.classes("")  # (fills the classes by name)
        assert self._classes is not None
        return frozenset([*self._classes, *self.imports, *self.aliases, *self.purify_modules, *self.purify_names])

    @functools.cached_property
    def aliases(self) -> dict[str, ast.expr | None]:
        """`Layer = Dense` at the top of the module: what each such name names (the last such
        assignment, as at run time), if it is another name or dotted name; None otherwise."""
        found: dict[str, ast.expr | None] = {}
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        found[t.id] = stmt.value if isinstance(stmt.value, (ast.Name, ast.Attribute)) \
                            and dotted(stmt.value) != t.id else None
        return found


def parse_module(text: str, filename: str, path: Path | None = None) -> ModuleInfo:
    """Parse a file (a located PurifyError on a syntax error) and record its imports."""
    try:
        with gc_paused():  # a parse makes only live nodes: a collection while it runs finds nothing
            tree = ast.parse(text, filename=filename)
    except SyntaxError as e:
        lines = text.splitlines()
        line = lines[e.lineno - 1] if e.lineno and 0 < e.lineno <= len(lines) else None
        raise PurifyError(f"invalid Python: {e.msg}", filename=filename, lineno=e.lineno,
                          col=(e.offset - 1) if e.offset else None, text=line,
                          hint="purify convert reads the file as Python source; fix the syntax first") from None
    info = ModuleInfo(filename, path, text, tree)
    if path is not None:
        try:
            rel = path.resolve().relative_to(PURIFY_DIR.parent)
            info.package = ".".join(rel.parent.parts)
        except ValueError:
            pass
    _scan_imports(info)
    return info


def _absolute(info: ModuleInfo, module: str | None, level: int) -> str | None:
    """The absolute module of a relative import inside purify (else None)."""
    if level == 0:
        return module
    if info.package is None:
        return None
    parts = info.package.split(".")
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_purify(module: str | None) -> bool:
    return module is not None and (module == "purify" or module.startswith("purify."))


def _scan_imports(info: ModuleInfo) -> None:
    for node in walk_statements(info.tree):
        if isinstance(node, ast.ClassDef):
            info._all.append(node)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "purify":
                    info.purify_modules.add(a.asname or "purify")
                elif a.asname:
                    info.imports[a.asname] = (a.name, None, 0)
                else:
                    root = a.name.split(".")[0]
                    info.imports.setdefault(root, (root, None, 0))
        elif isinstance(node, ast.ImportFrom):
            absolute = _absolute(info, node.module, node.level)
            for a in node.names:
                local = a.asname or a.name
                if _is_purify(absolute):
                    if a.name == "*":
                        info.purify_names.update({n: n for n in API_NAMES})
                    elif a.name in API_NAMES:
                        info.purify_names[local] = a.name
                    elif absolute == "purify" and a.name in ("runtime", "engine"):
                        pass
                elif a.name != "*":
                    info.imports[local] = (node.module or "", a.name, node.level)


class Project:
    """The files of one `purify convert` run and the @stateful classes in them.

    `select`: class names to convert even without the decorator (`--select`).
    `roots`: directories searched for absolute imports (the run's input folders).
    """

    def __init__(self, select: Iterable[str] | None = None, roots: Iterable[Path] = ()) -> None:
        self.select = set(select) if select else None
        self.roots = [Path(r).resolve() for r in roots]
        self._by_path: dict[Path, ModuleInfo | None] = {}
        self._models: dict[int, ClassModel | None] = {}
        self._busy: set[int] = set()
        self._found: dict[tuple, ModuleInfo | None] = {}
        self._classes: dict[tuple, tuple[ModuleInfo, ast.ClassDef] | None] = {}  # StaticResolver._class
        self._rng: ClassModel | None = None
        self.notes: list[str] = []

    # -- files -------------------------------------------------------------------
    def add(self, info: ModuleInfo) -> ModuleInfo:
        if info.path is not None:
            self._by_path[info.path.resolve()] = info
        return info

    def module_at(self, path: Path) -> ModuleInfo | None:
        """The parsed file at `path` (read, never imported); None if it is missing or unreadable."""
        key = path.resolve()
        if key not in self._by_path:
            try:
                text = key.read_text(encoding="utf-8")
                self._by_path[key] = parse_module(text, str(path), key)
            except (OSError, UnicodeDecodeError, PurifyError):
                self._by_path[key] = None
        return self._by_path[key]

    def find_module(self, info: ModuleInfo, module: str, level: int, installed: bool = False) -> ModuleInfo | None:
        """The file an import names, relative to the importing file or to the run's roots (and,
        with `installed`, in the installed packages: for undecorated bases only, since reading a
        package's files for every name would cost a parse of each)."""
        key = (info.path, module, level, installed)
        if key not in self._found:
            self._found[key] = self._find_module(info, module, level, installed)
        return self._found[key]

    def _find_module(self, info: ModuleInfo, module: str, level: int, installed: bool) -> ModuleInfo | None:
        parts = [p for p in module.split(".") if p]
        bases: list[Path] = []
        if level > 0:
            if info.path is None:
                return None
            base = info.path.resolve().parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        elif info.path is not None:
            # the file's folder, then its parents up to the project's root (pyproject.toml, .git, ...)
            here = info.path.resolve().parent
            bases = [here]
            while here.parent != here and not any((here / m).exists() for m in _PROJECT_MARKERS):
                here = here.parent
                bases.append(here)
            bases += [*self.roots, Path.cwd()]
        else:
            bases = [Path.cwd(), *self.roots]
        if installed and level == 0 and parts:
            bases += [Path(p) for p in sys.path if p and Path(p).is_dir()]  # installed packages: read, never imported
        for base in bases:
            target = base.joinpath(*parts) if parts else base
            for candidate in (target.with_suffix(".py") if parts else None, target / "__init__.py"):
                if candidate is not None and candidate.is_file():
                    return self.module_at(candidate)
        return None

    # -- classes -----------------------------------------------------------------
    def resolver(self, info: ModuleInfo) -> StaticResolver:
        return StaticResolver(self, info)

    def is_target(self, info: ModuleInfo, node: ast.ClassDef) -> bool:
        """Is this a @stateful class: decorated with purify's `stateful`, or selected by name?"""
        if self.select is not None and node.name in self.select and info.path != RNG_FILE:
            return True
        return is_decorated(info, node)

    def converts(self, info: ModuleInfo, node: ast.ClassDef) -> bool:
        """Does this run convert the class: the selected ones with `--select`, else the decorated?"""
        if self.select is not None:
            return node.name in self.select
        return is_decorated(info, node)

    def model(self, info: ModuleInfo, node: ast.ClassDef) -> ClassModel | None:
        """The analysed class (cached); None while it is being analysed (a class that holds itself)."""
        key = id(node)
        if key in self._models:
            return self._models[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            model = analyse(node, info.origin, self.resolver(info))
        finally:
            self._busy.discard(key)
        self._models[key] = model
        return model

    def accepted(self, info: ModuleInfo, node: ast.ClassDef) -> ClassModel | None:
        """The model of a class another one uses (a child, a base): its refusals are errors now,
        as the decorator's would be when that class is decorated."""
        model = self.model(info, node)
        if model is not None and model.refusals:
            eager = eager_only.split(model, list(model.refusals))
            if not eager:
                raise combined(model.refusals)
            # (its methods that run only on instances do not block it; the decorator's model leaves them out)
            key = (id(node), "eager")
            if key not in self._models:
                self._models[key] = analyse(node, info.origin, self.resolver(info), frozenset(eager))  # type: ignore[index]
            model = self._models[key]  # type: ignore[index]
        return model

    def rng(self, at: ast.AST, info: ModuleInfo) -> ClassModel:
        if self._rng is not None:
            return self._rng
        rng = self.module_at(RNG_FILE)
        nodes = rng.classes("Rng") if rng is not None else []
        model = self.model(rng, nodes[0]) if rng is not None and nodes else None
        if model is None:
            raise error_at(at, info.filename, "purify.Rng has no source that purify convert can read",
                           "reinstall purify, or pass the random key as an argument", info.lines)
        self._rng = model
        return model


def is_decorated(info: ModuleInfo, node: ast.ClassDef) -> bool:
    """Decorated with purify's `stateful`, however the file spells it."""
    resolver = StaticResolver(None, info)
    return any(resolver.purify_api(d) == "stateful" for d in node.decorator_list)


def _root(node: ast.AST) -> str | None:
    """`a` of `a.b.c` (None for anything but a name or dotted name)."""
    while node.__class__ is ast.Attribute:
        node = node.value  # type: ignore[attr-defined]
    return node.id if node.__class__ is ast.Name else None  # type: ignore[attr-defined]


class StaticResolver:
    """The engine's `Resolver` (engine/model.py) for one file."""

    def __init__(self, project: Project | None, info: ModuleInfo) -> None:
        self.project, self.info = project, info

    def purify_api(self, node: ast.expr) -> str | None:
        if _root(node) not in self.info.bound_roots:
            return None
        name = dotted(node)
        if name is None:
            return None
        root, *rest = name.split(".")
        if root in self.info.purify_modules and len(rest) == 1 and rest[0] in API_NAMES:
            return rest[0]
        if root in self.info.purify_names and not rest:
            return self.info.purify_names[root]
        return None

    def stateful(self, node: ast.expr) -> ClassModel | None:
        project = self.project
        if project is None:
            return None
        if self.purify_api(node) == "Rng":
            return project.rng(node, self.info)
        found = self._class(node)
        if found is None:
            return None
        info, cls = found
        return project.accepted(info, cls) if project.is_target(info, cls) else None

    def plain_class_source(self, node: ast.expr) -> ast.ClassDef | None:
        if self.project is None or self.purify_api(node) is not None:
            return None
        found = self._class(node)
        return found[1] if found is not None and not self.project.is_target(*found) else None

    def _class(self, node: ast.expr, installed: bool = False) -> tuple[ModuleInfo, ast.ClassDef] | None:
        """The class `node` names, with the file that defines it: in this file, or imported (from an
        installed package too, with `installed`). Asked for every call of every method: answered
        once per file and name (the files of a run do not change while it runs)."""
        if _root(node) not in self.info.bound_roots:
            return None
        name = dotted(node)
        if name is None or self.project is None:
            return None
        key = (id(self.info), name, installed)
        cache = self.project._classes
        if key not in cache:
            cache[key] = self._find_class(node, name, installed)
        return cache[key]

    def _find_class(self, node: ast.expr, name: str, installed: bool) -> tuple[ModuleInfo, ast.ClassDef] | None:
        info = self.info
        root, *rest = name.split(".")
        if not rest:
            for cls in info.classes(root):
                return info, cls
            if root in info.imports:
                module, attr, level = info.imports[root]
                if attr is not None:
                    return self._imported(node, module, attr, level, installed=installed)
            alias = info.aliases.get(root)
            return self._class(alias, installed) if alias is not None else None
        if root in info.imports and (len(rest) == 1 or installed):  # `stats.base.Univariate`: a base only
            module, attr, level = info.imports[root]
            full = module if attr is None else (f"{module}.{attr}" if module else attr)
            full = ".".join([full, *rest[:-1]]) if full else ".".join(rest[:-1])
            return self._imported(node, full, rest[-1], level, installed=installed)
        return None

    def plain_class(self, node: ast.expr) -> ClassModel | None:
        """An undecorated class (a base such as a mixin, gym.Env) whose source purify can read, in
        the same file or imported (from the run's files or an installed package), analysed as if
        decorated."""
        if self.project is None or self.purify_api(node) is not None:
            return None
        found = self._class(node, installed=True)
        if found is None or self.project.is_target(*found) or found[0].path == RNG_FILE:
            return None
        model = self.project.model(*found)
        if model is not None:
            model.plain = True
        return model

    def _imported(self, node: ast.expr, module: str, name: str, level: int,
                  seen: frozenset[str] = frozenset(), installed: bool = False) -> tuple[ModuleInfo, ast.ClassDef] | None:
        project, info = self.project, self.info
        assert project is not None
        other = project.find_module(info, module, level, installed)
        if other is None and "." in module.strip("."):
            # `stats.base.Univariate` where the package `stats` binds `base` by an import of its own
            # (`from river.stats import base` in its __init__.py): follow that import
            found = self._through_package(node, module, name, level, seen, installed)
            if found is not None:
                return found
        if other is None:
            # `from . import layers` + `layers.Dense`: the module may be a file of the package
            if level > 0 or module:
                sub = project.find_module(info, f"{module}.{name}" if module else name, level)
                if sub is not None:
                    return None  # a module, not a class
            if level > 0:
                note = (f"{info.filename}:{node.lineno}: cannot find the source of {ast.unparse(node)} "
                        f"(from {'.' * level}{module}); purify convert treats it as a plain class")
                if note not in project.notes:
                    project.notes.append(note)
            return None
        for cls in other.classes(name):
            return other, cls
        if name in other.imports and other.filename not in seen:
            # a package that re-exports it (`from .mean import Mean` in stats/__init__.py): follow it
            module, attr, level = other.imports[name]
            if attr is not None:
                return StaticResolver(project, other)._imported(node, module, attr, level, seen | {other.filename},
                                                                installed)
        return None


    def _through_package(self, node: ast.expr, module: str, name: str, level: int, seen: frozenset[str],
                         installed: bool) -> tuple[ModuleInfo, ast.ClassDef] | None:
        """`module` is `package.sub`, where the package's file imports `sub` from elsewhere."""
        project = self.project
        assert project is not None
        package, sub = module.rsplit(".", 1)
        outer = project.find_module(self.info, package, level, installed)
        if outer is None or sub not in outer.imports or outer.filename in seen:
            return None
        found, attr, found_level = outer.imports[sub]
        target = found if attr is None else (f"{found}.{attr}" if found else attr)
        return StaticResolver(project, outer)._imported(node, target, name, found_level, seen | {outer.filename},
                                                        installed)
