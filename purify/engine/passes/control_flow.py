"""`if` statements whose test may be traced become calls of a dispatch helper, AutoGraph style:

    if self.t < 18.0:                      def _if_t_lt_18(self):
        self = self._replace(on=True)          self = self._replace(on=True)
                                               return self
                                 ->        def _else_t_lt_18(self):
                                               return self
                                           self = _if(self.t < 18.0, _if_t_lt_18, _else_t_lt_18, (self,), ('self',))

`_if` (runtime/control.py) runs the branch Python would on a concrete test and `jax.lax.cond`
on a traced one. Each branch is a function of the locals it changes that may be bound before
(so it can read them) and returns those that are live after the `if` (analysis/liveness.py),
`self` among them when a branch changes the state. Tests that are never traced (constants,
static fields, `is`/`isinstance`/`len`) stay Python `if`s, and so do `if`s whose branches
leave the method or the loop (`return`, `break`, `continue`, a `raise` the branch always reaches)
or hold what cannot be a branch function (`del`, `global`, `nonlocal`, `yield`, `await`). A
`raise` under a further `if` or loop of a branch (`if dt <= 0: raise ...` on a Python argument,
in the code after an early `return` on a traced value) does not keep the `if` Python: the inner
`if` decides, Python's on a concrete test; one that raises while JAX traces a branch is refused
at run time at the line that raised (runtime/branches.py `_refuse_raised`). The same holds for
the body of a `while` or a `for` over `range`. Inside a `try` or `with` it does keep the
statement Python (a handler there would see the state from before the branch). The test of such a statement
(and of an `assert`, a loop that stays Python, a `range` bound) that may be traced goes through
`_concrete(test, form)`: Python's value when concrete; a refusal at the user's statement saying
what to write instead when traced (JAX would stop with TracerBoolConversionError).
"""

from __future__ import annotations

import ast
import re

from .. import templates
from ..analysis.liveness import Liveness, definitely_bound, liveness, names_in
from ..model import FieldKind
from ..syntax import MUTATORS, TRY_STAR, dotted, self_chain
from ..transformer import child_nodes, walk_statements
from .base import MethodContext, StatementPass, rewrite_inner_blocks

IF = "_if"
UNDEFINED = "_Undefined"
NOT, AND, OR = "_not", "_and", "_or"
WHILE, FOR_RANGE = "_while", "_for_range"
CONCRETE = "_concrete"
HELPERS = (IF, UNDEFINED, NOT, AND, OR, WHILE, FOR_RANGE, CONCRETE)  # in runtime/control.py
UNTIL = "purify_until"  # (loop_exits.UNTIL) the attribute of a lowered `for` naming its break flag
_STATIC_CALLS = frozenset({"isinstance", "issubclass", "hasattr", "callable", "len", "type", "id"})
_IO_CALLS = frozenset({"print", "open", "input", "breakpoint"})
_NOT_IN_BRANCH = (ast.Delete, ast.Global, ast.Nonlocal)


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init":
        return  # `init` runs on Python values; its body is folded into one constructor
    if ctx.holds(ast.If, ast.While, ast.For, ast.Assert):
        flow = liveness(fn, ctx.self_name) if _may_run_as_functions(ctx, fn) else None
        fn.body = _ControlFlow(ctx, flow).block(fn.body)


def _may_run_as_functions(ctx: MethodContext, fn: ast.FunctionDef) -> bool:
    """Is there an `if`, `while` or `for` whose test (or `range` bound) may be traced? Only such a
    statement runs as functions (`runs_as_functions` also looks at its blocks), and only the
    rewrite of one reads the liveness of the method's names, a walk of the whole method."""
    for s in walk_statements(fn):
        if isinstance(s, (ast.If, ast.While)) and not static_test(ctx, s.test):
            return True
        if isinstance(s, ast.For) and _range_call(s.iter) \
                and not all(static_test(ctx, a) for a in s.iter.args):  # type: ignore[attr-defined]
            return True
    return False


