"""The order Python evaluates an expression's parts in, for the passes that must keep it."""

from __future__ import annotations

import ast
from collections.abc import Callable

from ..syntax import dotted


def trivial(node: ast.expr, self_name: str) -> bool:
    """Values a method call cannot change: constants, locals, module attributes."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id != self_name
    name = dotted(node)
    return name is not None and not name.startswith(self_name + ".")


def eval_slots(node: ast.AST) -> list[tuple[Callable[[], ast.AST], Callable[[ast.AST], None]]]:
    """(get, put) for each child, in the order Python evaluates them."""
    slots = []
    if isinstance(node, ast.Dict):
        pairs = []
        for i in range(len(node.keys)):
            if node.keys[i] is not None:
                pairs.append((node.keys, i))
            pairs.append((node.values, i))
        for lst, i in pairs:
            slots.append((lambda lst=lst, i=i: lst[i], lambda v, lst=lst, i=i: lst.__setitem__(i, v)))
        return slots
    for name, value in ast.iter_fields(node):
        if name == "ctx":
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, ast.keyword):  # its value is the expression (saved like an argument)
                    slots.append((lambda k=item: k.value, lambda v, k=item: setattr(k, "value", v)))
                elif isinstance(item, ast.AST):
                    # reads the list when called (after earlier puts), not the item of this moment
                    slots.append((lambda value=value, i=i: value[i],  # noqa: PLR1736
                                  lambda v, value=value, i=i: value.__setitem__(i, v)))
        elif isinstance(value, ast.AST):
            slots.append((lambda name=name: getattr(node, name), lambda v, name=name: setattr(node, name, v)))
    return slots


def walk_eval(node: ast.AST):
    """Nodes evaluated as part of `node` itself (not inside nested scopes)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.Lambda, ast.FunctionDef, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
