"""Refuse what cannot be rewritten faithfully, with a located error saying what to write.

Runs on the user's method before any rewrite, so every location is the user's.
"""

from __future__ import annotations

import ast

from ...errors import PurifyError
from ..analysis.effects import site_of, sites
from ..analysis.facts import facts
from ..eager_only import Kind, mark
from ..model import Field
from ..syntax import (
    ASSIGNING,
    BINDING,
    MUTATORS,
    OPERATORS,
    SCOPES,
    TRY_STAR,
    arg_names,
    assigned_names,
    handed_on,
    is_self,
    self_chain,
    targets_of,
    walk_own,
)
from ..transformer import walk
from . import (
    aliasing,
    callbacks,
    children,
    copies,
    dispatch,
    exceptions,
    fluent,
    held,
    hygiene,
    others,
    plain_objects,
)
from .base import MethodContext

_ARG_MUTATORS = MUTATORS - {"update", "put", "add"}  # optax's update(), set.add on a param are rare; avoid false alarms


def check(ctx: MethodContext) -> list[PurifyError]:
    """Every refusal of the method (one per check: each stops at its first finding)."""
    fn = ctx.method.node
    checks = (_check_statements, _check_self_uses, _check_nested_writes, _check_container_mutation,
              _check_argument_mutation, _check_return_before_finally, _check_escaping_closures,
              _check_aug_item_reentry, *aliasing.CHECKS, exceptions.check, callbacks.check,
              copies.check, dispatch.check, held.check,
              hygiene.check_binding_targets, hygiene.check_alias_calls, children.check_protocols,
              children.check_dicts, plain_objects.check, fluent.check_uses, others.check, others.check_plain_super)
    found = []
    for run in checks:
        try:
            run(ctx, fn)
        except PurifyError as e:
            found.append(e)
    return found