class _ControlFlow(StatementPass):
    def __init__(self, ctx: MethodContext, flow: Liveness | None) -> None:
        self.ctx, self._flow = ctx, flow
        self.operands: list[set[str]] = []  # per enclosing loop: the names converted `if`s in it pass on
        self.targets: list[str] = []  # the targets of the `for` loops around: branches take them as operands
        self.handled = 0  # the `try`s and `with`s around: a branch that raises there keeps its Python `if`

    @property
    def flow(self) -> Liveness:
        assert self._flow is not None, "a statement runs as functions that _may_run_as_functions missed"
        return self._flow

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [s]  # a nested function's control flow is its own
        if isinstance(s, (ast.For, ast.While)):
            self.operands.append(set())
            targets = list(names_in([s.target]).bound) if isinstance(s, ast.For) else []
            self.targets += targets
            rewrite_inner_blocks(self, s)
            del self.targets[len(self.targets) - len(targets):]
            return self._unbound_operands(s, self.operands.pop()) + self._loop(s)
        handles = isinstance(s, (ast.Try, ast.With, ast.AsyncWith, *TRY_STAR))
        self.handled += handles
        rewrite_inner_blocks(self, s)
        self.handled -= handles
        return self._loop(s)

    def _unbound_operands(self, s: ast.For | ast.While, names: set[str]) -> list[ast.stmt]:
        """`y = _Undefined('y')` before a loop for each name a converted `if` in it passes to its
        branches that only an earlier iteration binds (Python reads it only once bound; the call
        of `_if` reads it on the first iteration too)."""
        if not names:
            return []
        before = self.flow.bound_before.get(id(s), frozenset())
        target = set(names_in([s.target]).bound) if isinstance(s, ast.For) else set()
        unbound = sorted(n for n in names if n not in before and n not in target)
        if self.operands:
            self.operands[-1].update(n for n in names if n in before)
        out: list[ast.stmt] = []
        for name in unbound:
            self.ctx.helpers.add(UNDEFINED)
            out += templates.stmts(f"{name} = {UNDEFINED}({name!r})", s)
        return out

    def _loop(self, s: ast.stmt) -> list[ast.stmt]:
        if runs_as_functions(self.ctx, s, handled=bool(self.handled)):
            if isinstance(s, ast.If):
                return self._if(s)
            if isinstance(s, ast.While):
                return self._while(s)
            assert isinstance(s, ast.For)
            return self._for(s)
        self._keep_python(s)
        return [s]

    def _keep_python(self, s: ast.stmt) -> None:
        """A statement that keeps its Python form: a test that may be traced goes through
        `_concrete`, which refuses a traced one at the statement, saying what to write instead
        (rather than JAX's TracerBoolConversionError); a lowered `for` stops at its break flag."""
        if isinstance(s, ast.If) and not static_test(self.ctx, s.test):
            form = _python_form([*s.body, *s.orelse])
            if form == "raise" and _is_exit_guard(s):
                form = "raise_after_exit"
            s.test = self._concrete(self._test(s.test), form)
        elif isinstance(s, ast.While) and not static_test(self.ctx, s.test):
            s.test = self._concrete(self._test(s.test), "loop")
        elif isinstance(s, ast.Assert) and not static_test(self.ctx, s.test):
            s.test = self._concrete(self._test(s.test), "assert")
            if self._flow is not None:
                self._flow.memo.pop(id(s), None)  # changed in place: its names are found anew
        elif isinstance(s, ast.For) and isinstance(s.iter, ast.Call) and isinstance(s.iter.func, ast.Name) \
                and s.iter.func.id == "range" and not s.iter.keywords:
            s.iter.args = [a if static_test(self.ctx, a) or isinstance(a, ast.Starred) else self._concrete(a, "loop")
                           for a in s.iter.args]
            flag = getattr(s, UNTIL, "")
            if flag:
                s.body += templates.stmts(f"if {flag} is True:\n    break", s)

    def _concrete(self, test: ast.expr, form: str) -> ast.expr:
        return concrete(self.ctx, test, form)

    def _carried(self, s: ast.While | ast.For, exclude: str = "") -> tuple[list[str], list[ast.stmt]]:
        """The names a loop carries from one iteration to the next and out of it (`self` among them
        when it changes the state), and `y = _Undefined('y')` for those not bound before it."""
        live = self.flow.live_after.get(id(s), frozenset()) | {self.ctx.self_name}
        entry = self.flow.branch_live.get(id(s), frozenset())
        test = set(names_in([s.test]).read) if isinstance(s, ast.While) else set()
        changed = [n for n in names_in(list(s.body), self.flow.memo).bound if n != exclude]
        carried = [n for n in changed if n in live or n in entry or n in test]
        before = self.flow.bound_before.get(id(s), frozenset())
        pre: list[ast.stmt] = []
        for name in carried:
            if name not in before:
                self.ctx.helpers.add(UNDEFINED)
                pre += templates.stmts(f"{name} = {UNDEFINED}({name!r})", s)
        return carried, pre

    def _while(self, s: ast.While) -> list[ast.stmt]:
        carried, pre = self._carried(s)
        stem = _stem(s.test)
        test_name = self.ctx.fresh_named(f"_while_test_{stem}")
        body_name = self.ctx.fresh_named(f"_while_{stem}")
        test_fn = templates.stmts(f"def {test_name}({', '.join(carried)}):\n    return test", s,
                                  test=templates.moved(self._test(s.test)))[0]
        body_fn = self._branch(body_name, carried, s.body, carried, s)
        self.ctx.helpers.add(WHILE)
        call = templates.expr(f"{WHILE}(test, body, values, names)", s, test=test_name, body=body_name,
                              values=_tuple([ast.Name(n, ast.Load()) for n in carried]),
                              names=_tuple([ast.Constant(n) for n in carried]))
        self._mark_impure(s, call)
        return pre + [test_fn, body_fn, self._bind(carried, call, s)]

    def _for(self, s: ast.For) -> list[ast.stmt]:
        assert isinstance(s.target, ast.Name) and isinstance(s.iter, ast.Call)
        target = s.target.id
        if target in self.flow.live_after.get(id(s), frozenset()):
            # read after the loop: counted in a fresh name and carried like any local the body sets
            counter = self.ctx.fresh_named(f"_{target}")
            s.body = [*templates.stmts(f"{target} = {counter}", s.body[0]), *s.body]
            target = counter
        carried, pre = self._carried(s, exclude=target)
        body_name = self.ctx.fresh_named(f"_for_{target.lstrip('_')}")
        body_fn = self._branch(body_name, [target, *carried], s.body, carried, s)
        self.ctx.helpers.add(FOR_RANGE)
        call = templates.expr(f"{FOR_RANGE}(bounds, body, values, names)", s, bounds=_tuple(list(s.iter.args)),
                              body=body_name, values=_tuple([ast.Name(n, ast.Load()) for n in carried]),
                              names=_tuple([ast.Constant(n) for n in carried]))
        flag = getattr(s, UNTIL, "")
        if flag in carried:
            assert isinstance(call, ast.Call)
            call.keywords.append(ast.keyword("until", ast.Constant(carried.index(flag))))
        self._mark_impure(s, call)
        return pre + [body_fn, self._bind(carried, call, s)]

    def _mark_impure(self, s: ast.While | ast.For, call: ast.expr) -> None:
        impure = self._impure(s, self.flow.live_after.get(id(s), frozenset()))
        if impure:
            assert isinstance(call, ast.Call)
            call.keywords.append(ast.keyword("impure", ast.Constant(impure)))

    def _bind(self, outputs: list[str], call: ast.expr, s: ast.stmt) -> ast.stmt:
        if not outputs:
            out: ast.stmt = ast.Expr(call)
        else:
            target = ast.Name(outputs[0], ast.Store()) if len(outputs) == 1 else _tuple(
                [ast.Name(n, ast.Store()) for n in outputs], ast.Store())
            out = ast.Assign([target], call)
        ast.copy_location(out, s)
        ast.fix_missing_locations(out)
        return out

    # -- the rewrite -----------------------------------------------------------------
    def _if(self, s: ast.If) -> list[ast.stmt]:
        live = self.flow.live_after.get(id(s), frozenset()) | {self.ctx.self_name}
        before = self.flow.bound_before.get(id(s), frozenset())
        body, orelse = names_in(list(s.body), self.flow.memo), names_in(list(s.orelse), self.flow.memo)
        changed = list(dict.fromkeys([*body.bound, *orelse.bound]))
        outputs = [n for n in changed if n in live]
        pre = self._undefined(s, outputs, before)
        bound = before | {n for n in outputs if n not in before and _targets(pre, n)}
        entry = self.flow.branch_live.get(id(s), frozenset())
        params = [n for n in changed if n in bound and n in entry]
        # a loop's counter read in a branch is passed in too: a function defined in a loop should not
        # read the loop's variable from outside (ruff's B023), though it runs at once
        read = {*body.read, *orelse.read}
        params += [n for n in dict.fromkeys(self.targets) if n in read and n not in params and n not in changed]
        if self.operands:
            self.operands[-1].update(params)
        stem = _stem(s.test)
        then_name = self.ctx.fresh_named(f"_if_{stem}")
        else_name = self.ctx.fresh_named(f"_else_{stem}")
        defs = [self._branch(then_name, params, s.body, outputs, s), self._branch(else_name, params, s.orelse, outputs, s)]
        self.ctx.helpers.add(IF)
        test, first, second = s.test, then_name, else_name
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and s.orelse:
            # `if not c: A else: B` runs as `if c: B else: A`: no `not` to compute (the hand-written `lax.cond`)
            test, first, second = test.operand, else_name, then_name
        call = templates.expr(f"{IF}(test, then, orelse, operands, names)", s, test=templates.moved(self._test(test)),
                              then=first, orelse=second,
                              operands=_tuple([ast.Name(p, ast.Load()) for p in params]),
                              names=_tuple([ast.Constant(n) for n in outputs]))
        impure = self._impure(s, live, (body.bound, orelse.bound))
        if impure:
            call.keywords.append(ast.keyword("impure", ast.Constant(impure)))
        if not outputs:
            out = [ast.copy_location(ast.Expr(call), s)]
        else:
            target = ast.Name(outputs[0], ast.Store()) if len(outputs) == 1 else _tuple(
                [ast.Name(n, ast.Store()) for n in outputs], ast.Store())
            out = [ast.copy_location(ast.Assign([target], call), s)]
        for node in out:
            ast.fix_missing_locations(node)
        return pre + defs + out

    def _test(self, test: ast.expr) -> ast.expr:
        """`not`, `and`, `or` and chained comparisons of the test, as helpers that work on traced
        values too (Python's own where the values are concrete)."""
        if static_test(self.ctx, test) or any(isinstance(n, (ast.NamedExpr, ast.Await, ast.Yield)) for n in ast.walk(test)):
            return test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self.ctx.helpers.add(NOT)
            return templates.expr(f"{NOT}(x)", test, x=templates.moved(self._test(test.operand)))
        if isinstance(test, ast.BoolOp):
            name = AND if isinstance(test.op, ast.And) else OR
            self.ctx.helpers.add(name)
            first, *rest = [self._test(v) for v in test.values]
            lambdas = [templates.expr("lambda: x", v, x=templates.moved(v)) for v in rest]
            return templates.expr(f"{name}(first, rest)", test, first=templates.moved(first), rest=lambdas)
        if isinstance(test, ast.Compare) and len(test.ops) > 1 and all(
                isinstance(v, (ast.Name, ast.Attribute, ast.Constant)) for v in test.comparators[:-1]):
            parts = [ast.copy_location(ast.Compare(left, [op], [right]), test) for left, op, right in
                     zip([test.left, *test.comparators[:-1]], test.ops, test.comparators)]
            return self._test(ast.copy_location(ast.BoolOp(ast.And(), parts), test))
        return test

    def _undefined(self, s: ast.If, outputs: list[str], before: frozenset[str]) -> list[ast.stmt]:
        """`y = _Undefined('y')` for each output not bound before that a branch may leave unbound."""
        both = definitely_bound(s.body, self.flow.memo) & definitely_bound(s.orelse, self.flow.memo)
        out: list[ast.stmt] = []
        for name in outputs:
            if name not in before and name not in both:
                self.ctx.helpers.add(UNDEFINED)
                out += templates.stmts(f"{name} = {UNDEFINED}({name!r})", s)
        return out

    def _branch(self, name: str, params: list[str], body: list[ast.stmt], outputs: list[str],
                s: ast.If) -> ast.FunctionDef:
        ret = "return " + (", ".join(outputs) if outputs else "()")
        fn = templates.stmts(f"def {name}({', '.join(params)}):\n    {ret}", s)[0]
        assert isinstance(fn, ast.FunctionDef)
        body = [b for b in body if not isinstance(b, ast.Pass)]
        fn.body = [*body, *fn.body] if body else fn.body
        if body and isinstance(body[-1], (ast.Return, ast.Raise)):
            fn.body = list(body)
        return fn

    def _impure(self, s: ast.If | ast.While | ast.For, live: frozenset[str],
                bounds: tuple[tuple[str, ...], tuple[str, ...]] | None = None) -> str:
        """What in the branches (or the loop's body) could not run traced, or ''. `bounds`: the
        names each of the two blocks binds, where the caller has them."""
        for i, block in enumerate((s.body, s.orelse)):
            bound = set(bounds[i] if bounds else names_in(list(block), self.flow.memo).bound)
            for n in _own_nodes(block):
                if isinstance(n, ast.Call):
                    name = dotted(n.func)
                    if name in _IO_CALLS:
                        return f"{name}(...) (line {n.lineno})"
                    if (isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS
                            and isinstance(n.func.value, ast.Name) and n.func.value.id not in bound
                            and n.func.value.id in live):
                        return f"{n.func.value.id}.{n.func.attr}(...) (line {n.lineno})"
        return ""


