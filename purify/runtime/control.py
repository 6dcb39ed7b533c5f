"""The dispatch helpers of converted control flow (the control-flow pass writes calls of them).

Each decides at run time, as TensorFlow AutoGraph does: on a concrete test (a Python or NumPy
bool, static configuration, a value of an eager instance) the user's Python statement runs as
written; on a traced one the `jax.lax` form runs, its branches taking and returning the state
and the locals they change. What the branches must agree on is checked in runtime/branches.py.
`purify convert` copies these definitions, and what they import from branches.py and
other_objects.py, into the converted module (which never imports purify), so each is
self-contained; `_refuse` has a stand-in there (runtime/standalone.py).
"""

from __future__ import annotations

import sys
from typing import Any

import jax

from .branches import (
    _as_tuple,
    _Carry,
    _check_branches,
    _check_pure,
    _check_reverse_mode,
    _is_array,
    _is_none,  # noqa: F401 - helpers of passes/none_tests.py, found here
    _lift,
    _not_none,  # noqa: F401
    _Plan,
    _Promote,
    _refuse,
    _refuse_raised,
    _Undefined,
    _users,
    _value_of,  # noqa: F401
)
from .other_objects import _obj_call, _obj_field, _obj_property  # noqa: F401 - helpers of passes/others.py, found here


def _if(test: Any, then: Any, orelse: Any, operands: tuple, names: tuple, impure: str = "") -> Any:
    """`if test: then() else: orelse()`, each branch a function of `operands` returning the
    values of `names` (one value when there is one name). A traced test runs `jax.lax.cond`;
    `impure` names what a branch does that a traced branch cannot (I/O, changing a list)."""
    if not isinstance(test, jax.core.Tracer):
        return then(*operands) if test else orelse(*operands)
    where = _where()
    if impure:
        _refuse(where, f"the test of this `if` is traced, so JAX runs both branches once, while tracing, but a "
                f"branch does {impure}, which would run for both branches, whatever the test's value",
                "use jax.debug.print(...) to print traced values; build lists outside the `if`; or branch on "
                "a Python value")
    return _cond(_truth(test, where), then, orelse, operands, names, where)


def _ifexp(test: Any, then: Any, orelse: Any) -> Any:
    """`then() if test else orelse()`; on a traced test, `jax.lax.cond` of the two."""
    if not isinstance(test, jax.core.Tracer):
        return then() if test else orelse()
    where = _where()
    return _cond(_truth(test, where), then, orelse, (), ("the value of `... if ... else ...`",), where)


def _where() -> tuple:
    """(file, line) of the user's statement calling the helper that calls this: taken at once,
    since the frame moves on (a refusal is raised later, while JAX traces a branch)."""
    frame = sys._getframe(2)
    return frame.f_code.co_filename, frame.f_lineno


def _not(x: Any) -> Any:
    """`not x`; on a traced value, its logical negation."""
    if not isinstance(x, jax.core.Tracer):
        return not x
    return jax.numpy.logical_not(_truth(x, _where()))


def _and(first: Any, *rest: Any) -> Any:
    """`first and rest[0]() and ...`: Python's short circuit while the values are concrete; once
    one is traced, the logical and of all (the rest are pure: calls that change the state were
    taken out of the test before)."""
    value = first
    for more in rest:
        if not isinstance(value, jax.core.Tracer):
            if not value:
                return value
            value = more()
        else:
            value = jax.numpy.logical_and(_truth(value, _where()), _truth(jax.numpy.asarray(more()),
                                                                                  _where()))
    return value


def _or(first: Any, *rest: Any) -> Any:
    """`first or rest[0]() or ...`, like `_and`."""
    value = first
    for more in rest:
        if not isinstance(value, jax.core.Tracer):
            if value:
                return value
            value = more()
        else:
            value = jax.numpy.logical_or(_truth(value, _where()), _truth(jax.numpy.asarray(more()),
                                                                                 _where()))
    return value


def _or_value(first: Any, *rest: Any) -> Any:
    """`first or rest[0]() or ...` as a value (outside an `if` test): Python returns the first
    operand that is true, or the last. On a traced operand that is `x if x else rest()`, a
    `jax.lax.cond` (a select under `vmap`) with the rules of a converted `if`: both operands must
    have one shape, Python scalars and weak types are promoted, anything else is refused."""
    value = first
    for more in rest:
        if not isinstance(value, jax.core.Tracer):
            if value:
                return value
            value = more()
        else:
            where = _where()
            other = more()  # (traced either way: a cond traces both branches)
            value = jax.lax.bitwise_or(value, _bool_array(other)) if _both_bools(value, other) else _cond(
                _truth(value, where), lambda v=value: v, lambda o=other: o, (), ("the value of `... or ...`",), where)
    return value


