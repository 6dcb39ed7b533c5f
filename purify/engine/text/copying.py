"""The code `purify convert` copies into a converted module so that it runs without purify.

Three of purify's own files are read (never imported) and copied from, definition by
definition, with the definitions each one calls and the imports they need:

* runtime/helpers.py: the helpers generated methods call (`_setitem`, `_grad`, ...);
* runtime/control.py: the dispatch helpers of converted control flow (`_if`, ...), with what
  it imports from runtime/branches.py and runtime/other_objects.py;
* runtime/rng.py: purify.Rng, converted like a user's class, and the functions it calls;
* runtime/value_checks.py: `_checks_init`, the checks of the values a new State holds;
* runtime/standalone.py: stand-ins for what needs purify's runtime: `_Eager`, and a
  `_fold_lanes` without purify.vmap. A stand-in replaces purify's definition of its name.

`copyable()` lists everything that may be copied; tests/test_copying.py copies each alone and
checks the result is self-contained.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
from pathlib import Path

from ...errors import error_at
from ..convert import CONTROL_HELPERS, RUNTIME_HELPERS, convert
from ..emit import class_parts
from ..static_resolver import PURIFY_DIR, RNG_FILE, ModuleInfo, Project, split_lines
from ..syntax import assigned_names
from ..transformer import walk
from .classes import class_text
from .value_checks import NAMES

HELPERS_FILE = PURIFY_DIR / "runtime" / "helpers.py"
CONTROL_FILE = PURIFY_DIR / "runtime" / "control.py"
STANDALONE_FILE = PURIFY_DIR / "runtime" / "standalone.py"
VALUE_CHECKS_FILE = PURIFY_DIR / "runtime" / "value_checks.py"
CHECKS = NAMES  # the decorator of a converted `init` (engine/text/value_checks.py) and its checks
EAGER = "_Eager"  # the stand-in for an object of a converted class made in a method


@dataclasses.dataclass
class Copied:
    """Code copied into a module: texts in order, their trees, the imports they need by name."""

    texts: list[str] = dataclasses.field(default_factory=list)
    trees: list[ast.AST] = dataclasses.field(default_factory=list)
    imports: dict[str, str] = dataclasses.field(default_factory=dict)  # bound name -> import statement
    names: set[str] = dataclasses.field(default_factory=set)  # the definitions copied
    runtime: dict[str, set[str]] = dataclasses.field(default_factory=dict)  # definition -> purify names it reads

    def add(self, other: Copied, *, first: bool = False) -> None:
        self.texts = other.texts + self.texts if first else self.texts + other.texts
        self.trees += other.trees
        self.imports.update(other.imports)
        self.names |= other.names
        self.runtime.update(other.runtime)

    def code(self) -> str:
        return "\n\n\n".join(t.rstrip("\n") for t in self.texts)


# The files whose definitions a library imports and copies along (control.py's checks and helpers).
_PARTS = {CONTROL_FILE: ("branches", "other_objects")}


@dataclasses.dataclass(frozen=True)
class _Library:
    """One of purify's files, parsed for copying, with the definitions it imports from its parts
    (`_PARTS`: `from .branches import _refuse` in control.py), copied the same way."""

    path: Path
    definitions: dict[str, ast.stmt]  # top-level functions, plain classes and `_CONSTANTS`, by name
    texts: dict[str, str]  # their source text, by name
    imports: dict[str, str]  # bound name -> its import statement alone


@functools.lru_cache(maxsize=8)
def _library(path: Path) -> _Library:
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = split_lines(text)
    # decorated classes (purify.Rng) are converted, never copied as they are
    definitions = {_defined(s): s for s in tree.body if isinstance(s, ast.FunctionDef)
                   or isinstance(s, ast.ClassDef) and not s.decorator_list or _constant(s)}
    texts = {name: "".join(lines[s.lineno - 1:s.end_lineno]) for name, s in definitions.items()}  # type: ignore[misc]
    imports: dict[str, str] = {}
    for s in tree.body:
        if isinstance(s, ast.ImportFrom) and s.level == 1 and s.module in _PARTS.get(path, ()):
            sibling = _library(path.parent / f"{s.module}.py")
            definitions = {**sibling.definitions, **definitions}
            texts = {**sibling.texts, **texts}
            imports.update(sibling.imports)
        elif isinstance(s, (ast.Import, ast.ImportFrom)) and not (isinstance(s, ast.ImportFrom) and (
                s.level or s.module == "__future__")):
            for a in s.names:
                one = type(s)(**{**{f: getattr(s, f) for f in s._fields}, "names": [a]})
                imports[(a.asname or a.name).split(".")[0]] = ast.unparse(one)
    return _Library(path, definitions, texts, imports)


def _constant(s: ast.stmt) -> bool:
    """`_NAME = ...` at the top of a file: a message or table its definitions read, copied with them."""
    return isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
        and s.targets[0].id.startswith("_") and s.targets[0].id.isupper()


def _defined(s: ast.stmt) -> str:
    return s.targets[0].id if isinstance(s, ast.Assign) else s.name  # type: ignore[attr-defined]


def _text(library: _Library, name: str) -> str:
    return library.texts[name]


def copyable() -> list[tuple[Path, str]]:
    """(file, name) of every definition `purify convert` may ask to copy: the helpers generated
    code calls, the functions of rng.py (purify.Rng's converted methods may call each), `_Eager`.
    What they call comes along."""
    return [(HELPERS_FILE, name) for name in RUNTIME_HELPERS] + [(CONTROL_FILE, name) for name in CONTROL_HELPERS] \
        + [(RNG_FILE, name) for name, s in _library(RNG_FILE).definitions.items() if isinstance(s, ast.FunctionDef)] \
        + [(STANDALONE_FILE, EAGER)] + [(VALUE_CHECKS_FILE, name) for name in CHECKS]


def copy_definitions(path: Path, names: set[str]) -> Copied:
    """The named top-level definitions of one of purify's files and those they call, in file
    order (stand-ins in place of their namesakes; `_CONSTANTS` last), and the import statements
    they need."""
    library, stand_ins = _library(path), _library(STANDALONE_FILE)
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in library.definitions:
            continue
        seen.add(name)
        if name in stand_ins.definitions:
            continue  # a stand-in calls nothing of purify's
        todo += _called(path, name)
    out = Copied(imports=dict(library.imports), names=seen)
    previous: ast.stmt | None = None
    # constants after the definitions that read them (at run time): the copied code then starts with
    # a `def` or `class`, as the import block before it expects
    order = sorted((n for n in library.definitions if n in seen), key=lambda n: _constant(library.definitions[n]))
    for name in order:
        text, node, runtime = _copied(path, name)
        if runtime:
            out.runtime[name] = set(runtime)
        if _constant(library.definitions[name]) and previous is not None and _constant(previous):
            out.texts[-1] += text  # constants stay together, as in the file
        else:
            out.texts.append(text)
        out.trees.append(node)
        previous = library.definitions[name]
    return out


# What copying needs of one definition, found once per run: the key is (file, name), and the
# files are read once (`_library`) and never change while purify runs, so neither can the answer.
# (The trees are shared: the callers only read them.)


@functools.cache
def _called(path: Path, name: str) -> tuple[str, ...]:
    """The definitions of the file that `name` reads (in walk order, repeats kept)."""
    library = _library(path)
    return tuple(n.id for n in walk(library.definitions[name])
                 if isinstance(n, ast.Name) and n.id in library.definitions)


@functools.cache
def _copied(path: Path, name: str) -> tuple[str, ast.Module, frozenset[str]]:
    """The text copied for `name` (a stand-in's in place of purify's), its parse, and the names
    it reads of purify's runtime (none, or it cannot be copied)."""
    library, stand_ins = _library(path), _library(STANDALONE_FILE)
    text = _text(stand_ins if name in stand_ins.definitions else library, name)
    node = ast.parse(text)
    runtime = {n.id for n in walk(node) if isinstance(n, ast.Name)} - set(library.imports) \
        - set(library.definitions) - set(dir(builtins)) - bound_anywhere(node)
    return text, node, frozenset(runtime)


def names_read(trees: list[ast.AST]) -> set[str]:
    """Every name the trees read (a cheap over-approximation of their free names: only names
    purify knows how to import get an import)."""
    return {n.id for t in trees for n in walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def bound_anywhere(tree: ast.AST) -> set[str]:
    """Every name a definition binds, in any scope, parameters too (a cheap stand-in for scoping)."""
    nodes = list(walk(tree))
    return assigned_names(nodes) | {n.arg for n in nodes if isinstance(n, ast.arg)}


def _copy(path: Path, names: set[str], bound: set[str], at: ast.AST, info: ModuleInfo) -> Copied:
    """`copy_definitions`, refused where the module already binds a copied name."""
    copied = copy_definitions(path, names)
    clash = sorted(copied.names & bound)
    if clash:
        raise error_at(at, info.filename, f"purify convert copies {clash[0]} into the module, but the module "
                       "already defines that name", f"rename the module's {clash[0]}", info.lines)
    if copied.runtime:  # pragma: no cover - a purify change the CLI does not know yet
        name, runtime = next(iter(copied.runtime.items()))
        raise error_at(at, info.filename, f"purify convert cannot copy {name} from {path.name}: it uses "
                       f"purify's runtime ({', '.join(sorted(runtime))})",
                       "please report this; keep the class decorated meanwhile", info.lines)
    return copied


def embedded(project: Project, helpers: set[str], uses_rng: bool, uses_eager: bool, bound: set[str],
             at: ast.AST, info: ModuleInfo) -> tuple[str, list[ast.AST], dict[str, str]]:
    """The code copied into the module: the runtime helpers the classes call, purify.Rng, and
    `_Eager`; (its text, its trees, the imports it needs by name)."""
    out = Copied()
    if helpers & set(CHECKS):
        out.add(_copy(VALUE_CHECKS_FILE, helpers & set(CHECKS), bound, at, info))
        helpers = helpers - set(CHECKS)
    if helpers - set(CONTROL_HELPERS):
        out.add(_copy(HELPERS_FILE, helpers - set(CONTROL_HELPERS), bound, at, info))
    if helpers & set(CONTROL_HELPERS):
        out.add(_copy(CONTROL_FILE, helpers & set(CONTROL_HELPERS), bound, at, info))
    if uses_rng:
        if "Rng" in bound:
            raise error_at(at, info.filename, "purify convert writes purify.Rng into the module as `Rng`, "
                           "but the module already defines that name", "rename the module's `Rng`", info.lines)
        _add_rng(out, project, helpers, bound, at, info)
    code = out.code()
    if uses_eager:
        if EAGER in bound:
            raise error_at(at, info.filename, f"purify convert adds a class `{EAGER}` to the module, but the "
                           "module already defines that name", f"rename the module's `{EAGER}`", info.lines)
        eager = copy_definitions(STANDALONE_FILE, {EAGER})
        code = "\n\n\n".join(t.rstrip("\n") for t in (code, *eager.texts) if t)
        out.trees += eager.trees
    return code, out.trees, out.imports


def _add_rng(out: Copied, project: Project, helpers: set[str], bound: set[str], at: ast.AST,
             info: ModuleInfo) -> None:
    """purify.Rng converted like a user's class, after the functions and helpers it calls."""
    model = project.rng(at, info)
    rng_info = project.module_at(RNG_FILE)
    assert rng_info is not None
    conv = convert(model, project.resolver(rng_info))
    parts = class_parts(conv)
    called = {n.id for s in parts.statements() for n in walk(s) if isinstance(n, ast.Name)}
    out.add(_copy(RNG_FILE, called, bound, at, info))
    out.trees += parts.statements()
    if conv.helpers - helpers:
        out.add(_copy(HELPERS_FILE, conv.helpers - helpers, bound, at, info), first=True)
    out.texts.append(class_text(parts) + "\n")
