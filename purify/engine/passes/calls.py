"""Calls that change state are hoisted into statements that thread it, in Python's
evaluation order:

    y = self.n + self.step(x)      ->   _t1 = self.n
                                        _r2, self = Counter.step(self, x)
                                        y = _t1 + _r2

Calls that only read state are rewritten in place (`Counter.peek(self)[0]`), so
they work anywhere, lambdas and comprehensions included. Child objects are
called through their class (`Linear.__call__(self.l1, x)`) and their new state
is written back (`self.l1 = _c3`, turned into `_replace` by the writes pass).
"""

from __future__ import annotations

import ast

from .. import partial_state, templates
from ..analysis.effects import site_of
from ..analysis.facts import facts
from ..syntax import SCOPES, TRY_STAR, origin, self_chain
from ..transformer import walk
from . import children
from .base import MethodContext, StatementPass
from .call_plans import Plan, Planner, is_self_target
from .children_loops import ChildrenLoops
from .evaluation import eval_slots, trivial, walk_eval

_NO_HOIST_HINT = "call it in a statement of its own first (r = self.method(...)) and use the result"
_NO_HOIST_READ_HINT = "read it in a statement of its own first (v = self.prop) and use the value"
NO_HOIST_MSG = ("{what} the state {where} (a lambda, comprehension, `and`/`or`, conditional expression, later operand "
                "of a chained comparison, assert message or while condition)")
NO_HOIST_CALL = "this call changes"
NO_HOIST_READ = "this read of {read}, a property that caches into the state, changes"


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    calls = _rewritten_calls(ctx)
    if calls:  # else no walk of the copy
        rewriting = CallsPass(ctx, calls)
        fn.body = rewriting.block(fn.body)
        rewriting.loops = None  # (it holds `rewriting.block`: a cycle the collector would have to find)


def _rewritten_calls(ctx: MethodContext) -> list[ast.Call]:
    """The calls of the user's method this pass rewrites: those that thread the state, those
    through self (a static or class method, a property, a method of a state value), and those on
    a loop variable (an item of a list of children)."""
    known = facts(ctx.method.node)
    loop_vars = {name.id for loop in known.of(ast.For, ast.comprehension, nested=True)
                 for name in walk(loop.target) if isinstance(name, ast.Name)}  # type: ignore[attr-defined]
    out = []
    for n in known.of(ast.Call, nested=True):
        func = n.func.value if isinstance(n.func, ast.Attribute) else n.func  # type: ignore[attr-defined]
        if (ctx.callee(n).threads or self_chain(n.func, ctx.self_name)  # type: ignore[attr-defined]
                or isinstance(func, ast.Name) and func.id in loop_vars):
            out.append(n)
    planner = Planner(ctx)  # (reads of caching properties: threaded like calls)
    out.extend(n for n in known.of(ast.Attribute, nested=True) if planner.plan_read(n) is not None)  # type: ignore[arg-type]
    return out


