"""Refuse catching an exception from a call that may raise after changing the state.

In Python, `try: self.fit(x) except ValueError: ...` keeps whatever `fit` changed before it
raised. The pure method takes `fit`'s new state only when `fit` returns, so when it raises
those changes are lost, and the `except` makes that silent. A call whose callee may raise after
a change (a `raise` or `assert`, or an operation that raises on some values: analysis/implicit.py) (`Summary.raises_after_change`: every call form the resolver knows, `super()`,
children and lists of children included) is refused inside a `try` with handlers or a
`contextlib.suppress` block. Checking first and raising before any change is accepted.
"""

from __future__ import annotations

import ast

from ..analysis.calls import Callee
from ..analysis.effects import MayRaise, Unseen, site_of
from ..analysis.facts import facts
from ..syntax import walk_own
from .base import MethodContext


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for block in facts(fn).own:
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


def _guarded(node: ast.AST) -> list[ast.stmt]:
    """Statements whose exceptions the block may catch and swallow."""
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return node.body if node.handlers else []  # type: ignore[attr-defined, no-any-return]
    if isinstance(node, ast.With) and any(is_suppress(item.context_expr) for item in node.items):
        return node.body
    return []


def is_suppress(expr: ast.expr) -> bool:
    func = expr.func if isinstance(expr, ast.Call) else expr
    return isinstance(func, (ast.Name, ast.Attribute)) and (getattr(func, "id", None) or getattr(func, "attr", "")) \
        == "suppress"