def _and_value(first: Any, *rest: Any) -> Any:
    """`first and rest[0]() and ...` as a value: the first operand that is false, or the last;
    on a traced operand `rest() if x else x`, like `_or_value`."""
    value = first
    for more in rest:
        if not isinstance(value, jax.core.Tracer):
            if not value:
                return value
            value = more()
        else:
            where = _where()
            other = more()
            value = jax.lax.bitwise_and(value, _bool_array(other)) if _both_bools(value, other) else _cond(
                _truth(value, where), lambda o=other: o, lambda v=value: v, (), ("the value of `... and ...`",), where)
    return value


def _bool_array(x: Any) -> Any:
    return jax.numpy.asarray(x) if isinstance(x, bool) else x


def _both_bools(traced: Any, other: Any) -> bool:
    """A traced bool scalar and a bool: Python's `a or b` (the first true operand, or the last)
    and `a and b` are then the logical or and and, with no `lax.cond` (gymnasium's
    `bool(x < -t or x > t or ...)`)."""
    return traced.dtype == jax.numpy.bool_ and traced.shape == () and (
        isinstance(other, bool) or getattr(other, "dtype", None) == jax.numpy.bool_ and getattr(other, "shape", None) == ())


def _chain(first: Any, ops: tuple, *rest: Any) -> Any:
    """`first op rest[0]() op rest[1]() ...`, a chained comparison (`lo < x.sum() < hi`), each
    operand computed once, as Python does: Python's short circuit while the comparisons are
    concrete; once one is traced, the logical and of all (a traced scalar each)."""
    import operator

    left, value = first, True
    for op, more in zip(ops, rest):
        right = more()
        now = getattr(operator, op)(left, right)
        if isinstance(value, jax.core.Tracer) or isinstance(now, jax.core.Tracer):
            where = _where()
            value = jax.numpy.logical_and(_truth(value, where) if isinstance(value, jax.core.Tracer) else value,
                                          _truth(now, where) if isinstance(now, jax.core.Tracer) else bool(now))
        elif not now:
            return now
        else:
            value = now
        left = right
    return value


def _bool(x: Any) -> Any:
    """`bool(x)`: Python's on a concrete value; on a traced scalar, a traced bool (JAX has no
    Python bool of a traced value)."""
    if not isinstance(x, jax.core.Tracer):
        return bool(x)
    return _truth(x, _where())


def _concrete(test: Any, form: str) -> Any:
    """The test of a statement that keeps its Python form: itself when concrete (Python decides,
    as written); on a traced value, a located refusal saying what to write instead rather than
    JAX's TracerBoolConversionError."""
    if not isinstance(test, jax.core.Tracer):
        return test
    forms = {  # what each form does that a traced test cannot drive, what to write instead
        "raise": (("this `if` branches on a traced value and a branch raises, but JAX cannot raise on a traced "
                  "value: under jax.jit, jax.vmap or jax.grad it traces both branches once, before any value "
                  "is known"),
                  ("raise on a Python value (a static field, a Python argument) or outside the transform; "
                  "for a traced value, compute a safe result with `jnp.where(bad, fallback, value)`, or check "
                  "it with jax.experimental.checkify")),
        "raise_after_exit": (("the code after this `if` raises, and it runs only when the method has not left "
                              "here (a `return`, `break` or `continue` under this `if`, on a traced value), "
                              "which JAX decides only when it runs: JAX cannot raise on a traced value"),
                             ("raise before the early `return` (or exit), or on a Python value; for a traced "
                              "value, compute a safe result with `jnp.where`")),
        "assert": (("this `assert` tests a traced value, but JAX cannot raise on a traced value: under jax.jit, "
                   "jax.vmap or jax.grad no value is known while it traces"),
                   ("assert on a Python value (a static field, a Python argument), or check traced values with "
                   "jax.experimental.checkify")),
        "return": (("this `if` branches on a traced value and holds a `return` that purify cannot turn into a "
                   "flag: the method returns inside a `try` or `with` (Python would run a `finally` or "
                   "`__exit__` on the way out), or the `if` stands in one"),
                   ("move the return out of the `try`/`with`: set a variable in the branch (`result = ...`) "
                   "and `return result` after the `try`")),
        "exit": (("this `if` branches on a traced value and holds a `break` or `continue` that purify cannot "
                 "turn into a flag: the loop is not a `while` or a `for` over `range(...)`, or the exit "
                 "stands in a `try` or `with`"),
                 ("loop over `range(len(...))` or with a `while`, with the exit in `if`s of the loop's own "
                 "body; or keep a flag: `done = done | test` and `jnp.where(done, old, new)`")),
        "loop": (("this loop's test (or `range` bound) is traced, but the loop keeps its Python form, which "
                 "needs a Python value: its body raises, returns from a `try`, or holds `del`, `global`, "
                 "`yield` or a `break` purify cannot turn into a flag"),
                 ("bound the loop by a Python value (`for i in range(n)` with a Python `n`), or move the "
                 "`raise`/`return`/`del` out of the loop's body")),
        "filter": (("this comprehension's `if` tests a traced value, so the number of items it keeps would depend "
                    "on a value JAX knows only when it runs, but JAX needs every shape while it traces"),
                   ("keep every item and mask the ones you would drop (`jnp.where(test, x, 0)` over an array), "
                    "or filter on a Python value")),
        "other": (("this `if` branches on a traced value, but a branch holds `del`, `global`, `nonlocal`, "
                  "`yield` or `await`, which cannot run inside jax.lax.cond"),
                  "move that statement out of the `if`, or branch on a Python value"),
    }
    msg, hint = forms[form]
    _refuse(_where(), msg, hint)


