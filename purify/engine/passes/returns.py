"""Returns hand back the state: `return x` -> `return x, self`; falling off the end
returns `None, self`. In `init` the state alone is returned."""

from __future__ import annotations

import ast

from .. import templates
from .base import MethodContext, StatementPass


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


class _Returns(StatementPass):
    """Statements only: a `return` is one, so expressions are never visited."""

    def __init__(self, ctx: MethodContext, init: bool) -> None:
        self.ctx, self.init = ctx, init

    def visit_body(self, body: list[ast.stmt]) -> None:
        body[:] = self.block(body)

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if isinstance(s, ast.Return):
            return [_ret(self.ctx, s.value, s, self.init)]
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [s]  # a nested function's returns are its own
        for name in ("body", "orelse", "finalbody"):
            block = getattr(s, name, None)
            if isinstance(block, list) and block:
                setattr(s, name, self.block(block))
        for part in [*getattr(s, "handlers", []), *getattr(s, "cases", [])]:
            part.body = self.block(part.body)
        return [s]