class CallsPass(StatementPass):
    def __init__(self, ctx: MethodContext, calls: list[ast.Call]) -> None:
        self.ctx = ctx
        self.planner = Planner(ctx)
        self.plan = self.planner.plan
        self.nested = 0  # > 0 inside nested functions: state-changing calls are refused there
        self._writing = _writing_subtrees(ctx)
        self._busy = facts(ctx.method.node).around(calls)  # user subtrees holding a call to rewrite
        self.loops: ChildrenLoops | None = ChildrenLoops(ctx, self.planner, self.block)

    # -- statements --------------------------------------------------------------
    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        pre: list[ast.stmt] = []
        hoist = self.nested == 0
        e = lambda node, h=hoist: self.expr(node, pre, h)
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            s.decorator_list = [e(d, False) for d in s.decorator_list]
            if not isinstance(s, ast.ClassDef):
                self._nested_args(s.args)
            self.nested += 1
            s.body = self.block(s.body)
            self.nested -= 1
        elif isinstance(s, ast.Assign):
            s.value = e(s.value)
            s.targets = [self._target(t) for t in s.targets]
            if _bind_directly(pre, s):
                return pre
        elif isinstance(s, ast.AugAssign):
            if self.threads(s.value) and hoist:
                # Python evaluates the target's container and indices before the value: keep them.
                s.target = self._freeze_target(s.target, pre)
            if self.threads(s.value) and hoist and self_chain(s.target, self.ctx.self_name):
                # `self.n += self.f()` reads self.n before calling f: keep that order.
                load = self.ctx.load_chain(self_chain(s.target, self.ctx.self_name) or [])
                value = e(templates.located(ast.BinOp(load, s.op, s.value), s))
                return pre + [ast.copy_location(ast.Assign([s.target], value), s)]
            s.value = e(s.value)
            s.target = self._target(s.target)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                s.value = e(s.value)
            s.target = self._target(s.target)
        elif isinstance(s, (ast.Return, ast.Expr)):
            if s.value is not None:
                s.value = e(s.value)
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Name) and pre:
                return pre  # the call was the whole statement
        elif isinstance(s, ast.If):
            s.test = e(s.test)
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
        elif isinstance(s, ast.While):
            s.test = e(s.test, False)
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
        elif isinstance(s, ast.For):
            s.iter = e(s.iter)
            s.target = self._target(s.target)
            assert self.loops is not None
            self.loops.rewrite(s)
        elif isinstance(s, ast.With):
            for item in s.items:
                item.context_expr = e(item.context_expr)
            s.body = self.block(s.body)
        elif isinstance(s, (ast.Try, *TRY_STAR)):
            s.body, s.orelse, s.finalbody = self.block(s.body), self.block(s.orelse), self.block(s.finalbody)
            for h in s.handlers:  # type: ignore[attr-defined]
                if h.type is not None:
                    h.type = e(h.type, False)
                h.body = self.block(h.body)
        elif isinstance(s, ast.Match):
            s.subject = e(s.subject)
            for case in s.cases:
                if case.guard is not None:
                    case.guard = e(case.guard, False)
                case.body = self.block(case.body)
        elif isinstance(s, ast.Raise):
            s.exc = e(s.exc) if s.exc is not None else None
            s.cause = e(s.cause) if s.cause is not None else None
        elif isinstance(s, ast.Assert):
            s.test = e(s.test)
            s.msg = e(s.msg, False) if s.msg is not None else None  # evaluated only when the assert fails
        elif isinstance(s, ast.Delete):
            s.targets = [self._target(t) for t in s.targets]
        return pre + [s]

    def _freeze_target(self, t: ast.expr, pre: list[ast.stmt]) -> ast.expr:
        """`x[self.i] += self.f()`: the container and the indices of an augmented target, saved in
        temporaries before the value's call runs (self chains stay chains, for the writes pass)."""
        if isinstance(t, ast.Subscript):
            t.value = self._freeze_target(t.value, pre)
            t.slice = self._freeze(t.slice, pre)
        elif isinstance(t, ast.Attribute):
            t.value = self._freeze_target(t.value, pre)
        elif not trivial(t, self.ctx.self_name) and not is_self_target(t, self.ctx.self_name):
            t = self._freeze(t, pre)
        return t

    def _freeze(self, node: ast.expr, pre: list[ast.stmt]) -> ast.expr:
        if isinstance(node, ast.Slice):  # `a:b` is no expression of its own: its bounds are
            for part in ("lower", "upper", "step"):
                if getattr(node, part) is not None:
                    setattr(node, part, self._freeze(getattr(node, part), pre))
            return node
        if isinstance(node, ast.Tuple) and any(isinstance(e, ast.Slice) for e in node.elts):
            node.elts = [self._freeze(e, pre) for e in node.elts]
            return node
        if trivial(node, self.ctx.self_name):
            return node
        tmp = self.ctx.fresh("t")
        pre.extend(templates.stmts("tmp = value", node, tmp=tmp, value=self.expr(node, pre, False)))
        return ast.copy_location(ast.Name(tmp, ast.Load()), node)

    def _nested_args(self, args: ast.arguments) -> None:
        args.defaults = [self.expr(d, [], False) for d in args.defaults]
        args.kw_defaults = [self.expr(d, [], False) if d is not None else None for d in args.kw_defaults]

    def _target(self, t: ast.expr) -> ast.expr:
        """Targets may hold reads (indices), never state-changing calls."""
        if isinstance(t, (ast.Tuple, ast.List)):
            t.elts = [self._target(x) for x in t.elts]
            return t
        if isinstance(t, ast.Starred):
            t.value = self._target(t.value)
            return t
        if isinstance(t, ast.Subscript):
            t.value = self._target(t.value)
            t.slice = self.expr(t.slice, [], False)
        elif isinstance(t, ast.Attribute):
            t.value = self._target(t.value)
        return t

    # -- expressions -------------------------------------------------------------
    def threads(self, node: ast.AST) -> bool:
        """Does evaluating `node` (outside nested scopes) call something that changes state?
        Asked of subtrees before this pass rewrites them: for the user's nodes, the answer was
        computed once; new nodes are walked."""
        user = origin(node)
        if user in self._busy:  # (every user's node but the method's own)
            return id(user) in self._writing
        for n in walk_eval(node):
            if isinstance(n, ast.Call):
                plan = self.plan(n)
                if plan is not None and plan.writes:
                    return True
            if isinstance(n, ast.Attribute) and self.planner.plan_read(n) is not None:
                return True
        return False

    def expr(self, node: ast.expr, pre: list[ast.stmt], hoist: bool) -> ast.expr:
        user = origin(node)
        if user is not node and self._busy.get(user, True) is False:
            return node  # the copy of a user's expression holding no call this pass rewrites
        if isinstance(node, ast.Call):
            return self._call(node, pre, hoist)
        if isinstance(node, ast.Attribute):
            read = self.planner.plan_read(node)
            if read is not None:  # a property that caches into the state: a call with no arguments
                self._setup(read, pre, hoist)
                invoke = templates.located(ast.Call(read.func, [*read.prefix, read.state], []), node)
                return self._thread(node, read, invoke, pre, hoist)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return self._children(node, pre, hoist=False, scoped=True)
        if isinstance(node, ast.BoolOp):
            node.values = [self.expr(v, pre, hoist and i == 0) for i, v in enumerate(node.values)]
            return node
        if isinstance(node, ast.Compare) and len(node.comparators) > 1:
            # `a < b < c` evaluates c only when `a < b` holds: only the first two operands run always.
            head = ast.Tuple(elts=[node.left, node.comparators[0]], ctx=ast.Load())
            self._children(head, pre, hoist)
            node.left, first = head.elts
            node.comparators = [first, *(self.expr(c, pre, False) for c in node.comparators[1:])]
            return node
        if isinstance(node, ast.IfExp):
            node.test = self.expr(node.test, pre, hoist)
            node.body, node.orelse = self.expr(node.body, pre, False), self.expr(node.orelse, pre, False)
            return node
        return self._children(node, pre, hoist)

    def _children(self, node: ast.AST, pre: list[ast.stmt], hoist: bool, scoped: bool = False) -> ast.AST:
        """Rewrite children in evaluation order; values computed before a state-changing
        call are saved in temporaries so they keep the value Python would have seen."""
        slots = eval_slots(node)
        last = max((i for i, (get, _) in enumerate(slots) if self.threads(get())), default=-1) if hoist else -1
        # a name a walrus rebinds later in the expression is no constant operand: save it too
        rebound = {n.target.id for n in walk_eval(node) if isinstance(n, ast.NamedExpr)
                   and isinstance(n.target, ast.Name)} if last > 0 else set()
        if scoped:
            self.nested += 1
        for i, (get, put) in enumerate(slots):
            child = get()
            new = self.expr(child, pre, hoist) if isinstance(child, ast.expr) else self._children(child, pre, hoist)
            if i < last and isinstance(new, (ast.FormattedValue, ast.Starred)):
                # an f-string part or a `*args` is no expression of its own: save the value it formats
                # or unpacks (`_t = *self.xs` would not compile)
                if not trivial(new.value, self.ctx.self_name):
                    tmp = self.ctx.fresh("t")
                    pre.extend(templates.stmts("tmp = value", new.value, tmp=tmp, value=templates.moved(new.value)))
                    new.value = ast.copy_location(ast.Name(tmp, ast.Load()), new.value)
            elif i < last and isinstance(new, ast.expr) and (not trivial(new, self.ctx.self_name)
                                                             or isinstance(new, ast.Name) and new.id in rebound
                                                             and isinstance(new.ctx, ast.Load)):
                tmp = self.ctx.fresh("t")
                pre.extend(templates.stmts("tmp = value", child, tmp=tmp, value=templates.moved(new)))
                new = ast.copy_location(ast.Name(tmp, ast.Load()), child)
            put(new)
        if scoped:
            self.nested -= 1
        return node

    def _call(self, call: ast.Call, pre: list[ast.stmt], hoist: bool) -> ast.expr:
        plan = self.plan(call)
        if plan is None:
            self._plain_callee(call)
            return self._children(call, pre, hoist)  # type: ignore[return-value]
        self._setup(plan, pre, hoist)  # (the callee's object, before its arguments, as Python does)
        # The arguments are evaluated before the callee reads its state.
        values = ast.Tuple(elts=[*call.args, *(k.value for k in call.keywords)], ctx=ast.Load())
        self._children(values, pre, hoist)
        call.args = values.elts[: len(call.args)]
        for k, v in zip(call.keywords, values.elts[len(call.args):]):
            k.value = v
        invoke = templates.located(ast.Call(plan.func, [*plan.prefix, plan.state, *call.args], call.keywords), call)
        if not plan.writes:
            return templates.located(ast.Subscript(invoke, ast.Constant(0), ast.Load()), call)
        return self._thread(call, plan, invoke, pre, hoist)

    def _setup(self, plan: Plan, pre: list[ast.stmt], hoist: bool) -> None:
        """Bind the plan's temporaries (a child's computed key), each evaluated once."""
        for name, value in plan.setup:
            pre.extend(templates.stmts("tmp = value", value, tmp=name, value=self.expr(value, pre, hoist)))

    def _thread(self, call: ast.expr, plan: Plan, invoke: ast.Call, pre: list[ast.stmt], hoist: bool) -> ast.expr:
        """`_r, self = invoke` before the statement (the new state written back), and `_r` in place of the call."""
        if not hoist:
            where = "inside a nested function" if self.nested else "where Python may not evaluate it"
            is_call = isinstance(call, ast.Call)
            what = NO_HOIST_CALL if is_call else NO_HOIST_READ.format(read=ast.unparse(call))
            raise self.ctx.error(call, NO_HOIST_MSG.format(what=what, where=where),
                                 _NO_HOIST_HINT if is_call else _NO_HOIST_READ_HINT)
        self.ctx.sites.append(partial_state.site_of(self.ctx.model, self.ctx.self_name, invoke, plan.writeback))
        result = self.ctx.fresh("r")
        to_self = is_self_target(plan.writeback[0], self.ctx.self_name)
        new_state = self.ctx.self_name if to_self else self.ctx.fresh("c")
        pre.extend(templates.stmts("result, state = value", call, result=result, state=new_state,
                                   value=templates.moved(invoke)))
        for target in plan.writeback:
            if not is_self_target(target, self.ctx.self_name):
                pre.extend(templates.stmts("target = state", call, target=target, state=new_state))
        return ast.copy_location(ast.Name(result, ast.Load()), call)

    def _plain_callee(self, call: ast.Call) -> None:
        """An ordinary call: a static/class method or property through self, or a call on a
        value held in state (`self.w.sum()`), read with state field names."""
        ctx = self.ctx
        chain = self_chain(call.func, ctx.self_name)
        if isinstance(call.func, ast.Attribute) and children.child_class(ctx, call.func.value) is not None:
            value = templates.located(ctx.load_chain(chain[:-1]), call.func) if chain else call.func.value
            on_class = children.class_read(ctx, call.func, value)  # a child's static or class method
            if on_class is not None:
                call.func = on_class
                return
        if not chain or self.planner.plan_read(chain[0][2]) is not None:  # type: ignore[arg-type]
            return  # `self.prop.m()` on a cache: the read is threaded where `_children` reaches it
        if len(chain) == 1 and chain[0][1] == "_replace" and ctx.field("_replace") is None:
            return  # the State's own `_replace` (from `super().__init__`), not a field `replace_`
        method = ctx.method_named(str(chain[0][1])) if len(chain) == 1 else None
        if method is not None and method.kind in ("static", "class"):
            call.func = templates.expr("cls_.m", call.func, cls_=ctx.cls_expr(), m=method.attr(ctx.model.name))
        elif method is not None and method.kind == "property":
            call.func = templates.expr("cls_.m(self)", call.func, cls_=ctx.cls_expr(),
                                       m=method.attr(ctx.model.name), self=ctx.self_name)
        else:
            call.func = templates.located(ctx.load_chain(chain), call.func)