def runs_as_functions(ctx: MethodContext, s: ast.stmt, handled: bool) -> bool:
    """Does this pass make `s`'s blocks functions, for the `jax.lax` form chosen at run time? An
    `if` or `while` on a test that may be traced, a `for` over a `range` with a bound that may be
    traced and a counter that is a name, each with blocks that stay in it (no `return`, no `break`
    out of it, no `del`, ...). A `raise` under an inner `if` or loop is that statement's to decide,
    at run time; `handled` (inside a `try` or `with`): an exception leaving a branch function would
    reach a handler (or `__exit__`) that sees the locals and the state from before the branch, so
    there any `raise` keeps the Python form."""
    nested_raise = not handled
    if isinstance(s, ast.If):
        return not static_test(ctx, s.test) and not any(_leaves_branch(b, nested_raise) for b in (s.body, s.orelse))
    if isinstance(s, ast.While):
        return not s.orelse and not static_test(ctx, s.test) and not _leaves_branch(s.body, nested_raise)
    if isinstance(s, ast.For):
        it = s.iter
        if not (_range_call(it) and isinstance(s.target, ast.Name)):
            return False
        return not (s.orelse or _leaves_branch(s.body, nested_raise) or all(static_test(ctx, a) for a in it.args))
    return False


def _range_call(it: ast.expr) -> bool:
    """`range(...)` with one to three positional bounds."""
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
        and 1 <= len(it.args) <= 3 and not it.keywords


