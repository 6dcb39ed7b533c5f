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
import types
from collections.abc import Callable, Iterator
from typing import Any

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
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(posonlyargs=[], args=[ast.arg(p) for p in params], kwonlyargs=[],
                           kw_defaults=[], defaults=[]),
        body=[*fns, ast.Return(ast.Tuple([ast.Name(f.name, ast.Load()) for f in fns], ast.Load()))],
        decorator_list=[], returns=None,
        **({"type_params": []} if "type_params" in ast.FunctionDef._fields else {}),
    )
    ast.copy_location(factory, origin)
    _fill_locations(factory, factory)
    module = ast.Module(body=[factory], type_ignores=[])
    with _without_annotations(fns):
        code = compile(module, filename, "exec", flags=flags, dont_inherit=True)
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


def _cell_value(cell: types.CellType) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # not yet bound (e.g. the class's own name while it is being decorated)
        return None


@contextlib.contextmanager
def _without_annotations(fns: list[ast.FunctionDef]) -> Iterator[None]:
    """Annotations are evaluated at def time, where class-body names are out of scope: compile
    without them (the CLI output keeps them), then put them back."""
    saved: list[tuple[ast.AST, str, Any]] = []
    for fn in fns:
        for n in walk_statements(fn):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
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


def _fill_locations(node: ast.AST, parent: ast.AST) -> None:
    """Give scaffolding without a position its parent's, never line 1 of the file."""
    for name in node_fields(node.__class__):
        value = getattr(node, name, None)
        for child in value if value.__class__ is list else (value,):
            if not isinstance(child, ast.AST):
                continue
            if "lineno" in child._attributes:
                source = node if hasattr(node, "lineno") else parent
                for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                    if getattr(child, attr, None) is None:
                        setattr(child, attr, getattr(source, attr, 0) or 0)
            _fill_locations(child, child if hasattr(child, "lineno") else parent)