def _signal(e: BaseException) -> bool:
    """Is `e` none of the user's code's exceptions: a refusal (purify's, or its stand-in's in
    convert output), the signal between branch traces, or JAX's error about tracing a value?"""
    tracing = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
               jax.errors.TracerIntegerConversionError, jax.errors.UnexpectedTracerError,
               jax.errors.NonConcreteBooleanIndexError)
    return isinstance(e, (_Promote, *tracing)) or type(e).__name__.endswith("PurifyError") or getattr(e, "purify", False)


def _uncaught() -> None:
    """The first statement of a user's `except` that may catch what `_signal` names: passes it
    on. Python would never have raised it (under jax.jit a refusal stands for a Python branch
    that JAX cannot take), so the user's handler must not run for it."""
    e = sys.exc_info()[1]
    if e is not None and _signal(e):
        raise e


class _Unsuppressed:
    """`with cm:` where `cm` may swallow exceptions (`contextlib.suppress(Exception)`): what
    `_signal` names passes through it, as through `_uncaught`'s handlers."""

    def __init__(self, cm: Any) -> None:
        self.cm = cm

    def __enter__(self) -> Any:
        return self.cm.__enter__()

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        swallowed = self.cm.__exit__(kind, value, traceback)
        return bool(swallowed) and not (isinstance(value, BaseException) and _signal(value))


def _max(*values: Any) -> Any:
    """`max(a, b, ...)`: Python's on concrete values; `jnp.maximum` once one is traced."""
    if not any(isinstance(v, jax.core.Tracer) for v in values):
        return max(*values)
    out = values[0]
    for v in values[1:]:
        out = jax.numpy.maximum(out, v)
    return out


def _min(*values: Any) -> Any:
    """`min(a, b, ...)`: Python's on concrete values; `jnp.minimum` once one is traced."""
    if not any(isinstance(v, jax.core.Tracer) for v in values):
        return min(*values)
    out = values[0]
    for v in values[1:]:
        out = jax.numpy.minimum(out, v)
    return out


def _truth(test: Any, where: Any) -> Any:
    """`bool(test)` of a traced scalar, as a traced bool."""
    if test.shape != ():
        _refuse(where, f"the test of this `if` is an array of shape {tuple(test.shape)}, which has no single "
                "truth value", "reduce it to one value: `if jnp.any(...)` or `if jnp.all(...)`")
    return test if test.dtype == bool else test != 0


def _cond(pred: Any, then: Any, orelse: Any, operands: tuple, names: tuple, where: Any) -> Any:
    plan = _Plan()
    for _ in range(4):  # at most: as written, then with fills, with `_Maybe`s, with casts
        records: list = [None, None]
        try:
            found = jax.lax.cond(pred, _branch(then, 0, records, plan, operands, names, where),
                                 _branch(orelse, 1, records, plan, operands, names, where))
            break
        except _Promote:
            continue
    _, tree, leaves, arrays = records[0]
    leaves = list(leaves)
    for i, x in zip(arrays, found):
        leaves[i] = x
    values = jax.tree_util.tree_unflatten(tree, leaves)
    return values[0] if len(names) == 1 else values


