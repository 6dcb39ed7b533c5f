"""Objects of the user's own classes that are not @stateful, held in a field (`self.mean =
Mean()`) or called with the state (`self.optimizer.step(w=self._weights, g=grad)`): what their
methods change happens to a Python object the pure method never sees, so it would be lost
under jax.jit (and eagerly change the old state in place). Refused, with the fix:

* a method that changes its own object: decorate the class with @purify.stateful, so its
  state nests in this class's (then `self.mean.update(x)` threads it);
* a method that changes an argument in place (`w -= lr * g`, `w[i] = ...`, `w.fill(0)`) that is
  the state (`self._weights`): return the new value from it and assign that.

Only classes whose source purify reads are judged (`Resolver.plain_class_source`); the same check runs
for the decorator and `purify convert`.
"""

from __future__ import annotations

import ast

from ..analysis.facts import facts
from ..syntax import MUTATORS, arg_names, self_chain
from ..transformer import walk
from .base import MethodContext

UNDECORATED_MSG = ("{target} holds a {cls} object, and {cls} is not @purify.stateful, so the change "
                   "{cls}.{method}(...) makes to it would be lost in the pure method (a plain object is no state)")
UNDECORATED_HINT = "decorate {cls} with @purify.stateful: its state then nests in {owner}'s and {target}.{method}(...) threads it"
ARGUMENT_MSG = ("{arg} is passed to {call}(...), which changes its argument `{param}` in place (`{line}`): the pure "
                "method cannot see that change (under jax.jit it is lost)")
ARGUMENT_HINT = "return the new value from {method} and assign it: {arg} = {call}(...)"


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for n in facts(fn).of(ast.Call, nested=True):
        if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)):
            continue
        chain = self_chain(n.func.value, ctx.self_name)
        if not chain or len(chain) != 1 or chain[0][0] != "attr":
            continue
        cls = _plain_class_of(ctx, str(chain[0][1]))
        method = _method(cls, n.func.attr) if cls is not None else None
        if cls is None or method is None:
            continue
        target = ast.unparse(n.func.value)
        if _changes_self(method):
            raise ctx.error(n, UNDECORATED_MSG.format(target=target, cls=cls.name, method=n.func.attr),
                            UNDECORATED_HINT.format(cls=cls.name, owner=ctx.model.name, target=target,
                                                    method=n.func.attr))
        _check_arguments(ctx, n, method)


def undecorated_class(ctx: MethodContext, attr: str) -> str | None:
    """The name of the plain class a field holds an object of (`self.mean = Mean()`), if any."""
    cls = _plain_class_of(ctx, attr)
    return cls.name if cls is not None else None


def _plain_class_of(ctx: MethodContext, attr: str) -> ast.ClassDef | None:
    f = ctx.field(attr)
    value = getattr(f.node, "value", None) if f is not None else None
    if isinstance(value, ast.Call) and ctx.resolver.purify_api(value.func) == "static" and value.args:
        value = value.args[0]
    if f is None or f.child is not None or f.children or not isinstance(value, ast.Call):
        return None
    plain_class = getattr(ctx.resolver, "plain_class_source", None)
    return plain_class(value.func) if plain_class is not None else None


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for s in cls.body:
        if isinstance(s, ast.FunctionDef) and s.name == name:
            return s
    return None


def _changes_self(method: ast.FunctionDef) -> bool:
    names = arg_names(method)
    if not names or any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in method.decorator_list):
        return False
    return any(_changed(n, names[0]) is not None for n in walk(method))


def _changed(n: ast.AST, name: str) -> ast.AST | None:
    """The node where `n` changes the object `name` holds in place, if it does."""
    targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []
    for t in targets:
        root = t
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if isinstance(root, ast.Name) and root.id == name and (root is not t or isinstance(n, ast.AugAssign)):
            return n
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS:
        root = n.func.value
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if isinstance(root, ast.Name) and root.id == name:
            return n
    return None


def _check_arguments(ctx: MethodContext, call: ast.Call, method: ast.FunctionDef) -> None:
    """`obj.step(w=self._weights)` where `step` changes `w` in place."""
    params = arg_names(method)[1:]
    bound = [*zip(params, call.args), *((k.arg, k.value) for k in call.keywords if k.arg is not None)]
    for param, value in bound:
        chain = self_chain(value, ctx.self_name)
        f = ctx.field(str(chain[0][1])) if chain and chain[0][0] == "attr" else None
        if f is None or f.kind == "static" or f.child is not None or f.children:
            continue
        where = next((c for n in walk(method) if (c := _changed(n, param)) is not None), None)
        if where is not None:
            line = ast.unparse(where).splitlines()[0]
            fn = ast.unparse(call.func)
            raise ctx.error(value, ARGUMENT_MSG.format(arg=ast.unparse(value), call=fn, param=param, line=line),
                            ARGUMENT_HINT.format(method=call.func.attr, arg=ast.unparse(value), call=fn))  # type: ignore[attr-defined]
