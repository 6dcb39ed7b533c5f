"""Methods that return the object itself (`return self`, for chaining: `obj.update(x).update(y)`,
and `__iadd__`). Eagerly such a call returns the instance; in the pure API the `out` is the
State the method returns, which is then the new state (`Cls.update(state, x) -> (new, new)`).

Inside the class a call of one is only a value where the two agree: a statement of its own
(`self.update(x)`) or returned (`return self.update(x)`). Kept in a local (`me =
self.update(x)`), the State would be a snapshot: the object's later changes would not show
through it, as they do in Python, so that is refused."""

from __future__ import annotations

import ast

from ..analysis.facts import facts
from ..model import Method, MethodKind
from ..syntax import is_self
from .base import MethodContext

VALUE_MSG = ("{call} returns the object itself, which purify keeps as a value (the State at that moment), "
             "so later changes of the object would not show through it")
VALUE_HINT = "call it as a statement ({call}), then read what you need from the object"


def returns_self(method: Method) -> bool:
    """Does the method (with `self`) return its object in some `return self`?"""
    if method.kind != MethodKind.METHOD:
        return False
    names = [a.arg for a in (*method.node.args.posonlyargs, *method.node.args.args)]
    return bool(names) and any(n.value is not None and is_self(n.value, names[0])  # type: ignore[attr-defined]
                               for n in facts(method.node).of(ast.Return))


def always_returns_self(method: Method) -> bool:
    """Is every `return` of the method (at least one, and no falling off the end) `return self`?
    `purify.jit(obj.method)` then returns the object, as the eager call does (a compiled call's
    outputs are new arrays, so the State it returns cannot be told from another by identity)."""
    if not returns_self(method) or not isinstance(method.node.body[-1], ast.Return):
        return False
    self_name = (method.node.args.posonlyargs or method.node.args.args)[0].arg
    return all(n.value is not None and is_self(n.value, self_name)  # type: ignore[attr-defined]
               for n in facts(method.node).of(ast.Return))


def check_uses(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    known = facts(fn)
    for n in known.of(ast.Call):
        callee = ctx.method.callees.get(id(n))
        if callee is None or not callee.threads or not any(returns_self(m) for _, m in callee.targets):
            continue
        if isinstance(known.parents.get(n), (ast.Expr, ast.Return)):
            continue
        call = ast.unparse(n)
        raise ctx.error(n, VALUE_MSG.format(call=call), VALUE_HINT.format(call=call))