def _branch(fn: Any, index: int, records: list, plan: _Plan, operands: tuple, names: tuple, where: Any) -> Any:
    """One branch for jax.lax.cond: its array outputs, mended by the plan."""

    def run() -> Any:
        try:
            out = fn(*operands)
        except Exception:  # (no `as`: purify convert copies this function by the names it reads)
            e = sys.exc_info()[1]
            if not _users(e):
                raise  # (a refusal, or JAX's own error about the branch's code: its message is the clearest)
            # JAX traces both branches whatever the test's value: Python's exception would not be
            # raised in the lanes that take the other one (the code after an early `return`, too)
            _refuse_raised(e, where, "if")
        values = [*((out,) if len(names) == 1 else out)]
        for i, like in plan.fills.items():
            if isinstance(values[i], _Undefined):
                values[i] = jax.tree_util.tree_map(lambda x: jax.numpy.zeros_like(x), like)
        for i, lift in plan.maybes.items():
            values[i] = _lift(values[i], lift)
        leaves, tree = jax.tree_util.tree_flatten(tuple(values))
        arrays = [i for i, x in enumerate(leaves) if _is_array(x)]
        records[index] = (tuple(values), tree, leaves, arrays)
        if records[1 - index] is not None and plan.dtypes is None:
            _check_branches(records, names, where, plan)
        found = [leaves[i] for i in arrays]
        if plan.dtypes:
            found = [jax.lax.convert_element_type(x, d) if d is not None else x for x, d in zip(found, plan.dtypes)]
        return found

    return run


def _while(test: Any, body: Any, values: tuple, names: tuple, impure: str = "") -> Any:
    """`while test(*values): values = body(*values)`, the values those of `names` (`body` returns
    one value when there is one name, and so does `_while`). Python's loop while the test is concrete; from the first traced test on,
    `jax.lax.while_loop` (which reverse-mode `jax.grad` cannot differentiate: bounded loops are
    `for i in range(n)`)."""
    values = tuple(values)
    where = _where()
    while True:
        go = test(*values)
        if isinstance(go, jax.core.Tracer):
            _check_pure(impure, where, "while")
            break
        if not go:
            return values[0] if len(names) == 1 else values
        values = _as_tuple(body(*values), names)
    _check_reverse_mode(values, where, "while")
    carry = _Carry(values, lambda v: _as_tuple(body(*v), names), names, where, "while")
    final = jax.lax.while_loop(lambda a: _truth(test(*carry.values(a)), where), carry.step, carry.init)
    values = carry.values(final)
    return values[0] if len(names) == 1 else values


def _for_range(bounds: tuple, body: Any, values: tuple, names: tuple, impure: str = "", until: int = -1) -> Any:
    """`for i in range(*bounds): values = body(i, *values)`. Python's loop over a concrete range;
    `jax.lax.fori_loop` over a traced one. `until`: the index among the values of the flag a
    lowered `break` sets (the body does nothing once it is set): the loop stops there."""
    values = tuple(values)
    if not any(isinstance(b, jax.core.Tracer) for b in bounds):
        for i in range(*bounds):
            values = _as_tuple(body(i, *values), names)
            if until >= 0 and not isinstance(values[until], jax.core.Tracer) and values[until]:
                break  # Python's `break`: on a traced flag the body's own guard skips the rest
        return values[0] if len(names) == 1 else values
    where = _where()
    _check_pure(impure, where, "for")
    start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else (*bounds, 1)[:3]
    trips = jax.numpy.maximum(0, (stop - start + step - (1 if step > 0 else -1)) // step) \
        if isinstance(step, int) else None
    if trips is None:
        _refuse(where, "the step of this `range` is traced, so the loop has no trip count JAX can compute",
                "give `range` a Python step, e.g. `range(a, b, 2)`")
    _check_reverse_mode(values, where, "for")
    carry = _Carry(values, None, names, where, "for")
    carry.run = lambda v: _as_tuple(body(start + carry.k * step, *v), names)
    carry.k = jax.numpy.zeros((), jax.numpy.asarray(trips).dtype)
    carry.prepare()

    def one(k: Any, a: Any) -> Any:
        carry.k = k
        return carry.step(a)

    if until < 0:
        final = jax.lax.fori_loop(0, trips, one, carry.init)
    else:  # AutoGraph's extra test: stop at the first iteration that breaks
        def go(a: Any) -> Any:
            return jax.numpy.logical_and(a[0] < trips, jax.numpy.logical_not(carry.values(a[1])[until]))

        final = jax.lax.while_loop(go, lambda a: (a[0] + 1, one(a[0], a[1])), (carry.k, carry.init))[1]
    values = carry.values(final)
    return values[0] if len(names) == 1 else values


def _eager_call(name: str, state: Any, *args: Any, **kwargs: Any) -> Any:
    """`self.render()` of an eager-only method, from a converted method: `(out, state)`. While an
    eager instance runs the method, the instance runs `render` as written, holding the state as of
    the call, and its state after is the method's from then on; anywhere else (the pure API, a
    transform) there is no instance to run it on: a located refusal at the call, once reached."""
    from .eager import call_on_instance

    return call_on_instance(name, state, args, kwargs, _where())
