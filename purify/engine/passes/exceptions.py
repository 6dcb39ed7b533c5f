"""Refuse catching an exception from a call that may raise after changing the state.

In Python, `try: self.fit(x) except ValueError: ...` keeps whatever `fit` changed before it
raised. The pure method takes `fit`'s new state only when `fit` returns, so when it raises
those changes are lost, and the `except` makes that silent. A call whose callee may raise after
a change (a `raise` or `assert`, or an operation that raises on some values: analysis/implicit.py) (`Summary.raises_after_change`: every call form the resolver knows, `super()`,
children and lists of children included) is refused inside a `try` with handlers or a
`contextlib.suppress` block. Checking first and raising before any change is accepted.

The same holds for an `if` or a loop on a value that may be traced, inside such a block (or a
`try` with a `finally`): its branches and its body run as functions (runtime/control.py), which
hand back their changes, to the state and to locals, only when they return. One that may raise
after a change inside it (`self.n += 1; self.check(dt)`) is refused at its line.
"""

from __future__ import annotations

import ast

from ..analysis.calls import Callee
from ..analysis.effects import MayRaise, Unseen, ends_before, site_of, sites
from ..analysis.facts import facts
from ..syntax import TRY_STAR, walk_own
from .base import MethodContext
from .control_flow import runs_as_functions


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    _check_calls(ctx, fn)
    _check_branches(ctx, fn)


def _check_calls(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for block in facts(fn).of(*_CATCHING):
        for stmt in _guarded(block):
            for n in [stmt, *walk_own(stmt)]:
                # a call, or a read of a property (the resolver's entry: a caching one runs its body here)
                site = site_of(ctx.model, ctx.method, n, ctx.self_name) \
                    if isinstance(n, ast.Call) or isinstance(n, ast.Attribute) and id(n) in ctx.method.callees else None
                found = site.raises_after_change if site is not None else None
                if found is None:
                    continue
                name = _callee_name(ctx.method.callees[id(n)], n)
                raise ctx.error(n, f"this call may raise after changing the state ({name} can reach "
                                f"{_where(found)} after a change), and the handler here would catch it: Python "
                                "keeps the changes made before the exception, the pure method loses them",
                                _HINT_IMPLICIT.format(name=name) if isinstance(found, MayRaise)
                                else _HINT.format(name=name))


def _check_branches(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for block in facts(fn).of(*_CATCHING):
        for stmt in _guarded(block, finally_too=True):
            for n in [stmt, *walk_own(stmt)]:
                if not isinstance(n, ast.stmt) or not runs_as_functions(ctx, n, handled=True):
                    continue
                found = _raise_after_change(ctx, n)
                if found is not None:
                    change, raised = found
                    raise ctx.error(n, BRANCH_MSG.format(kind=_KIND[type(n)], raised=_where(raised),
                                                         changed=change.lineno),
                                    BRANCH_HINT.format(kind=_KIND[type(n)]))


BRANCH_MSG = ("this {kind} is on a value that may be traced, so its code runs as a function (for jax.lax), which "
              "hands back its changes only when it returns; it may raise ({raised}) after the change at line "
              "{changed}, and the try around it would see the values from before the {kind}: Python keeps the change")
BRANCH_HINT = ("check and raise before changing anything in the {kind} (`if dt <= 0: raise ValueError(dt)` first), or "
               "put the try inside the {kind}")
_KIND = {ast.If: "`if`", ast.While: "`while` loop", ast.For: "`for` loop"}


def _raise_after_change(ctx: MethodContext, n: ast.If | ast.While | ast.For) -> tuple[ast.AST, ast.stmt] | None:
    """A change inside `n` (to the state, or a binding of a name) and a raise that may follow it."""
    found = [s for s in sites(ctx.model, ctx.method, n) if s.node is not n]
    raises = [s for s in found if s.raises is not None]
    if not raises:
        return None
    body = [*n.body, *n.orelse]
    changes = [s.node for s in found if s.writes] + [b for stmt in body for b in [stmt, *walk_own(stmt)]
                                                     if isinstance(b, (ast.Assign, ast.AugAssign, ast.AnnAssign,
                                                                       ast.NamedExpr))]
    changes.sort(key=lambda c: (c.lineno, c.col_offset))
    for r in raises:
        before = next((c for c in changes if ends_before(c, r.node)), None)
        if before is None and changes and isinstance(n, (ast.While, ast.For)):
            before = changes[0]  # a raise in a later turn follows every change of an earlier one
        if before is not None:
            return before, r.raises  # type: ignore[return-value]
    return None


_HINT = "in {name}, check and raise before changing any attribute, or make this call outside the try"
_HINT_IMPLICIT = ("in {name}, do what may fail (or check it: `if k in self.d`, `if n != 0`) before changing any "
                  "attribute, or make this call outside the try")


def _where(found: ast.stmt) -> str:
    if isinstance(found, Unseen):
        return f"the call at line {found.lineno}, into which purify cannot see"
    if isinstance(found, MayRaise):
        return f"{found.what} at line {found.lineno}"
    return f"the `{type(found).__name__.lower()}` at line {found.lineno}"


def _callee_name(callee: Callee, call: ast.Call | ast.Attribute) -> str:
    inner = callee.inner or callee
    if inner.targets:
        model, method = inner.targets[0]
        return f"{model.name}.{method.name}"
    return ast.unparse(call.func if isinstance(call, ast.Call) else call)


_CATCHING = (ast.Try, ast.With, *TRY_STAR)  # what `_guarded` looks in


def _guarded(node: ast.AST, finally_too: bool = False) -> list[ast.stmt]:
    """Statements whose exceptions the block may catch and swallow (or, `finally_too`, run its
    `finally` after)."""
    if isinstance(node, (ast.Try, *TRY_STAR)):
        return node.body if node.handlers or finally_too and node.finalbody else []  # type: ignore[attr-defined]
    if isinstance(node, ast.With) and any(is_suppress(item.context_expr) for item in node.items):
        return node.body
    return []


def is_suppress(expr: ast.expr) -> bool:
    func = expr.func if isinstance(expr, ast.Call) else expr
    return isinstance(func, (ast.Name, ast.Attribute)) and (getattr(func, "id", None) or getattr(func, "attr", "")) \
        == "suppress"
