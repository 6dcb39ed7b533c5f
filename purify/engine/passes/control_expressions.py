"""Expressions that branch inside, on values that may be traced, become calls of the dispatch
helpers of runtime/control.py (AutoGraph's `py_builtins` and conditional expressions):

    a if c else b        ->  _ifexp(c, lambda: a, lambda: b)     (jax.lax.cond when c is traced)
    max(a, b), min(a, b) ->  _max(a, b), _min(a, b)               (jnp.maximum / jnp.minimum then)

Python's own where the values are concrete. Tests that are never traced (static fields,
constants) and `min`/`max` shadowed by a local or a global of the module are left alone.
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..analysis.liveness import names_in
from .base import MethodContext
from .control_flow import static_test

IFEXP = "_ifexp"
MIN_MAX = {"min": "_min", "max": "_max"}
HELPERS = (IFEXP, *MIN_MAX.values())  # in runtime/control.py


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init":
        return  # `init` runs on Python values
    if ctx.holds(ast.IfExp) or any(_min_max(ctx, n) for n in facts(ctx.method.node).own):
        _Expressions(ctx).visit(fn)


def _min_max(ctx: MethodContext, node: ast.AST) -> bool:
    """`min(a, b, ...)` or `max(...)` of the builtins, on two or more values (no `key`, `default`)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MIN_MAX
            and len(node.args) >= 2 and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args)
            and node.func.id not in ctx.model.fields and _is_builtin(ctx, node.func))


def _is_builtin(ctx: MethodContext, name: ast.Name) -> bool:
    """Is the name the builtin (not a local or a global of the user's that shadows it)?"""
    import builtins

    if name.id in names_in(list(ctx.fn.body)).bound or name.id in {a.arg for a in ast.walk(ctx.fn.args)
                                                                      if isinstance(a, ast.arg)}:
        return False
    lookup = getattr(ctx.resolver, "lookup", None)  # the decorator's resolver reads the module's globals
    if lookup is None:
        return True  # purify convert: names are not looked up; a module's own `max` is rare
    found = lookup(name)
    return found is getattr(builtins, name.id) or type(found) is object  # (object: not found)


class _Expressions(ast.NodeTransformer):
    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _min_max(self.ctx, node) and not all(static_test(self.ctx, a) for a in node.args):
            name = MIN_MAX[node.func.id]  # type: ignore[attr-defined]
            self.ctx.helpers.add(name)
            node.func = ast.copy_location(ast.Name(name, ast.Load()), node.func)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node if node is not self.ctx.fn else self.generic_visit(node)

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        if static_test(self.ctx, node.test) or any(
                isinstance(n, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(node)):
            return node
        self.ctx.helpers.add(IFEXP)
        return templates.expr(f"{IFEXP}(test, lambda: a, lambda: b)", node, test=templates.moved(node.test),
                              a=templates.moved(node.body), b=templates.moved(node.orelse))
