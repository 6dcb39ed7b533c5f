"""Expressions that branch inside, on values that may be traced, become calls of the dispatch
helpers of runtime/control.py (AutoGraph's `py_builtins` and conditional expressions):

    a if c else b        ->  _ifexp(c, lambda: a, lambda: b)     (jax.lax.cond when c is traced)
    max(a, b), min(a, b) ->  _max(a, b), _min(a, b)               (jnp.maximum / jnp.minimum then)
    a or b, a and b      ->  _or_value(a, lambda: b), ...          (`a if a else b`: jax.lax.cond)
    not a, bool(a)       ->  _not(a), _bool(a)                     (a traced bool then)
    lo < x.sum() < hi    ->  _chain(lo, ('lt', 'lt'), lambda: x.sum(), lambda: hi)

`and`/`or` outside the test of an `if` or `while` return an operand, so on a traced one they are
the conditional expression they stand for (`a or b` is `a if a else b`), with its rules: one
shape for both, Python scalars and weak types promoted. In the tests of `if` and `while` the
control-flow pass makes them logical operations instead (only the truth value counts there).

Python's own where the values are concrete. Tests that are never traced (static fields,
constants) and `min`/`max` shadowed by a local or a global of the module are left alone.
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..analysis.liveness import names_in
from .base import MethodContext
from .control_flow import concrete, static_test

IFEXP = "_ifexp"
MIN_MAX = {"min": "_min", "max": "_max"}
OR_VALUE, AND_VALUE, NOT, BOOL, CHAIN = "_or_value", "_and_value", "_not", "_bool", "_chain"
HELPERS = (IFEXP, *MIN_MAX.values(), OR_VALUE, AND_VALUE, BOOL, CHAIN)  # in runtime/control.py (and _not)
_CHAINED = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne"}
_BINDING = (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)  # what a lambda cannot hold for its operand


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init":
        return  # `init` runs on Python values
    if ctx.holds(ast.IfExp, ast.BoolOp) or any(_min_max(ctx, n) or _bool_call(ctx, n) or _not_or_chain(n)
                                                or isinstance(n, ast.comprehension) and n.ifs for n in facts(
                                                    ctx.method.node).of(ast.Call, ast.UnaryOp, ast.Compare,
                                                                        ast.comprehension)):
        _Expressions(ctx).visit(fn)


def _not_or_chain(node: ast.AST) -> bool:
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
            or isinstance(node, ast.Compare) and len(node.ops) > 1)


def _bool_call(ctx: MethodContext, node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "bool"
            and len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred)
            and _is_builtin(ctx, node.func))


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
        elif _bool_call(self.ctx, node) and not static_test(self.ctx, node.args[0], fields=False):
            self.ctx.helpers.add(BOOL)
            node.func = ast.copy_location(ast.Name(BOOL, ast.Load()), node.func)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        """`[x for x in xs if test]`: a traced `test` would make the list's length depend on a value,
        which JAX cannot trace: `_concrete` passes a Python value and refuses a traced one at the line."""
        self.generic_visit(node)
        node.ifs = [c if static_test(self.ctx, c, fields=False) else concrete(self.ctx, c, "filter") for c in node.ifs]
        return node

    # the tests of `if` and `while` are the control-flow pass's: only their operands are visited here
    def visit_If(self, node: ast.If | ast.While) -> ast.AST:
        test, node.test = node.test, ast.Constant(True)
        self.generic_visit(node)
        node.test = self._in_test(test)
        return node

    visit_While = visit_If

    def _in_test(self, test: ast.expr) -> ast.expr:
        if isinstance(test, ast.BoolOp):
            test.values = [self._in_test(v) for v in test.values]
            return test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test.operand = self._in_test(test.operand)
            return test
        if isinstance(test, ast.Compare) and all(isinstance(v, (ast.Name, ast.Attribute, ast.Constant))
                                                 for v in test.comparators[:-1]):
            self.generic_visit(test)  # (a chain of plain operands stays: the control-flow pass splits it)
            return test
        return self.visit(test)

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if static_test(self.ctx, node, fields=False) or any(isinstance(n, _BINDING) for n in ast.walk(node)):
            return node  # (static fields count as traced: see static_test)
        name = OR_VALUE if isinstance(node.op, ast.Or) else AND_VALUE
        self.ctx.helpers.add(name)
        first, *rest = node.values
        lambdas = [templates.expr("lambda: x", v, x=templates.moved(v)) for v in rest]
        return templates.expr(f"{name}(first, rest)", node, first=templates.moved(first), rest=lambdas)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Not) or static_test(self.ctx, node.operand, fields=False):
            return node
        self.ctx.helpers.add(NOT)
        return templates.expr(f"{NOT}(x)", node, x=templates.moved(node.operand))

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) < 2 or static_test(self.ctx, node, fields=False) or any(type(op) not in _CHAINED for op in node.ops) \
                or any(isinstance(n, _BINDING) for n in ast.walk(node)):
            return node
        self.ctx.helpers.add(CHAIN)
        ops = ast.Tuple([ast.Constant(_CHAINED[type(op)]) for op in node.ops], ast.Load())
        lambdas = [templates.expr("lambda: x", v, x=templates.moved(v)) for v in node.comparators]
        return templates.expr(f"{CHAIN}(first, ops, rest)", node, first=templates.moved(node.left), ops=ops,
                              rest=lambdas)

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
