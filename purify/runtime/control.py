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
    where = sys._getframe(1)
    if impure:
        _refuse(where, f"the test of this `if` is traced, so JAX runs both branches once, while tracing, but a "
                f"branch does {impure}, which would then run whichever branch the value takes",
                "use jax.debug.print(...) to print traced values; build lists outside the `if`; or branch on "
                "a Python value")
    return _cond(_truth(test, where), then, orelse, operands, names, where)


def _ifexp(test: Any, then: Any, orelse: Any) -> Any:
    """`then() if test else orelse()`; on a traced test, `jax.lax.cond` of the two."""
    if not isinstance(test, jax.core.Tracer):
        return then() if test else orelse()
    where = sys._getframe(1)
    return _cond(_truth(test, where), then, orelse, (), ("the value of `... if ... else ...`",), where)


def _not(x: Any) -> Any:
    """`not x`; on a traced value, its logical negation."""
    if not isinstance(x, jax.core.Tracer):
        return not x
    return jax.numpy.logical_not(_truth(x, sys._getframe(1)))


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
            value = jax.numpy.logical_and(_truth(value, sys._getframe(1)), _truth(jax.numpy.asarray(more()),
                                                                                  sys._getframe(1)))
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
            value = jax.numpy.logical_or(_truth(value, sys._getframe(1)), _truth(jax.numpy.asarray(more()),
                                                                                 sys._getframe(1)))
    return value


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
        out = fn(*operands)
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


def _joined(a: Any, b: Any) -> tuple[Any, bool]:
    """(the dtype both must be cast to, or None if they agree; False where JAX would not promote)."""
    if a.shape != b.shape:
        return None, False
    if a.dtype == b.dtype:
        return None, True
    if not (a.weak_type or b.weak_type):
        return None, False
    import jax.numpy as jnp

    def example(t: Any) -> Any:
        return t.dtype.type(0).item() if t.weak_type else jnp.zeros((), t.dtype)

    return jnp.result_type(example(a), example(b)), True


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
    """Raise purify's located error at the line of the frame `where` (the user's `if`)."""
    from purify.errors import PurifyError

    filename, lineno = where.f_code.co_filename, where.f_lineno
    import linecache

    line = linecache.getline(filename, lineno)
    col = len(line) - len(line.lstrip())
    raise PurifyError(msg, hint=hint, filename=filename, lineno=lineno, col=col, end_lineno=lineno,
                      end_col=len(line.rstrip()))