def concrete(ctx: MethodContext, test: ast.expr, form: str) -> ast.expr:
    """`_concrete(test, form)`: Python's value when concrete, a located refusal of the construct
    `form` names (runtime/control.py) when traced."""
    ctx.helpers.add(CONCRETE)
    return templates.expr(f"{CONCRETE}(test, {form!r})", test, test=templates.moved(test))


def static_test(ctx: MethodContext, test: ast.expr, fields: bool = True) -> bool:
    """Is `test` a Python value under every transform (so a Python `if` is exact)? Constants,
    static fields, identity tests and the builtins that answer in Python, and what they make.
    Without `fields`, a static field counts as traced: a subclass may change the field, and its
    `super()` calls run this class's pure methods on its own state, where the field is traced."""
    if isinstance(test, ast.Constant):
        return True
    if isinstance(test, ast.BoolOp):
        return all(static_test(ctx, v, fields) for v in test.values)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return static_test(ctx, test.operand, fields)
    if isinstance(test, ast.Compare):
        if all(isinstance(op, (ast.Is, ast.IsNot)) for op in test.ops):
            return True
        return all(static_test(ctx, v, fields) for v in [test.left, *test.comparators])
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name):
        return test.func.id in _STATIC_CALLS
    if isinstance(test, ast.BinOp):
        return static_test(ctx, test.left, fields) and static_test(ctx, test.right, fields)
    if isinstance(test, ast.Subscript) and isinstance(test.value, ast.Attribute) and test.value.attr == "shape":
        return True  # shapes are Python ints under every transform
    if isinstance(test, ast.Attribute) and test.attr in ("ndim", "size"):
        return True
    chain = self_chain(test, ctx.self_name)
    if not fields or not chain or len(chain) != 1 or chain[0][0] != "attr":
        return False
    return any(f.name == str(chain[0][1]) and f.kind == FieldKind.STATIC for f in ctx.model.fields.values())


