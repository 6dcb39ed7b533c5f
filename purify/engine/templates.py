"""Build AST from readable code templates with placeholder names (after AutoGraph's pyct).

    stmts("tmp, self = cls_.method(self, args)", tmp="_r1", cls_=node, args=[...])

A keyword maps a placeholder name to a string (a new name), an AST expression
(copied), `moved(expression)` (put in without a copy: a subtree the caller hands over,
copied only if the placeholder appears again), or a list of expressions (spliced where
the placeholder stands as a call argument or a tuple element). New nodes take the position of `origin`
(the node they replace), so errors and tracebacks point at the user's code; so do the nodes of
a substituted subtree that a pass made without a position (`compile()` needs one on every node).
"""

from __future__ import annotations

import ast
import functools
from typing import Any, TypeVar

from .syntax import clone
from .transformer import node_fields

N = TypeVar("N", bound=ast.AST)


class moved:  # lower case: reads as a function at the call site, `value=moved(node)`
    """A placeholder value the template may take as it is (the caller keeps no other use of it)."""

    __slots__ = ("node",)

    def __init__(self, node: ast.expr) -> None:
        self.node = node


class _Instantiate:
    """A template's tree built anew in one pass: placeholders replaced, scaffolding located at
    `origin`; substituted subtrees keep their own positions."""

    def __init__(self, subs: dict[str, Any], origin: ast.AST | None) -> None:
        self.subs, self.origin = subs, origin
        self.position = {} if origin is None else _position(origin)

    def node(self, node: ast.AST) -> ast.AST:
        kind = node.__class__  # (a template's nodes are the parser's: their classes are exact)
        if kind is ast.Name and node.id in self.subs:  # type: ignore[attr-defined]
            value = self.subs[node.id]  # type: ignore[attr-defined]
            if value.__class__ is str:  # a new name, where the placeholder is
                new = ast.Name.__new__(ast.Name)
                new.__dict__ = {**node.__dict__, "id": value, **self.position}
                return new
            if not isinstance(value, list):
                return self._inserted(node.id, value, node.ctx)  # type: ignore[attr-defined]
        new = kind.__new__(kind)
        attrs = node.__dict__.copy()  # fields and the template's own positions (`origin` may give others)
        for name in node_fields(kind):
            value = attrs.get(name)
            if value.__class__ is list:
                attrs[name] = self._items(value)
            elif isinstance(value, ast.AST):
                attrs[name] = self.node(value)
        if kind is ast.Attribute:
            if isinstance(self.subs.get(attrs["attr"]), str):
                attrs["attr"] = self.subs[attrs["attr"]]
        elif kind is ast.keyword:
            if isinstance(self.subs.get(attrs["arg"] or ""), str):
                attrs["arg"] = self.subs[attrs["arg"]]
        elif kind is ast.Tuple:
            for elt in attrs["elts"]:
                _set_ctx(elt, attrs["ctx"])
        if self.position and kind._attributes:  # (a class with positions has all four)
            attrs.update(self.position)
        new.__dict__ = attrs
        return new

    def _items(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            value = self.subs.get(item.id) if item.__class__ is ast.Name else None
            if isinstance(value, list):  # spliced where the placeholder stands
                out += [self._spliced(clone(v)) for v in value if isinstance(v, ast.expr)]
            else:
                out.append(self.node(item) if isinstance(item, ast.AST) else item)
        return out

    def _inserted(self, name: str, value: Any, ctx: ast.expr_context) -> ast.AST:
        if isinstance(value, moved):
            new, self.subs[name] = value.node, value.node  # a second use copies it
        else:
            new = clone(value)
        _set_ctx(new, ctx)
        if self.position:
            _locate(new, self.position)
        return new

    def _spliced(self, node: ast.AST) -> ast.AST:
        if self.position:
            _locate(node, self.position)
        return node


_POSITION = ("lineno", "col_offset", "end_lineno", "end_col_offset")


def _position(origin: ast.AST) -> dict[str, Any]:
    """What `ast.copy_location(node, origin)` copies, found once a template: the positions origin
    has (an `end_*` one even when None, as copy_location copies it)."""
    if "lineno" not in origin._attributes:
        return {}
    own = origin.__dict__
    out = {a: own[a] for a in ("lineno", "col_offset") if own.get(a) is not None}
    out["end_lineno"], out["end_col_offset"] = own.get("end_lineno"), own.get("end_col_offset")
    return out


def located(node: N, origin: ast.AST) -> N:
    """`node`, a tree a pass built without a template (`ast.Call(...)`), with the nodes of it that
    have no position given `origin`'s, as a template gives them (see `_locate`)."""
    _locate(node, _position(origin))
    return node


def _locate(node: ast.AST, position: dict[str, Any]) -> None:
    """Give the nodes of a substituted subtree that the passes made without a position the
    template's, down to the first nodes that have one: the user's, a template's (located when it
    was made), a pass's `located` one. `compile()` needs every position: engine/compile.py fills
    any left without one, in a walk of the whole method, which the nodes located here spare it."""
    own = node.__dict__
    if "lineno" in node._attributes:
        if own.get("lineno") is not None and own.get("col_offset") is not None:
            return
        own.update(position)
    for name in node_fields(node.__class__):
        value = own.get(name)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    _locate(item, position)
        elif isinstance(value, ast.AST):
            _locate(value, position)


_NESTING = (ast.Tuple, ast.List, ast.Starred)  # their items take the context too


def _set_ctx(node: ast.AST, ctx: ast.expr_context) -> None:
    """Give a substituted target the context of the placeholder it replaces."""
    own = node.__dict__.get("ctx")
    if own is not None and (own.__class__ is not ctx.__class__ or node.__class__ in _NESTING):
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


def stmts(template: str, origin: ast.AST | None = None, **subs: Any) -> list[ast.stmt]:
    """Statements from `template` with placeholders replaced, located at `origin`.

    Substituted subtrees keep their own positions; only template scaffolding takes
    `origin`'s (overwriting child positions would widen traceback carets).
    """
    build = _Instantiate(dict(subs), origin)
    return [build.node(node) for node in _parsed(template)]  # type: ignore[misc]


def expr(template: str, origin: ast.AST | None = None, **subs: Any) -> ast.expr:
    """One expression from `template` (see `stmts`)."""
    node = stmts(template, origin, **subs)[0]
    assert isinstance(node, ast.Expr)
    return node.value
