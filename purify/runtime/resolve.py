"""The decorator's answers to the engine's questions about names: it looks them up
in the class's module globals and closure cells (without calling anything)."""

from __future__ import annotations

import ast
import builtins
import types
from typing import Any

from ..engine.model import ClassModel
from ..engine.syntax import dotted

API: dict[int, str] = {}  # id(purify API object) -> its name; filled by purify/__init__.py

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


def closure_cells(cls: type) -> dict[str, types.CellType]:
    """Closure cells of the class's functions, by name (they share the enclosing scope)."""
    cells: dict[str, types.CellType] = {}
    for value in vars(cls).values():
        fn = getattr(value, "__func__", None) or getattr(value, "fget", None) or value
        code = getattr(fn, "__code__", None)
        if code is not None and fn.__closure__:
            cells.update(zip(code.co_freevars, fn.__closure__))
    return cells
