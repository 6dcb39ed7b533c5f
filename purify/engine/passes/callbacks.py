"""Refuse a function that reads `self`, passed to a method that changes the state.

In Python `self.apply(lambda: self.n)` hands `apply` a function that reads the object: when
`apply` changes `self.n` and then calls it, it sees the new value. In the pure method the
lambda closes over the state of the moment it was made, the state `apply` received, so it
would see the old value. The same holds for a nested function, a bound method (`self.read`,
`self.child.read`) and `functools.partial` of one, passed directly, inside a container or
through a local name. Passing one to a method that does not change the state is accepted: the
state it reads is the state the call runs on.
"""

from __future__ import annotations

import ast

from ..analysis.effects import site_of
from ..analysis.facts import MethodFacts, facts
from ..model import MethodKind
from ..syntax import handed_on, is_self, self_chain
from .base import MethodContext

_MSG = ("a function that reads `{self}` is passed to {callee}, which changes the state: in Python it reads the "
        "object when it is called, after the change; in the pure method it reads the state from before the call")
_HINT = ("pass a function of the values instead, and let {name} call it with the state it has then: "
         "self.{name}(lambda n: n * 2), with fn(self.n) inside {name}")


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if not ctx.method.summary.writes:
        return  # no call of the method changes the state (its summary holds every call's)
    known = facts(fn)
    closures = _closure_names(ctx, known)
    for n in known.of(ast.Call):
        assert isinstance(n, ast.Call)
        site = site_of(ctx.model, ctx.method, n, ctx.self_name)
        if site is None or not site.writes:
            continue
        for arg in [*n.args, *(k.value for k in n.keywords)]:
            found = _passed_closure(ctx, arg, closures)
            if found is not None:
                name = n.func.attr if isinstance(n.func, ast.Attribute) else ast.unparse(n.func)
                raise ctx.error(found, _MSG.format(self=ctx.self_name, callee=ast.unparse(n.func)),
                                _HINT.format(name=name))


def _reads_self(ctx: MethodContext, node: ast.AST) -> bool:
    return any(is_self(n, ctx.self_name) for n in ast.walk(node))


def _closure_names(ctx: MethodContext, known: MethodFacts) -> set[str]:
    """Local names bound to a function that reads self (a def, a lambda, a bound method)."""
    names = {n.name for n in known.of(ast.FunctionDef) if _reads_self(ctx, n)}  # type: ignore[attr-defined]
    for n in known.of(ast.Assign, ast.AnnAssign):
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if _passed_closure(ctx, n.value, names) is not None:
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _passed_closure(ctx: MethodContext, value: ast.AST, closures: set[str]) -> ast.AST | None:
    """The function reading self that `value` hands on (containers and partial looked through)."""
    if isinstance(value, ast.Lambda):
        return value if _reads_self(ctx, value) else None
    if isinstance(value, ast.Name):
        return value if value.id in closures else None
    if isinstance(value, ast.Attribute) and _bound_method(ctx, value):
        return value
    for part in handed_on(value):
        found = _passed_closure(ctx, part, closures)
        if found is not None:
            return found
    return None


def _bound_method(ctx: MethodContext, node: ast.Attribute) -> bool:
    """`self.read` or `self.child.read`: a method bound to self or to a child."""
    chain = self_chain(node, ctx.self_name)
    if not chain:
        return False
    if len(chain) == 1:
        method = ctx.model.methods.get(node.attr)
        return method is not None and method.kind in (MethodKind.METHOD, MethodKind.INIT)
    field = ctx.model.fields.get(str(chain[0][1]))
    child = ctx.resolver.stateful(field.child) if field is not None and field.child is not None else None
    if child is None or len(chain) != 2:
        return False
    method = child.methods.get(node.attr)
    return method is not None and method.kind == MethodKind.METHOD
