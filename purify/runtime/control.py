"""The dispatch helpers of converted control flow (the control-flow pass writes calls of them).

Each decides at run time, as TensorFlow AutoGraph does: on a concrete test (a Python or NumPy
bool, static configuration, a value of an eager instance) the user's Python statement runs as
written; on a traced one the `jax.lax` form runs, its branches taking and returning the state
and the locals they change. `purify convert` copies these definitions into the converted module
(which never imports purify), so each is self-contained; `_refuse` has a stand-in there
(runtime/standalone.py).
"""

from __future__ import annotations

import sys
from typing import Any

import jax


class _Undefined:
    """The value of a local that a converted `if` may leave unbound (Python would). With `fill`
    (the value a lowered `return` sets) a traced branch leaving it unset gives zeros of the
    other branch's value instead: the flag that says the method returned guards it."""

    def __init__(self, name: str, fill: bool = False) -> None:
        self.name, self.fill = name, fill

    def __repr__(self) -> str:
        return f"<{self.name} unbound>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Undefined) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


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
            value = _cond(_truth(value, where), lambda v=value: v, more, (),
                          ("the value of `... or ...`",), where)
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
            value = _cond(_truth(value, where), more, lambda v=value: v, (),
                          ("the value of `... and ...`",), where)
    return value


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
        "raise_after_exit": (("this statement raises, and it runs only when the method has not left earlier "
                              "(a `return`, `break` or `continue` under an `if` on a traced value), which JAX "
                              "decides only when it runs: JAX cannot raise on a traced value"),
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
        "other": (("this `if` branches on a traced value, but a branch holds `del`, `global`, `nonlocal`, "
                  "`yield` or `await`, which cannot run inside jax.lax.cond"),
                  "move that statement out of the `if`, or branch on a Python value"),
    }
    msg, hint = forms[form]
    _refuse(_where(), msg, hint)


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


class _Promote(Exception):  # a signal between the two branch traces, never shown
    """Both branches traced; their outputs differ only in what the plan mends (types JAX
    promotes, a return value one branch leaves unset): trace again with the plan."""


class _Plan:
    """How the outputs of the branches are mended: `fills[i]` a value whose zeros stand for
    output i where a branch leaves it `_Undefined(..., fill=True)`; `dtypes` (once known) the
    dtype each array output is cast to (None: as it is)."""

    def __init__(self) -> None:
        self.fills: dict = {}
        self.dtypes: list | None = None


def _cond(pred: Any, then: Any, orelse: Any, operands: tuple, names: tuple, where: Any) -> Any:
    plan = _Plan()
    for _ in range(3):  # at most: as written, then with fills, then with casts
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
            if isinstance(e, _Promote) or type(e).__name__.endswith("PurifyError") or getattr(e, "purify", False) \
                    or type(e).__module__.startswith("jax"):
                raise  # (a refusal, or JAX's own error about the branch's code: its message is the clearest)
            # JAX traces both branches whatever the test's value: Python's exception would not be
            _refuse(where, f"a branch of this `if` on a traced value raised {type(e).__name__} ({e}) while JAX traced "
                    "it; JAX traces both branches, so the exception would be raised whatever the test's value",
                    "raise on a Python value before the `if` (or before an early `return` on a traced value), "
                    "or compute a safe value in every branch with `jnp.where`")
        values = [*((out,) if len(names) == 1 else out)]
        for i, like in plan.fills.items():
            if isinstance(values[i], _Undefined):
                values[i] = jax.tree_util.tree_map(lambda x: jax.numpy.zeros_like(x), like)
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


def _check_reverse_mode(values: tuple, where: Any, kind: str) -> None:
    """`jax.grad` linearizes (its tracers are LinearizeTracers), and JAX's loops with a traced
    trip count have no reverse mode: say so at the loop rather than deep inside JAX."""
    if any(type(x).__name__ == "LinearizeTracer" for x in jax.tree_util.tree_leaves(values)):
        _refuse(where, f"jax.grad differentiates this `{kind}` loop in reverse mode, but its test is traced, so it is "
                "a jax.lax.while_loop, which JAX cannot differentiate in reverse mode",
                "bound the loop by a Python value: `for i in range(n)` with a Python (or static) `n` is a Python "
                "loop that jax.grad differentiates; or use jax.jvp (forward mode)")