# -- helpers -------------------------------------------------------------------


def _writing_subtrees(ctx: MethodContext) -> set[int]:
    """The user's nodes of the method whose evaluation calls something that changes the state, by
    id: each such call and the nodes above it, up to the nearest function, lambda or class (what a
    nested scope calls does not run where it is defined)."""
    known = facts(ctx.method.node)
    writing: set[int] = set()
    for node in known.of(ast.Call, ast.Attribute, nested=True):
        if id(node) in writing or node.__class__ is not ast.Call and id(node) not in ctx.method.callees:
            continue
        site = site_of(ctx.model, ctx.method, node, ctx.self_name)
        if site is None or not site.writes:
            continue
        n: ast.AST | None = node
        while n is not None and n.__class__ not in SCOPES and id(n) not in writing:
            writing.add(id(n))
            n = known.parents.get(n)
    return writing



def _bind_directly(pre: list[ast.stmt], s: ast.Assign) -> bool:
    """`_r1, self = f(self); y = _r1` -> `y, self = f(self)` (readability)."""
    if not (pre and len(s.targets) == 1 and isinstance(s.value, ast.Name) and _plain_target(s.targets[0])):
        return False
    result = s.value.id
    for stmt in pre:
        if (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Tuple)
                and isinstance(stmt.targets[0].elts[0], ast.Name) and stmt.targets[0].elts[0].id == result):
            stmt.targets[0].elts[0] = s.targets[0]
            return True
    return False


def _plain_target(t: ast.expr) -> bool:
    """Local names only (`y`, `loss, g`): binding them early changes nothing."""
    if isinstance(t, ast.Name):
        return True
    return isinstance(t, ast.Tuple) and all(isinstance(e, ast.Name) for e in t.elts)
