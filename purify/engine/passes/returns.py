"""Returns hand back the state: `return x` -> `return x, self`; falling off the end
returns `None, self`. In `init` the state alone is returned."""

from __future__ import annotations

import ast

from .. import templates
from .base import MethodContext


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    init = ctx.method.kind == "init"
    _Returns(ctx, init).visit_body(fn.body)
    if not fn.body or not isinstance(fn.body[-1], (ast.Return, ast.Raise)):
        fn.body.append(_ret(ctx, None, fn.body[-1] if fn.body else fn, init))


def _ret(ctx: MethodContext, value: ast.expr | None, origin: ast.AST, init: bool) -> ast.stmt:
    if init:
        return templates.stmts("return self", origin, self=ctx.self_name)[0]
    out = value if value is not None else ast.Constant(None)
    return templates.stmts("return out, self", origin, out=templates.moved(out), self=ctx.self_name)[0]


class _Returns(ast.NodeTransformer):
    def __init__(self, ctx: MethodContext, init: bool) -> None:
        self.ctx, self.init = ctx, init

    def visit_body(self, body: list[ast.stmt]) -> None:
        for i, s in enumerate(body):
            body[i] = self.visit(s)

    def visit_Return(self, node: ast.Return) -> ast.stmt:
        return _ret(self.ctx, node.value, node, self.init)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node  # a nested function's returns are its own

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]
    visit_Lambda = visit_FunctionDef  # type: ignore[assignment]
    visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]