def _check_pure(impure: str, where: Any, kind: str) -> None:
    if impure:
        _refuse(where, f"this `{kind}` loop is traced, so JAX runs its body once, while tracing, but the body "
                f"does {impure}, which would run once, not once an iteration",
                "use jax.debug.print(...) to print traced values; collect values in an array the loop "
                "updates (`ys = ys.at[i].set(y)`); or loop over a Python range")


def _as_tuple(out: Any, names: tuple) -> tuple:
    return (out,) if len(names) == 1 else tuple(out)


class _Carry:
    """The values a traced loop carries, as the arrays jax.lax loops take: Python scalars and
    weakly typed values cast to the type one pass of the body gives them; anything else must
    keep its type, shape and structure, or the loop is refused naming the variable."""

    def __init__(self, values: tuple, run: Any, names: tuple, where: Any, kind: str) -> None:
        self.names, self.where, self.kind, self.run = names, where, kind, run
        self._flatten(values)
        if run is not None:
            self.prepare()

    def _flatten(self, values: tuple) -> None:
        self.leaves, self.tree = jax.tree_util.tree_flatten(values)
        self.arrays = [i for i, x in enumerate(self.leaves) if _is_array(x) and not isinstance(x, _Undefined)]

    def _fill(self) -> None:
        """A return value a lowered `return` has not set yet (`_Undefined(..., fill=True)`) is
        carried as zeros of the type the body gives it: the return flag guards it."""
        values = list(self.values([jax.numpy.asarray(self.leaves[i]) for i in self.arrays]))
        holes = [i for i, v in enumerate(values) if isinstance(v, _Undefined) and v.fill]
        if not holes:
            return
        found: dict = {}

        def probe(arrays: list) -> int:
            out = self.run(self.values(arrays))
            for i in holes:
                if not isinstance(out[i], _Undefined):
                    found[i] = jax.tree_util.tree_map(lambda x: (jax.numpy.shape(x), jax.numpy.result_type(x)), out[i])
            return 0

        jax.eval_shape(probe, [jax.numpy.asarray(self.leaves[i]) for i in self.arrays])
        for i, like in found.items():
            values[i] = jax.tree_util.tree_map(lambda t: jax.numpy.zeros(*t), like, is_leaf=lambda t: isinstance(t, tuple)
                                               and len(t) == 2 and isinstance(t[0], tuple))
        self._flatten(tuple(values))

    def prepare(self) -> None:
        self._fill()
        init = [jax.numpy.asarray(self.leaves[i]) for i in self.arrays]
        self.dtypes = None
        shapes = jax.eval_shape(self._pass, init)
        dtypes = []
        for i, (x, out) in enumerate(zip(init, shapes)):
            a = jax.typeof(x)
            dtype, ok = _joined(a, out)
            if not ok:
                self._refuse_types(i, a, out)
            dtypes.append(dtype if dtype is not None else x.dtype)
        self.dtypes = dtypes
        self.init = [jax.lax.convert_element_type(x, d) for x, d in zip(init, dtypes)]

    def values(self, arrays: list) -> tuple:
        leaves = list(self.leaves)
        for i, x in zip(self.arrays, arrays):
            leaves[i] = x
        return jax.tree_util.tree_unflatten(self.tree, leaves)

    def _pass(self, arrays: list) -> list:
        out = self.run(self.values(arrays))
        leaves, tree = jax.tree_util.tree_flatten(out)
        if tree != self.tree or any(not _same(leaves[i], x) for i, x in enumerate(self.leaves) if i not in self.arrays):
            for name, before, after in zip(self.names, self.values(arrays), out):
                if jax.tree_util.tree_structure(before) != jax.tree_util.tree_structure(after) or \
                        isinstance(before, _Undefined) != isinstance(after, _Undefined):
                    what = "is bound in the loop's body and read after it" if isinstance(before, _Undefined) else \
                        f"is {_describe(before)} before an iteration and {_describe(after)} after it"
                    _refuse(self.where, f"`{name}` {what}, but the loop's test is traced, so JAX needs one type "
                            "for it through every iteration", f"bind `{name}` before the loop to a value of the "
                            "type the loop gives it")
            _refuse(self.where, "a Python value the loop changes cannot be carried by a traced loop",
                    "keep the loop's values arrays of one type")
        return [leaves[i] for i in self.arrays]

    def step(self, arrays: list) -> list:
        out = self._pass(arrays)
        return [jax.lax.convert_element_type(x, d) for x, d in zip(out, self.dtypes)]

    def _refuse_types(self, i: int, a: Any, b: Any) -> None:
        index = self.arrays[i]
        paths = jax.tree_util.tree_flatten_with_path(self.values([None] * len(self.arrays)),
                                                     is_leaf=lambda x: x is None)[0]
        path = paths[index][0] if index < len(paths) else ()
        label = (self.names[path[0].idx] + jax.tree_util.keystr(path[1:])) if path else "a loop value"
        _refuse(self.where, f"`{label}` is {_type_str(a)} before an iteration of this "
                f"`{self.kind}` and {_type_str(b)} after it, but the loop is traced, so JAX "
                "needs one shape and dtype for it", f"bind `{label}` before the loop to a value of the shape and "
                "dtype the loop gives it (e.g. `jnp.asarray(0.0)`)")


