"""Refuse catching an exception from a call that may raise after changing the state.

In Python, `try: self.fit(x) except ValueError: ...` keeps whatever `fit` changed before it
raised. The pure method takes `fit`'s new state only when `fit` returns, so when it raises
those changes are lost, and the `except` makes that silent. A callee that may raise after a
change (an explicit `raise` or `assert` that can run after an assignment through self, or
after a call that changes state) is refused inside a `try` with handlers or a
`contextlib.suppress` block. Checking first and raising before any change is accepted.
"""

from __future__ import annotations

import ast

from ..model import ClassModel, Method, Resolver
from ..syntax import arg_names, enclosing_loops, is_self, self_chain, targets_of, walk_own
from .base import MethodContext


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for block in walk_own(fn):
        for stmt in _guarded(block):
            for n in [stmt, *walk_own(stmt)]:
                target = _callee(ctx.model, ctx.resolver, ctx.self_name, n) if isinstance(n, ast.Call) else None
                found = _raise_after_change(ctx.resolver, *target, set()) if target else None
                if found is None:
                    continue
                name = f"{target[0].name}.{target[1].name}"  # type: ignore[index]
                raise ctx.error(n, f"this call may raise after changing the state ({name} can reach the "
                                f"`{type(found).__name__.lower()}` at line {found.lineno} after a change), and the "
                                "handler here would catch it: Python keeps the changes made before the exception, "
                                "the pure method loses them",
                                f"in {name}, check and raise before changing any attribute, or make this call "
                                "outside the try")


def _guarded(node: ast.AST) -> list[ast.stmt]:
    """Statements whose exceptions the block may catch and swallow."""
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
        return node.body if node.handlers else []  # type: ignore[attr-defined, no-any-return]
    if isinstance(node, ast.With) and any(_is_suppress(item.context_expr) for item in node.items):
        return node.body
    return []


def _is_suppress(expr: ast.expr) -> bool:
    func = expr.func if isinstance(expr, ast.Call) else expr
    return isinstance(func, (ast.Name, ast.Attribute)) and (getattr(func, "id", None) or getattr(func, "attr", "")) \
        == "suppress"


def _callee(model: ClassModel, resolver: Resolver, self_name: str, call: ast.Call) -> tuple[ClassModel, Method] | None:
    """The method of this class or of a child that `call` runs, if it is one."""
    if is_self(call.func, self_name):
        method = model.methods.get("__call__")
        return (model, method) if method is not None else None
    chain = self_chain(call.func, self_name)
    if not chain or chain[0][0] != "attr":
        return None
    head = str(chain[0][1])
    if len(chain) == 1 and head in model.methods:
        return model, model.methods[head]
    field = model.fields.get(head)
    if field is None or field.child is None and not field.children:
        return None
    rest = chain[1:] if field.child is not None else chain[2:]
    name = "__call__" if not rest else str(rest[0][1]) if len(rest) == 1 and rest[0][0] == "attr" else None
    child = resolver.stateful(field.child) if field.child is not None else None
    method = child.methods.get(name) if child is not None and name is not None else None
    return (child, method) if child is not None and method is not None else None


def _raise_after_change(resolver: Resolver, model: ClassModel, method: Method,
                        seen: set[tuple[str, str]]) -> ast.stmt | None:
    """A `raise` or `assert` that may run after `method` (or a method it calls) changed the state."""
    key = (model.name, method.name)
    if key in seen or method.kind != "method":
        return None
    seen.add(key)
    self_name = (arg_names(method.node) or ["self"])[0]
    changes: list[ast.AST] = []
    raises: list[tuple[ast.AST, ast.stmt]] = []  # (where in this method, the raise it leads to)
    for n in walk_own(method.node):
        if isinstance(n, (ast.Raise, ast.Assert)):
            raises.append((n, n))
        elif isinstance(n, ast.stmt) and any(self_chain(t, self_name) for t in targets_of(n)):
            changes.append(n)
        elif isinstance(n, ast.Call):
            target = _callee(model, resolver, self_name, n)
            if target is None:
                continue
            inner = _raise_after_change(resolver, *target, seen)
            if inner is not None:
                return inner
            if target[1].writes:
                changes.append(n)
            first = _any_raise(resolver, *target, set())
            if first is not None:
                raises.append((n, first))
    loops = enclosing_loops(method.node)
    for where, found in raises:
        if any(_ends_before(change, where) or loops[change] & loops[where] for change in changes):
            return found
    return None


def _ends_before(first: ast.AST, then: ast.AST) -> bool:
    """Does `first` end before `then` ends? An assignment changes the state, and a call runs its
    callee, once everything in it has been evaluated: at its end."""
    return (first.end_lineno, first.end_col_offset) < (then.end_lineno, then.end_col_offset)  # type: ignore[attr-defined]


def _any_raise(resolver: Resolver, model: ClassModel, method: Method, seen: set[tuple[str, str]]) -> ast.stmt | None:
    """A `raise` or `assert` that `method` or a method it calls may run."""
    key = (model.name, method.name)
    if key in seen or method.kind != "method":
        return None
    seen.add(key)
    self_name = (arg_names(method.node) or ["self"])[0]
    for n in walk_own(method.node):
        if isinstance(n, (ast.Raise, ast.Assert)):
            return n
        target = _callee(model, resolver, self_name, n) if isinstance(n, ast.Call) else None
        found = _any_raise(resolver, *target, seen) if target else None
        if found is not None:
            return found
    return None
