"""Markers and constructors: `purify.param(x)` and `purify.static(x)` become `x` (the
analysis has recorded them); `purify.split/merge` become the `_split/_merge` helpers; in `__init__`, `Child(...)` of a @stateful class
becomes `Child.init(...)`, so the state holds the child's State."""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..syntax import origin
from ..transformer import Transformer
from .base import MethodContext


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    init = ctx.method.kind == "init"
    if any(n.__class__ is ast.Call and _is_marked(ctx, n, init) for n in facts(ctx.method.node).every):
        _Markers(ctx, init, _local_objects(ctx) if init else set()).visit(fn)  # else no walk of the copy


def _is_marked(ctx: MethodContext, call: ast.Call, init: bool) -> bool:
    """A call of the user's method this pass rewrites: a purify marker or helper, or (in
    `__init__`) a constructor of a @stateful class."""
    return ctx.resolver.purify_api(call.func) in _REWRITTEN_API or (
        init and ctx.resolver.stateful(call.func) is not None)


def _local_objects(ctx: MethodContext) -> set[int]:
    """Constructor calls bound to a plain local (`rng = purify.Rng(0)`): such an object is
    shared with the children it is passed to, so it stays an instance (see BoundMethod).
    Known by the calls of the user's method (`syntax.origin`)."""
    return {id(n.value) for n in facts(ctx.method.node).every if isinstance(n, ast.Assign)
            and all(isinstance(t, ast.Name) for t in n.targets) and isinstance(n.value, ast.Call)}


_REWRITTEN_API = frozenset({"param", "static", "split", "merge"})


class _Markers(Transformer):
    def __init__(self, ctx: MethodContext, init: bool, keep: set[int]) -> None:
        self.ctx, self.init, self.keep = ctx, init, keep

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        api = self.ctx.resolver.purify_api(node.func)
        if api in ("param", "static"):
            if len(node.args) != 1 or node.keywords:
                raise self.ctx.error(node, f"purify.{api}() takes exactly one value", f"write purify.{api}(value)")
            return node.args[0]
        if api in ("split", "merge"):
            # The helper of the same behaviour, so `purify convert` output needs no purify.
            node.func = ast.copy_location(ast.Name(f"_{api}", ast.Load()), node.func)
            self.ctx.helpers.add(f"_{api}")
        if self.init and id(origin(node)) not in self.keep and self.ctx.resolver.stateful(node.func) is not None:
            node.func = templates.expr("cls_.init", node.func, cls_=node.func)
        return node
