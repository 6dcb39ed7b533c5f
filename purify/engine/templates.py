"""Build AST from readable code templates with placeholder names (after AutoGraph's pyct).

    stmts("tmp, self = cls_.method(self, args)", tmp="_r1", cls_=node, args=[...])

A keyword maps a placeholder name to a string (a new name), an AST expression
(copied), `moved(expression)` (put in without a copy: a subtree the caller hands over,
copied only if the placeholder appears again), or a list of expressions (spliced where
the placeholder stands as a call argument or a tuple element). New nodes take the position of `origin`
(the node they replace), so errors and tracebacks point at the user's code.
"""

from __future__ import annotations

import ast
import functools
from typing import Any

from .syntax import clone


class moved:  # lower case: reads as a function at the call site, `value=moved(node)`
    """A placeholder value the template may take as it is (the caller keeps no other use of it)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.expr) -> None:
        self.node = node


class _Substitute(ast.NodeTransformer):
    def __init__(self, subs: dict[str, Any]) -> None:
        self.subs = subs
        self.inserted: set[int] = set()  # ids of substituted subtrees: they keep their positions

    def visit_Name(self, node: ast.Name) -> Any:
        if node.id not in self.subs:
            return node
        value = self.subs[node.id]
        if isinstance(value, str):
            return ast.Name(id=value, ctx=node.ctx)
        if isinstance(value, list):
            return node  # spliced by the parent
        if isinstance(value, moved):
            new, self.subs[node.id] = value.node, value.node  # a second use copies it
        else:
            new = clone(value)
        _set_ctx(new, node.ctx)
        self.inserted.add(id(new))
        return new

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        self.generic_visit(node)
        value = self.subs.get(node.attr)
        if isinstance(value, str):
            node.attr = value
        return node

    def visit_keyword(self, node: ast.keyword) -> Any:
        self.generic_visit(node)
        value = self.subs.get(node.arg or "")
        if isinstance(value, str):
            node.arg = value
        return node

    def visit_Call(self, node: ast.Call) -> Any:
        self.generic_visit(node)
        node.args = self._splice(node.args)
        return node

    def visit_Tuple(self, node: ast.Tuple) -> Any:
        self.generic_visit(node)
        node.elts = self._splice(node.elts)
        for elt in node.elts:
            _set_ctx(elt, node.ctx)
        return node

    def _splice(self, items: list[ast.expr]) -> list[ast.expr]:
        out: list[ast.expr] = []
        for item in items:
            value = self.subs.get(item.id) if isinstance(item, ast.Name) else None
            if isinstance(value, list):
                for v in value:
                    if isinstance(v, ast.expr):
                        out.append(clone(v))
                        self.inserted.add(id(out[-1]))
            else:
                out.append(item)
        return out


def _set_ctx(node: ast.AST, ctx: ast.expr_context) -> None:
    """Give a substituted target the context of the placeholder it replaces."""
    if hasattr(node, "ctx"):
        node.ctx = type(ctx)()
        if isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                _set_ctx(elt, ctx)
        elif isinstance(node, ast.Starred):
            _set_ctx(node.value, ctx)


@functools.lru_cache(maxsize=512)
def _parsed(template: str) -> tuple[ast.stmt, ...]:
    """Templates repeat: parse each once, clone it per use."""
    return tuple(ast.parse(template).body)


def _locate(node: ast.AST, origin: ast.AST, inserted: set[int]) -> None:
    """Give template scaffolding `origin`'s position; substituted subtrees keep their own."""
    if "lineno" in node._attributes:
        ast.copy_location(node, origin)
    for child in ast.iter_child_nodes(node):
        if id(child) not in inserted:
            _locate(child, origin, inserted)


def stmts(template: str, origin: ast.AST | None = None, **subs: Any) -> list[ast.stmt]:
    """Statements from `template` with placeholders replaced, located at `origin`.

    Substituted subtrees keep their own positions; only template scaffolding takes
    `origin`'s (overwriting child positions would widen traceback carets).
    """
    sub = _Substitute(subs)
    body = [sub.visit(clone(node)) for node in _parsed(template)]
    if origin is not None:
        for node in body:
            _locate(node, origin, sub.inserted)
    return body


def expr(template: str, origin: ast.AST | None = None, **subs: Any) -> ast.expr:
    """One expression from `template` (see `stmts`)."""
    node = stmts(template, origin, **subs)[0]
    assert isinstance(node, ast.Expr)
    return node.value
