"""Markers and constructors: `purify.param(x)` and `purify.static(x)` become `x` (the
analysis has recorded them); in `__init__`, `Child(...)` of a @stateful class
becomes `Child.init(...)`, so the state holds the child's State."""

from __future__ import annotations

import ast

from .. import templates
from .base import MethodContext


def rewrite(ctx: MethodContext, fn: ast.FunctionDef, init: bool) -> None:
    _Markers(ctx, init).visit(fn)


class _Markers(ast.NodeTransformer):
    def __init__(self, ctx: MethodContext, init: bool) -> None:
        self.ctx, self.init = ctx, init

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        api = self.ctx.resolver.purify_api(node.func)
        if api in ("param", "static"):
            if len(node.args) != 1 or node.keywords:
                raise self.ctx.error(node, f"purify.{api}() takes exactly one value", f"write purify.{api}(value)")
            return node.args[0]
        if self.init and self.ctx.resolver.stateful(node.func) is not None:
            node.func = templates.expr("cls_.init", node.func, cls_=node.func)
        return node
