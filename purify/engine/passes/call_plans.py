"""What running one state-threading call takes: the pure function, the state passed in and
where the new state goes, from what the analysis says the call runs (`Method.callees`)."""

from __future__ import annotations

import ast
import dataclasses

from .. import templates
from ..analysis.calls import Callee, CallKind
from ..eager_only import EAGER_CALL
from ..model import Method, MethodKind
from ..syntax import Link, is_super_init, origin, self_chain, targets_of
from .base import MethodContext
from .writes import simple_index


@dataclasses.dataclass
class Plan:
    """How to call one state-threading callee."""

    func: ast.expr  # the pure function
    state: ast.expr  # the state passed in
    writeback: list[ast.expr]  # where the new state goes (assignment targets)
    writes: bool  # False: inline `func(state, ...)[0]`
    prefix: list[ast.expr] = dataclasses.field(default_factory=list)  # arguments before the state
    # temporaries bound before the call (name, value): a child's index that is not a name or a
    # constant (`self.kids[pick(i)](x)`), evaluated once, as Python does, though the plan reads it thrice
    setup: list[tuple[str, ast.expr]] = dataclasses.field(default_factory=list)


class Planner:
    """Plans the calls of one method; knows the loops over children the calls pass is inside."""

    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx
        self.loop_children: dict[str, tuple[str, list[Link]]] = {}  # loop var -> (index var, field chain)

    def plan(self, call: ast.Call) -> Plan | None:
        """How to thread the state through `call`, from what the analysis says it runs."""
        callee = self.ctx.callee(call)
        return self._plan(callee, call.func, call) if callee.threads else None

    def plan_read(self, read: ast.Attribute) -> Plan | None:
        """How to thread the state through a read of a property that caches into the state
        (`self.prop`, `self.kid.prop`): as a call of the property with no arguments."""
        callee = self.ctx.method.callees.get(id(origin(read)))
        if callee is None or not callee.threads or not any(t.writes for _, t in callee.targets):
            return None
        return self._plan(callee, read, read)

    def _plan(self, callee: Callee, func: ast.expr, at: ast.expr) -> Plan | None:
        """`at`: where an error points (the call)."""
        ctx = self.ctx
        if callee.kind is CallKind.OWN:
            return self._self_method(func, callee, at)
        if callee.kind is CallKind.GRAD:
            return self._grad(func, callee)  # type: ignore[arg-type]
        if callee.kind is CallKind.SUPER:
            return self._super(func, callee, at)
        var = func.value if isinstance(func, ast.Attribute) else func
        if callee.kind is CallKind.ITEM and isinstance(var, ast.Name) and var.id in self.loop_children:
            return self._loop_child(var.id, callee.name, func)
        if callee.kind is CallKind.ITEM and isinstance(var, ast.Name):
            return self._comprehension_item(var.id, callee, func, at)
        chain = self_chain(func, ctx.self_name)
        return self._child(chain, callee) if chain else None

    def _self_method(self, func: ast.expr, callee: Callee, at: ast.expr) -> Plan:
        ctx = self.ctx
        if not callee.targets:
            raise ctx.error(at, f"{ctx.model.name} has no method {callee.name}", "define it in the class")
        method = callee.targets[0][1]
        if method.kind == MethodKind.INIT:  # `self.__init__(x0)` in `reset`: the state starts again
            _check_reinit(ctx, method, at)
            func = templates.expr(REINIT, func, cls_=ctx.cls_expr())
            return Plan(func, ctx.self_load(), [ast.Name(ctx.self_name, ast.Store())], True)
        if method.on_instance:  # `_r, self = _eager_call("render", self)`: the instance runs it, if any
            ctx.helpers.add(EAGER_CALL)
            return Plan(ast.copy_location(ast.Name(EAGER_CALL, ast.Load()), func), ctx.self_load(),
                        [ast.Name(ctx.self_name, ast.Store())], True,
                        prefix=[ast.copy_location(ast.Constant(method.attr(ctx.model.name)), func)])
        func = templates.expr("cls_.m", func, cls_=ctx.cls_expr(), m=method.attr(ctx.model.name))
        return Plan(func, ctx.self_load(), [ast.Name(ctx.self_name, ast.Store())], method.writes)

    def _super(self, func: ast.expr, callee: Callee, at: ast.expr) -> Plan:
        ctx = self.ctx
        owner = ctx.method.owner
        if not callee.targets or owner.base_expr is None:
            raise ctx.error(at, f"super().{callee.name}() has no @stateful base class to call",
                            "remove the call, or decorate the base class with @purify.stateful")
        base, method = callee.targets[0]
        func = templates.expr("base.m", func, base=owner.base_expr, m=method.attr(base.name))
        return Plan(func, ctx.self_load(), [ast.Name(ctx.self_name, ast.Store())], method.writes)

    def _child(self, chain: list[Link], callee: Callee) -> Plan:
        """`self.c(...)`, `self.c.m(...)`, `self.cs[i](...)`, `self.cs[i].m(...)`."""
        ctx = self.ctx
        field = callee.field
        assert field is not None
        if callee.kind is CallKind.CHILD:
            assert field.child is not None
            method = callee.targets[0][1] if callee.targets else None
            name = method.attr(callee.targets[0][0].name) if method is not None else callee.name
            ref = chain[:1]
            func = templates.expr("child.m", chain[-1][2], child=field.child, m=name)
            return Plan(func, ctx.load_chain(ref), [store_chain(ctx, ref)], method is None or method.writes)
        ref, setup = chain[:2], []
        kind, key, where = ref[1]
        if kind == "item" and not simple_index(key):
            setup.append((ctx.fresh("k"), key))
            ref = [ref[0], ("item", ast.Name(setup[0][0], ast.Load()), where)]
        func = templates.expr("state._cls.m", chain[-1][2], state=ctx.load_chain(ref), m=callee.name)
        return Plan(func, ctx.load_chain(ref), [store_chain(ctx, ref)], True, setup=setup)

    def _grad(self, transform: ast.Call, callee: Callee) -> Plan:
        """`purify.grad(self.loss)(x)` -> `_r, self = _grad(Cls.loss, False, self, x)`."""
        ctx = self.ctx
        api = ctx.resolver.purify_api(transform.func)
        has_aux = ast.Constant(False)
        for k in transform.keywords:
            if k.arg != "has_aux":
                raise ctx.error(k, f"purify.{api}(...) on a method takes only has_aux=",
                                "it differentiates with respect to the object's parameters; for other "
                                "arguments use jax.grad on a plain function")
            has_aux = k.value
        ref = transform.args[0]
        inner = self._plan(callee.inner, ref, ref) if callee.inner is not None and callee.inner.threads else None
        if inner is None or inner.prefix:
            raise ctx.error(ref, f"purify.{api}() takes a method of self or of a child, e.g. self.loss",
                            f"write purify.{api}(self.loss)(x, y), or jax.{api} for a plain function")
        helper = ast.Name("_" + str(api), ast.Load())
        ctx.helpers.add(helper.id)
        return Plan(helper, inner.state, inner.writeback, True, prefix=[inner.func, has_aux])

    def _comprehension_item(self, var: str, callee: Callee, func: ast.expr, at: ast.expr) -> Plan:
        """`[layer.l2() for layer in self.layers]`: a method that only reads runs in place on the
        item (its State); one that changes it is refused, since a comprehension hands no item back."""
        if not callee.known or any(method.writes for _, method in callee.targets):
            field = callee.field.attr if callee.field is not None else "the children"
            raise self.ctx.error(at, COMPREHENSION_ITEM_MSG.format(var=var, m=callee.name, f=field),
                                 COMPREHENSION_ITEM_HINT.format(var=var, m=callee.name, f=field))
        return Plan(templates.expr("var._cls.m", func, var=var, m=callee.name), ast.Name(var, ast.Load()), [], False)

    def _loop_child(self, var: str, name: str, origin: ast.expr) -> Plan:
        index, chain = self.loop_children[var]
        ref = [*chain, ("item", ast.Name(index, ast.Load()), chain[-1][2])]
        func = templates.expr("var._cls.m", origin, var=var, m=name)
        return Plan(func, ast.Name(var, ast.Load()), [ast.Name(var, ast.Store()), store_chain(self.ctx, ref)], True)