def _own_nodes(block: list[ast.stmt]) -> list[ast.AST]:
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(block)
    while todo:
        n = todo.pop()
        out.append(n)
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(child_nodes(n))
    return out


def _leaves_branch(block: list[ast.stmt], nested_raise: bool = False) -> bool:
    """Does the block leave the method or an enclosing loop, or hold what cannot be moved into a
    function (`del`, `global`, `yield`, ...)? With `nested_raise`, a `raise` leaves it only when
    the block always reaches it (not under an inner `if`, loop, `except` or `case`)."""
    todo: list[tuple[ast.AST, bool, bool]] = [(s, False, False) for s in block]
    while todo:
        n, in_loop, conditional = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, ast.Raise) and nested_raise and conditional:
            continue
        if isinstance(n, (ast.Return, ast.Raise, *_NOT_IN_BRANCH, ast.Yield, ast.YieldFrom, ast.Await)):
            return True
        if isinstance(n, (ast.Break, ast.Continue)) and not in_loop:
            return True
        loop = isinstance(n, (ast.For, ast.AsyncFor, ast.While))
        inner = conditional or loop or isinstance(n, (ast.If, ast.ExceptHandler, ast.match_case))
        for child in child_nodes(n):
            todo.append((child, in_loop or (loop and child in getattr(n, "body", [])), inner))
    return False