def _check_aug_item_reentry(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`self.d[k] += self.f()` where f changes self.d: Python fetches the container before calling
    f, so when f replaces it the update lands in the old container and is lost (with NumPy
    arrays f's own in-place changes show through instead). The rewrite cannot follow that."""
    for n in facts(fn).of(ast.AugAssign):
        assert isinstance(n, ast.AugAssign)
        chain = self_chain(n.target, ctx.self_name)
        if not chain or chain[0][0] != "attr" or not any(kind == "item" for kind, _, _ in chain):
            continue
        field = str(chain[0][1])
        for call in walk_own(ast.Expr(n.value)):
            if (isinstance(call, ast.Call) or isinstance(call, ast.Attribute) and id(call) in ctx.method.callees) \
                    and field in _fields_changed_by(ctx, call):  # (a read of a caching property runs its body)
                raise ctx.error(call, f"this call changes self.{field} while `{ast.unparse(n.target)} "
                                f"{OPERATORS.get(type(n.op), '?')}= ...` updates it: Python fetched self.{field} "
                                "before the call, so the result depends on whether the call replaces it or "
                                "changes it in place", _NO_REENTRY_HINT)


_NO_REENTRY_HINT = "call it in a statement of its own first (r = self.method(...)), then update the item with r"


def _fields_changed_by(ctx: MethodContext, call: ast.Call | ast.Attribute) -> frozenset[str]:
    """Attributes of self that `call` may change (its callee's, transitively, or the child's)."""
    site = site_of(ctx.model, ctx.method, call, ctx.self_name)
    return site.fields if site is not None else frozenset()


def _check_escaping_closures(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """A nested function, lambda or bound method that reads `self` and is returned or stored in
    the state outlives the call: it would keep reading the state of that moment, while the
    original keeps reading the object's current state."""
    known = facts(fn)
    closures = {n.name for n in known.of(ast.FunctionDef) if _reads_self(ctx, n)}  # type: ignore[attr-defined]
    closures |= {t.id for n in known.of(ast.Assign) if isinstance(n.value, ast.Lambda)  # type: ignore[attr-defined]
                 and _reads_self(ctx, n.value) for t in n.targets if isinstance(t, ast.Name)}  # type: ignore[attr-defined]
    for n in known.of(ast.Return, ast.Assign, ast.AnnAssign):
        found, where = None, ""
        if isinstance(n, ast.Return) and n.value is not None:
            found, where = _escaping(ctx, n.value, closures), "returned"
        elif (isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None
              and any(self_chain(t, ctx.self_name) for t in targets_of(n))):
            found, where = _escaping(ctx, n.value, closures), "stored in an attribute of self"
        if found is not None:
            raise ctx.error(found, f"a function that reads `{ctx.self_name}` is {where}, so it outlives the call: "
                            "it would keep seeing the state of this moment, not the object's later state",
                            "return the values it computes instead (call it here), or make it a method and call "
                            "it with the state: Cls.method(state, ...)")


def _reads_self(ctx: MethodContext, node: ast.AST) -> bool:
    return any(is_self(n, ctx.self_name) for n in walk(node))


def _escaping(ctx: MethodContext, value: ast.AST, closures: set[str]) -> ast.AST | None:
    """The closure in `value` that leaves with it (containers and conditionals looked through).
    (A module function, not a nested one that calls itself: that would be a reference cycle
    holding the method's context until the collector finds it.)"""
    if isinstance(value, ast.Lambda) and _reads_self(ctx, value):
        return value
    if isinstance(value, ast.Name) and value.id in closures:
        return value
    if isinstance(value, ast.Attribute) and is_self(value.value, ctx.self_name):
        m = ctx.method_named(value.attr)
        return value if m is not None and m.kind in ("method", "init") else None
    for part in handed_on(value):
        found = _escaping(ctx, part, closures)
        if found is not None:
            return found
    return None


def _check_return_before_finally(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`try: return x  finally: self.n += 1`: Python runs the finally after computing the return
    value; the rewritten `return x, self` would hand back the state from before the finally."""
    for t in facts(fn).of(ast.Try, *TRY_STAR):
        if not t.finalbody:  # type: ignore[attr-defined]
            continue
        final = ast.Module(body=t.finalbody, type_ignores=[])  # type: ignore[attr-defined]
        if not _may_change_state(ctx, final):
            continue
        guarded = [*t.body, *t.orelse, *(h for h in t.handlers)]  # type: ignore[attr-defined]
        for stmt in guarded:
            for n in [stmt, *walk_own(stmt)]:
                if isinstance(n, ast.Return):
                    raise ctx.error(n, "this return leaves a `try` whose `finally` changes the state; the state "
                                    "handed back would miss the finally's changes",
                                    "assign the result to a local (result = ...) and return it after the "
                                    "try statement")


def _may_change_state(ctx: MethodContext, node: ast.AST) -> bool:
    return any(site.writes for site in sites(ctx.model, ctx.method, node))


def _check_statements(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for n in facts(fn).of(ast.Global, ast.Nonlocal, ast.Delete, ast.AsyncFunctionDef, ast.Await, ast.AsyncFor,
                          ast.AsyncWith, nested=True):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            word = "global" if isinstance(n, ast.Global) else "nonlocal"
            raise ctx.error(n, f"`{word}` in a method makes it impure: purify cannot thread that variable",
                            "keep the value in an attribute of self (set it in __init__) and assign it there")
        if isinstance(n, ast.Delete):
            for t in n.targets:
                if self_chain(t, ctx.self_name):
                    raise ctx.error(t, "`del` on an attribute of self cannot be made pure",
                                    "the state's structure is fixed after __init__; assign a neutral value instead "
                                    "(e.g. self.x = None, or jnp.zeros_like(self.x))")
        if isinstance(n, (ast.AsyncFunctionDef, ast.Await, ast.AsyncFor, ast.AsyncWith)):
            raise ctx.error(n, "async code cannot be made pure", "write synchronous code; JAX traces it once")


def _check_self_uses(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`self` may only be read through an attribute, or called: anything else lets it escape."""
    known = facts(fn)
    parents = known.parents
    for n in known.of(ast.Name, nested=True):
        if not is_self(n, ctx.self_name):
            continue
        assert isinstance(n, ast.Name)
        parent = parents.get(n)
        if isinstance(n.ctx, ast.Store):
            raise ctx.error(n, f"`{ctx.self_name}` is reassigned",
                            f"assign to a new local name; `{ctx.self_name}` stands for the object's state")
        if isinstance(parent, ast.Attribute) or (isinstance(parent, ast.Call) and parent.func is n):
            continue
        if isinstance(parent, ast.Call) and parents.get(parent) is not None and ctx.resolver.purify_api(parent.func) in (
                "grad", "value_and_grad"):
            continue  # purify.grad(self)(x): differentiates __call__
        if isinstance(parent, ast.Call) and _computed_attr_call(parent, n):
            raise _computed_attr_error(ctx, parent)
        if isinstance(parent, (ast.arguments, ast.arg)):
            continue
        if isinstance(parent, ast.Call) and others.allowed_copy(ctx, parent, parents.get(parent)):
            continue  # `r = copy.deepcopy(self)`, `return copy.copy(self)`: the State (passes/others.py)
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "type":
            raise ctx.error(parent, f"type({ctx.self_name}) reaches the class's attributes, which every instance "
                            "shares, so purify cannot thread them",
                            f"read class constants as {ctx.self_name}.NAME; keep values that change in attributes "
                            "of self set in __init__")
        if isinstance(parent, ast.Call):
            raise mark(ctx.error(n, f"`{ctx.self_name}` is passed to a function, so purify cannot track its state",
                                 "pass the attributes the function needs (self.x), or make the function a method"),
                       Kind.SELF_VALUE)
        if isinstance(parent, ast.Return) and ctx.method.kind == "method" and n in known.of(ast.Name):
            continue  # `return self`: the new state in the pure API, the object itself eagerly
        if isinstance(parent, ast.Return):
            raise ctx.error(n, f"`{ctx.self_name}` is returned, so its state would escape",
                            "return the attributes you need, or use purify.state_of(obj) outside the class")
        raise mark(ctx.error(n, f"`{ctx.self_name}` is used as a value, so purify cannot track its state",
                             "read attributes (self.x) instead of the object itself"), Kind.SELF_VALUE)


def _computed_attr_call(call: ast.Call, n: ast.Name) -> bool:
    name = call.func.id if isinstance(call.func, ast.Name) else ""
    return name in ("getattr", "setattr", "hasattr", "delattr") and bool(call.args) and call.args[0] is n


def _computed_attr_error(ctx: MethodContext, call: ast.Call) -> Exception:
    name = call.func.id  # type: ignore[attr-defined]
    key = call.args[1] if len(call.args) > 1 else call
    return ctx.error(call, f"{name}(self, ...) with a computed attribute name cannot be made pure",
                     f"write the attribute out (self.x), or keep the values in a dict field: "
                     f"self.table[{ast.unparse(key)}]")


def _check_nested_writes(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for scope in facts(fn).of(*SCOPES):
        for n in walk(scope):
            for t in targets_of(n) if isinstance(n, ast.stmt) else []:
                if self_chain(t, ctx.self_name):
                    raise ctx.error(t, "state is written inside a nested function or lambda",
                                    "return the new value from the nested function and assign it to self "
                                    "in the method body")


def _check_container_mutation(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for n in facts(fn).of(ast.Call, nested=True):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS):
            continue
        chain = self_chain(n.func.value, ctx.self_name)
        if not chain or chain[0][0] != "attr":
            continue
        if any(kind == "attr" and key == "at" for kind, key, _ in chain[1:]):
            continue  # JAX's functional `self.x.at[i].add(v)` builds a new array
        f = ctx.field(str(chain[0][1]))
        if f is None or f.kind == "static" or f.child is not None or f.children:
            continue
        if len(chain) == 1 and plain_objects.undecorated_class(ctx, f.attr) is not None:
            continue  # an object of the user's plain class: plain_objects says to decorate it
        target = ast.unparse(n.func.value)
        merges = {"append": f"{target} + [{_args(n)}]", "extend": f"{target} + list({_args(n)})"}
        if len(chain) == 1 and _holds_dict(f):  # `.update(x)` merges only a dict: an object's may be anything
            merges["update"] = f"{{**{target}, **{_args(n)}}}"
        new = merges.get(n.func.attr) if len(n.args) == 1 and not n.keywords else None
        hint = f"assign a new value instead: {target} = {new}" if new else f"build a new value and assign it: {target} = ..."
        raise ctx.error(n, f"{target}.{n.func.attr}(...) mutates an attribute in place, which purify cannot track", hint)


def _holds_dict(f: Field) -> bool:
    """Does __init__ give the field a dict (`{...}`, `dict(...)`, a dict comprehension)?"""
    value = getattr(f.node, "value", None)
    return isinstance(value, (ast.Dict, ast.DictComp)) or (
        isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict")


def _args(call: ast.Call) -> str:
    return ", ".join(ast.unparse(a) for a in call.args)


def _check_argument_mutation(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    params = set(arg_names(fn)[1:]) if ctx.method.kind != "static" else set(arg_names(fn))
    params -= assigned_names(facts(fn).of(*BINDING))
    for n in facts(fn).of(*ASSIGNING, ast.Call):
        base = None
        if isinstance(n, ast.stmt):
            for t in targets_of(n):
                if isinstance(t, (ast.Subscript, ast.Attribute)):
                    root = t
                    while isinstance(root, (ast.Subscript, ast.Attribute)):
                        root = root.value
                    if isinstance(root, ast.Name) and root.id in params:
                        base = (t, root.id)
        elif (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _ARG_MUTATORS
              and isinstance(n.func.value, ast.Name) and n.func.value.id in params):
            base = (n, n.func.value.id)
        if base:
            node, name = base
            raise ctx.error(node, f"argument `{name}` is mutated in place; the caller would see a change "
                            "that the pure function cannot make",
                            f"copy it first (`{name} = list({name})` or `{name} = {name}.copy()`), or build and "
                            "return a new value")
