"""`ast.NodeTransformer`'s contract at a fraction of its cost, for the engine's passes.

`ast.NodeTransformer` finds each node's method by building the string `"visit_" + name` and
looking it up, and walks every field of every node (an expression context, a name's string)
through `ast.iter_fields`. A method of a class has a few hundred nodes and each pass visits
them all, so that overhead was a third of `purify convert`'s time. Here each transformer class
keeps a table from node class to its visit function, filled on first sight, and each node
class a tuple of the fields that can hold nodes (`ctx` never needs a visit: no pass rewrites
a Load into a Store).

The contract is the standard one: `visit_X(node)` returns the node, a replacement, a list of
nodes spliced into the parent's list, or None to drop it; `generic_visit(node)` visits the
children in field order and returns the node.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

_NOT_NODES = frozenset({"ctx", "id", "attr", "name", "arg", "value_kind", "kind", "type_comment",
                        "module", "level", "is_async", "conversion", "simple", "lineno",
                        "col_offset", "end_lineno", "end_col_offset"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(cls: type) -> tuple[str, ...]:
    """The fields of node class `cls` that may hold nodes or lists of nodes."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f not in _NOT_NODES)  # type: ignore[attr-defined]
    return fields


class Transformer:
    """A faster `ast.NodeTransformer` (see the module docstring); subclasses define `visit_X`."""

    _table: ClassVar[dict[type, Callable[[Any, Any], Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._table = {}

    def visit(self, node: Any) -> Any:
        kind = node.__class__
        method = self._table.get(kind)
        if method is None:
            method = self._table[kind] = getattr(type(self), "visit_" + kind.__name__, type(self).generic_visit)
        return method(self, node)

    def generic_visit(self, node: Any) -> Any:
        for name in node_fields(node.__class__):
            old = getattr(node, name, None)
            if old.__class__ is list:
                if old:
                    old[:] = self._visit_list(old)
            elif isinstance(old, ast.AST):
                new = self.visit(old)
                if new is None:
                    delattr(node, name)
                else:
                    setattr(node, name, new)
        return node

    def _visit_list(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if not isinstance(item, ast.AST):
                out.append(item)
                continue
            new = self.visit(item)
            if new is None:
                continue
            if isinstance(new, ast.AST):
                out.append(new)
            else:
                out.extend(new)
        return out


def child_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.iter_child_nodes` without the expression contexts (a Load is no one's child)."""
    for name in node_fields(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    yield item
        elif isinstance(value, ast.AST):
            yield value


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` (the same order) without the expression contexts, at half its cost."""
    todo = [node]
    append, extend = todo.append, todo.extend
    for current in todo:  # grows while it is read: breadth first, as ast.walk
        for name in node_fields(current.__class__):  # child_nodes inline: no generator per node
            value = getattr(current, name, None)
            if value.__class__ is list:
                if value:
                    extend([item for item in value if isinstance(item, ast.AST)])
            elif isinstance(value, ast.AST):
                append(value)
        yield current


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def walk_statements(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and the statements below it (with the `except` handlers and `case`s that hold some),
    in `walk`'s order, without a visit of any expression: no expression holds a statement, so
    the search for classes, imports or nested functions need not read them."""
    todo = [node]
    for current in todo:  # grows while it is read, as `walk`
        todo.extend(c for c in child_nodes(current) if isinstance(c, _HOLDS_STATEMENTS))
        yield current
