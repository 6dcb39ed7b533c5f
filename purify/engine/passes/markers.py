"""Markers and constructors: `purify.param(x)` and `purify.static(x)` become `x` (the
analysis has recorded them); `purify.split/merge` become the `_split/_merge` helpers; in `__init__`, `Child(...)` of a @stateful class
becomes `Child.init(...)`, so the state holds the child's State."""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..syntax import arg_names, origin, self_chain
from .base import Focused, MethodContext


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    init = ctx.method.kind == "init"
    stored = set() if init else _stored_objects(ctx)
    known = facts(ctx.method.node)
    marked = [n for n in known.of(ast.Call, nested=True) if _is_marked(ctx, n, init, stored)]  # type: ignore[arg-type]
    if marked:  # else no walk of the copy
        _Markers(ctx, init, _local_objects(ctx) if init else set(), stored, known.around(marked)).visit(fn)


def _is_marked(ctx: MethodContext, call: ast.Call, init: bool, stored: set[int]) -> bool:
    """A call of the user's method this pass rewrites: a purify marker or helper, or (in
    `__init__`, or stored straight into the state) a constructor of a @stateful class."""
    return ctx.resolver.purify_api(call.func) in _REWRITTEN_API or (
        (init or id(call) in stored) and ctx.resolver.stateful(call.func) is not None)


def _stored_objects(ctx: MethodContext) -> set[int]:
    """Outside __init__, constructor calls stored straight into the state (`self.child = Child()`,
    `self.cs[0] = Child()`, `self.cs = [Child(), Child()]`): the state holds their States, as in
    __init__. (Objects made into locals stay objects, see `_local_objects`.)"""
    out: set[int] = set()
    setters = {name for name in ctx.model.setters.values() if _stores_its_value(ctx, name)}
    for n in facts(ctx.method.node).of(ast.Call, ast.Assign):
        # `self.np_random = purify.Rng(seed)` through a property's setter (analysis/setters.py):
        # the value assigned, as written, goes into the state too
        setter_value = isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in setters \
            and self_chain(n.func, ctx.self_name) is not None and len(n.args) == 1 and isinstance(n.args[0], ast.Call)
        if setter_value:
            out.add(id(n.args[0]))  # type: ignore[union-attr]
        if isinstance(n, ast.Assign) and all(self_chain(t, ctx.self_name) for t in n.targets):
            values = [n.value]
            while values:
                v = values.pop()
                if isinstance(v, ast.Call):
                    out.add(id(v))
                elif isinstance(v, (ast.List, ast.Tuple)):
                    values += v.elts
                elif isinstance(v, ast.Dict):
                    values += v.values
                elif isinstance(v, (ast.ListComp, ast.GeneratorExp)):
                    values.append(v.elt)
    return out


def _stores_its_value(ctx: MethodContext, setter: str) -> bool:
    """Does the setter store the value it is given in a field (`self._np_random = value`)? Then the
    object assigned is state, as `self.child = Child()` is; else it stays an object."""
    method = ctx.model.methods.get(setter)
    params = arg_names(method.node)[1:2] if method is not None else []
    return bool(params) and any(
        isinstance(n, ast.Assign) and isinstance(n.value, ast.Name) and n.value.id == params[0]
        and all(self_chain(t, method.first_param) for t in n.targets)
        for n in facts(method.node).of(ast.Assign))  # type: ignore[union-attr]


def _local_objects(ctx: MethodContext) -> set[int]:
    """Constructor calls bound to a plain local (`rng = purify.Rng(0)`): such an object is
    shared with the children it is passed to, so it stays an instance (see BoundMethod).
    Known by the calls of the user's method (`syntax.origin`)."""
    every = facts(ctx.method.node).every
    locals_ = {id(n.value) for n in every if isinstance(n, ast.Assign)
               and all(isinstance(t, ast.Name) for t in n.targets) and isinstance(n.value, ast.Call)}
    return locals_ | _passed_to_constructors(ctx, every)


def _passed_to_constructors(ctx: MethodContext, every: list[ast.AST]) -> set[int]:
    """Objects made inline as arguments of a child's constructor (`Linear(n, 1, purify.Rng(0))`):
    the child receives an object, as from a local, not a State."""
    out = set()
    for n in every:
        if isinstance(n, ast.Call) and ctx.resolver.stateful(n.func) is not None:
            out |= {id(a) for a in [*n.args, *(k.value for k in n.keywords)] if isinstance(a, ast.Call)}
    return out


_REWRITTEN_API = frozenset({"param", "static", "split", "merge"})


class _Markers(Focused):
    def __init__(self, ctx: MethodContext, init: bool, keep: set[int], stored: set[int],
                 around: dict[ast.AST, bool]) -> None:
        self.ctx, self.init, self.keep, self.stored, self.around = ctx, init, keep, stored, around

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        api = self.ctx.resolver.purify_api(node.func)
        if api in ("param", "static"):
            if len(node.args) != 1 or node.keywords:
                raise self.ctx.error(node, f"purify.{api}() takes exactly one value", f"write purify.{api}(value)")
            return node.args[0]
        if api in ("split", "merge"):
            # The helper of the same behaviour, so `purify convert` output needs no purify.
            node.func = ast.copy_location(ast.Name(f"_{api}", ast.Load()), node.func)
            self.ctx.helpers.add(f"_{api}")
        made_here = self.init and id(origin(node)) not in self.keep or id(origin(node)) in self.stored
        if made_here and self.ctx.resolver.stateful(node.func) is not None:
            node.func = templates.expr("cls_.init", node.func, cls_=node.func)
        return node