def _type_str(t: Any) -> str:
    """`f32[3]` for an array type or a shape-and-dtype."""
    return jax.core.ShapedArray(t.shape, t.dtype).str_short(short_dtypes=True)


def _is_array(x: Any) -> bool:
    return isinstance(x, (jax.Array, bool, int, float, complex)) or (hasattr(x, "dtype") and hasattr(x, "shape"))


def _check_branches(records: list, names: tuple, where: Any, plan: _Plan) -> None:
    """Refuse outputs the two branches leave different (naming the variable); raise `_Promote`
    with the plan extended when they differ only in what it mends (types JAX promotes: Python
    scalars and weak types; a return value one branch leaves unset)."""
    (true_values, *_), (false_values, *_) = records
    fills = {i: b if isinstance(a, _Undefined) else a for i, (a, b) in enumerate(zip(true_values, false_values))
             if isinstance(a, _Undefined) != isinstance(b, _Undefined) and (a if isinstance(a, _Undefined) else b).fill}
    if fills:
        plan.fills.update(fills)
        raise _Promote()
    dtypes: list = []
    promote = False
    for name, a, b in zip(names, true_values, false_values):
        a_paths, a_tree = jax.tree_util.tree_flatten_with_path(a)
        b_paths, b_tree = jax.tree_util.tree_flatten_with_path(b)
        if isinstance(a, _Undefined) != isinstance(b, _Undefined) and _keyword(where) == "for":
            _refuse(where, f"`{name}` is bound in the body of this `for` loop, which breaks on a traced value, "
                    "and read after it: JAX needs a value for it whether or not the loop runs",
                    f"bind `{name}` before the loop (e.g. `{name} = 0`)")
        if isinstance(a, _Undefined) != isinstance(b, _Undefined):
            _refuse(where, f"`{name}` is bound in only one branch of this `if` on a traced value, and read after it",
                    f"bind `{name}` before the `if` (or in both branches) to a value of the same type")
        if a_tree != b_tree:
            _refuse(where, f"`{name}` leaves the branches of this `if` on a traced value with different structures: "
                    f"{_describe(a)} when the test is true, {_describe(b)} when it is false",
                    f"give `{name}` the same structure in both branches (jax.lax.cond needs one type)")
        for (path, x), (_, y) in zip(a_paths, b_paths):
            label = name + jax.tree_util.keystr(path)
            if _is_array(x) != _is_array(y) or (not _is_array(x) and not _same(x, y)):
                _refuse(where, f"`{label}` is {_describe(x)} when the test of this `if` is true and {_describe(y)} "
                        "when it is false, but the test is traced, so both branches must give it one array type",
                        f"give `{label}` an array value in both branches, or branch on a Python value")
            if not _is_array(x):
                continue
            dtype, ok = _joined(jax.typeof(x), jax.typeof(y))
            if not ok:
                _refuse(where, f"`{label}` is {_describe(x)} when the test of this `if` is true and {_describe(y)} "
                        "when it is false; jax.lax.cond needs one shape and dtype",
                        f"give `{label}` the same shape and dtype in both branches (e.g. "
                        f"`jnp.asarray(..., dtype=...)`, `jnp.broadcast_to`)")
            promote |= dtype is not None
            dtypes.append(dtype)
    plan.dtypes = dtypes
    if promote:
        raise _Promote()