def _is_exit_guard(s: ast.If) -> bool:
    """`if _returned: pass else: <the rest>`, as early_returns and loop_exits write (base.lower_exit_if)."""
    return (isinstance(s.test, ast.Name) and s.test.id.startswith(("_returned", "_broke", "_continued"))
            and len(s.body) == 1 and isinstance(s.body[0], ast.Pass))


def _python_form(block: list[ast.stmt]) -> str:
    """What keeps an `if` in its Python form (the forms of runtime/control.py `_concrete`): the first
    `return`, `break`/`continue`, `raise` or other statement a branch cannot hold."""
    todo: list[tuple[ast.AST, bool]] = [(s, False) for s in reversed(block)]
    while todo:
        n, in_loop = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, ast.Return):
            return "return"
        if isinstance(n, ast.Raise):
            return "raise"
        if isinstance(n, (ast.Break, ast.Continue)) and not in_loop:
            return "exit"
        loop = isinstance(n, (ast.For, ast.AsyncFor, ast.While))
        for child in reversed(list(child_nodes(n))):
            todo.append((child, in_loop or (loop and child in getattr(n, "body", []))))
    return "other"


def _tuple(items: list[ast.expr], ctx: ast.expr_context | None = None) -> ast.Tuple:
    return ast.Tuple(items, ctx or ast.Load())


_OPS = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq", ast.NotEq: "ne",
        ast.In: "in", ast.NotIn: "not_in", ast.And: "and", ast.Or: "or", ast.Not: "not"}


def _stem(test: ast.expr) -> str:
    """A name for the branches from the test, in reading order: `self.t < 18.0` -> `t_lt_18`."""
    words: list[str] = []
    _words(test, words)
    stem = re.sub(r"[^0-9a-zA-Z]+", "_", "_".join(words[:6])).strip("_").lower()
    return stem[:32].rstrip("_") or "test"


def _words(node: ast.AST, out: list[str]) -> None:
    if isinstance(node, ast.Attribute):
        out.append(node.attr)  # `self.t` -> t, `jnp.any` -> any
    elif isinstance(node, ast.Name):
        out.append(node.id)
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        out.append(str(node.value).split(".")[0].replace("-", "minus"))
    elif isinstance(node, ast.Compare):
        _words(node.left, out)
        for op, right in zip(node.ops, node.comparators):
            out.append(_OPS.get(type(op), ""))
            _words(right, out)
    elif isinstance(node, ast.BoolOp):
        for i, value in enumerate(node.values):
            if i:
                out.append(_OPS[type(node.op)])
            _words(value, out)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append("not")
        _words(node.operand, out)
    elif isinstance(node, ast.BinOp):
        _words(node.left, out)
        _words(node.right, out)
    elif isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id == "_value_of"):  # none_tests' read
            _words(node.func, out)
        for a in node.args:
            _words(a, out)
    elif isinstance(node, ast.Subscript):
        _words(node.value, out)


def _targets(stmts: list[ast.stmt], name: str) -> bool:
    return any(isinstance(t, ast.Name) and t.id == name for s in stmts if isinstance(s, ast.Assign) for t in s.targets)
