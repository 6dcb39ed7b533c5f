"""The module functions a class's methods call, their control flow converted (engine/functions.py),
compiled for the decorator: each is bound under its own name for the class's methods (a closure
cell the methods' code reads), so `_clamp(x, limits)` in a method runs the converted `_clamp`
while the module's own function stays as the user wrote it."""

from __future__ import annotations

import ast
import types
from typing import Any

from ..engine.compile import compile_functions
from ..engine.convert import CONTROL_HELPERS
from ..engine.functions import module_functions
from ..engine.model import ClassModel, Resolver
from ..engine.source import ClassSource, parse_lines
from . import control, objects


def function_cells(model: ClassModel, src: ClassSource, resolver: Resolver, globals_: dict[str, Any],
                   cells: dict[str, types.CellType]) -> dict[str, types.CellType]:
    """{name: a cell holding the converted function} for the module functions the class calls."""
    found = module_functions(model, parse_lines(src.filename, src.lines), resolver)
    defs = [fn for name, fn in found.defs.items()
            if name not in cells and _is_the_def(globals_.get(name), found.originals[name], src.filename)]
    if not defs:
        return {}
    out = {fn.name: types.CellType() for fn in defs}
    bindings = {name: getattr(control, name) for name in CONTROL_HELPERS if name in found.helpers}
    with objects.defaults_deferred(defs):  # the values Python evaluated when it ran the `def`: copied below
        made = compile_functions(defs, filename=src.filename, flags=src.future_flags, globals_=globals_, cells=out,
                                 bindings=bindings, origin=defs[0], qualname="")
    for name, fn in made.items():
        fn.__qualname__ = name
        fn.__defaults__, fn.__kwdefaults__ = globals_[name].__defaults__, globals_[name].__kwdefaults__
        out[name].cell_contents = fn
    return out


def _is_the_def(value: Any, node: ast.FunctionDef, filename: str) -> bool:
    """Is the module's global `value` the function that `node` defines (not rebound since)?"""
    code = getattr(value, "__code__", None)
    return code is not None and code.co_filename == filename and code.co_firstlineno == node.lineno