COMPREHENSION_ITEM_MSG = ("`{var}.{m}(...)` changes the state of an item of self.{f} inside a comprehension, which "
                          "hands no item back: purify threads the items' states through a `for` statement")
COMPREHENSION_ITEM_HINT = ("write the loop as a statement: `out = []` then `for {var} in self.{f}: out.append({var}.{m}(...))`")
REINIT = "(lambda _old, *args, **kwargs: (None, cls_.init(*args, **kwargs)))"
REINIT_MSG = ("self.__init__(...) runs __init__ again, but __init__ sets self.{attr} only on some paths (line "
              "{line}): Python would keep its old value where it does not, the new state would not")
REINIT_HINT = "set self.{attr} on every path of __init__ (e.g. self.{attr} = None first, then change it)"


def _check_reinit(ctx: MethodContext, init: Method, at: ast.expr) -> None:
    """Running `__init__` again is `Cls.init(...)` when `__init__` sets every field on every path
    (its top-level statements, or a base's `super().__init__()`)."""
    always = _always_set(init, init.node.body, (init.first_param or "self"))
    for f in ctx.model.fields.values():
        if f.attr not in always:
            raise ctx.error(at, REINIT_MSG.format(attr=f.attr, line=getattr(f.node, "lineno", "?")),
                            REINIT_HINT.format(attr=f.attr))


def _always_set(init: Method, body: list[ast.stmt], self_name: str) -> set[str]:
    """The attributes of self that `body` sets on every path (both branches of an `if`, a `with`)."""
    out: set[str] = set()
    for stmt in body:
        if is_super_init(stmt) and init.owner.bases:
            out |= set(init.owner.bases[0].fields)
        elif isinstance(stmt, ast.If):
            out |= _always_set(init, stmt.body, self_name) & _always_set(init, stmt.orelse, self_name)
        elif isinstance(stmt, ast.With):
            out |= _always_set(init, stmt.body, self_name)
        for t in targets_of(stmt) if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)) else []:
            chain = self_chain(t, self_name)
            if chain and len(chain) == 1 and chain[0][0] == "attr":
                out.add(str(chain[0][1]))
    return out


def store_chain(ctx: MethodContext, chain: list[Link]) -> ast.expr:
    """`self.<chain>` as an assignment target, attribute names as written."""
    node: ast.expr = ctx.self_load()
    for kind, key, _ in chain:
        if kind == "attr":
            node = ast.Attribute(node, str(key), ast.Load())
        else:
            assert isinstance(key, ast.expr)
            node = ast.Subscript(node, key, ast.Load())
    node.ctx = ast.Store()
    return node


def is_self_target(node: ast.expr, self_name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == self_name