def _keyword(where: Any) -> str:
    """The first word of the user's statement at `where` (`if`, `for`, ...)."""
    import linecache

    words = linecache.getline(*where).split()
    return words[0] if words else ""


def _joined(a: Any, b: Any) -> tuple[Any, bool]:
    """(the dtype both must be cast to, or None if they agree; False where JAX would not promote:
    different shapes, or dtypes `jnp.promote_types` refuses, as under strict dtype promotion)."""
    if a.shape != b.shape:
        return None, False
    if a.dtype == b.dtype:
        return None, True
    if not (a.weak_type or b.weak_type):
        try:  # as `a + b` would: int and float join as float; strict promotion refuses
            return jax.numpy.promote_types(a.dtype, b.dtype), True
        except Exception:  # noqa: BLE001 - JAX refuses to promote these dtypes
            return None, False

    def example(t: Any) -> Any:
        return t.dtype.type(0).item() if t.weak_type else jax.numpy.zeros((), t.dtype)

    return jax.numpy.result_type(example(a), example(b)), True


def _same(x: Any, y: Any) -> bool:
    try:
        return x is y or bool(type(x) is type(y) and x == y)
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


def _describe(value: Any) -> str:
    if isinstance(value, _Undefined):
        return "unbound"
    if isinstance(value, (bool, int, float, complex)):
        return f"a Python {type(value).__name__}"
    if _is_array(value):
        return jax.typeof(value).str_short(short_dtypes=True)
    if isinstance(value, (tuple, list, dict)) or hasattr(value, "_fields"):
        return str(jax.tree_util.tree_map(_describe, value))
    return repr(value)


def _refuse(where: Any, msg: str, hint: str) -> None:
    """Raise purify's located error at `where`: the file and line of the user's statement."""
    import linecache

    from purify.errors import PurifyError

    filename, lineno = where

    line = linecache.getline(filename, lineno)
    col = len(line) - len(line.lstrip())
    raise PurifyError(msg, hint=hint, filename=filename, lineno=lineno, col=col, end_lineno=lineno,
                      end_col=len(line.rstrip()))


# -- objects of the class other than self (engine/passes/others.py) ---------------------
# An argument `other` is an object on an instance (`m1 += m2`) and a State in the pure API
# (`Mean.__iadd__(s1, s2)`): these read it, or call its methods, either way.


def _obj_field(obj: Any, name: str) -> Any:
    """`obj._x`: the State's field `x_`, or the object's attribute."""
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        return getattr(obj, name)
    return getattr(obj, name.lstrip("_") + "_" * (len(name) - len(name.lstrip("_"))))


def _obj_property(obj: Any, name: str) -> Any:
    """`obj.prop`: the property of the State's class, or the object's attribute."""
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        return getattr(obj, name)
    return getattr(type(obj)._cls, name)(obj)


def _obj_call(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """`obj.name(...)`: the method of the State's class on the State, or the object's method. A
    method that changes the argument's state is refused: the pure method cannot hand that state
    back to the caller (and the object's own method would change it on an instance only)."""
    where = sys._getframe(1).f_code.co_filename, sys._getframe(1).f_lineno
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        before = getattr(obj, "__purify_state__", None)
        out = getattr(obj, name)(*args, **kwargs)
        after = getattr(obj, "__purify_state__", None)
        changed = before is not None and not _same_leaves(before, after)
    else:
        out, after = getattr(type(obj)._cls, name)(obj, *args, **kwargs)
        changed = not _same_leaves(obj, after)
    if changed:
        cls = type(after).__name__.removesuffix("State")
        _refuse(where, f"{cls}.{name} changes the state of an argument of the method, which the pure method "
                "cannot hand back to the caller", f"call {name} on the object where it lives (the caller), "
                "or return what the method computes and let the caller update its object")
    return out


def _same_leaves(a: Any, b: Any) -> bool:
    left, right = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(left) == len(right) and all(x is y for x, y in zip(left, right))
