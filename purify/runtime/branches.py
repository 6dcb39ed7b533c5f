"""What the two branches of a converted `if` (and the values a converted loop carries) must agree
on, checked as JAX traces them, and purify's located refusal at the user's statement: the
checks of runtime/control.py's dispatch helpers. `purify convert` copies what a module needs of
them with those helpers (engine/text/copying.py follows control.py's imports here); `_refuse`
has a stand-in there (runtime/standalone.py).
"""

from __future__ import annotations

import sys
from typing import Any, NamedTuple

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


class _Promote(Exception):  # a signal between the two branch traces, never shown
    """Both branches traced; their outputs differ only in what the plan mends (types JAX
    promotes, a return value one branch leaves unset): trace again with the plan."""


class _Plan:
    """How the outputs of the branches are mended: `fills[i]` a value whose zeros stand for
    output i where a branch leaves it `_Undefined(..., fill=True)`; `dtypes` (once known) the
    dtype each array output is cast to (None: as it is)."""

    def __init__(self) -> None:
        self.fills: dict = {}
        self.maybes: dict = {}  # output i -> {leaf k: (shape, dtype)}: leaves lifted to a `_Maybe`
        self.dtypes: list | None = None


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


def _raised_at(e: BaseException, where: tuple) -> tuple:
    """(file, line) of the user's line that raised `e`: the innermost frame of its traceback in the
    file of the `if` or loop (`where`), the `raise` itself or the call that led to it."""
    at, tb = where, e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == where[0]:
            at = (where[0], tb.tb_lineno)
        tb = tb.tb_next
    return at


_RAISED_MSG = "this line raised {exc} ({e}) while JAX traced {traced}, and JAX cannot raise in some lanes only"
_RAISED_IN_IF = ("a branch of the `if` on a traced value at line {line} (one of its branches, or the code after an "
                 "early `return` there); JAX traces every branch whatever the test's value, so Python would not "
                 "raise in the lanes that take the other one")
_RAISED_IN_LOOP = ("the body of the `{kind}` loop on a traced value at line {line}; JAX traces the body once, "
                   "whatever the number of iterations, so Python would not raise in the lanes where the loop "
                   "does not get there")
_RAISED_HINT = ("check the value before {before}, or raise on a Python value that JAX does not trace (a static "
                "field, a Python argument); for a traced value, compute a safe value with "
                "`jnp.where(bad, fallback, value)`, or check it with jax.experimental.checkify")


def _refuse_raised(e: BaseException, where: tuple, kind: str) -> None:
    """The user's exception `e` was raised while JAX traced a branch of the `if` (`kind` "if") or
    the body of the loop (`kind` "while" or "for") at `where`: refused at the line that raised."""
    if kind == "if":
        traced, before = _RAISED_IN_IF.format(line=where[1]), "that `if` (before an early `return` on a traced value)"
    else:
        traced, before = _RAISED_IN_LOOP.format(kind=kind, line=where[1]), f"that `{kind}` loop"
    _refuse(_raised_at(e, where), _RAISED_MSG.format(exc=type(e).__name__, e=e, traced=traced),
            _RAISED_HINT.format(before=before))


def _users(e: BaseException) -> bool:
    """Is `e` an exception of the user's code: not a refusal (purify's, or its stand-in's in
    convert output), the signal between branch traces, nor JAX's own error?"""
    return not (isinstance(e, _Promote) or type(e).__module__.startswith("jax")
                or type(e).__name__.endswith("PurifyError") or getattr(e, "purify", False))


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
            out = self._run(self.values(arrays))
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

    def _run(self, values: tuple) -> Any:
        """One pass of the body, as JAX traces it: the user's exception is refused at its line."""
        try:
            return self.run(values)
        except Exception:  # (no `as`: purify convert copies this class by the names it reads)
            e = sys.exc_info()[1]
            if not _users(e):
                raise
            _refuse_raised(e, self.where, self.kind)

    def _pass(self, arrays: list) -> list:
        out = self._run(self.values(arrays))
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
    maybes = {i: lift for i, (a, b) in enumerate(zip(true_values, false_values)) if (lift := _maybe_lift(a, b))}
    if maybes:
        plan.maybes.update(maybes)
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


def _binary(symbol: str, reflected: bool) -> Any:
    """`_Maybe.__add__` and its kind: the operator on the value (`_Maybe._as_value`)."""
    import operator

    op = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
          "%": operator.mod, "**": operator.pow, "@": operator.matmul, "<": operator.lt, "<=": operator.le,
          ">": operator.gt, ">=": operator.ge}[symbol]

    def method(self: Any, other: Any) -> Any:
        value = self._as_value(f"`{symbol}`")
        return op(other, value) if reflected else op(value, other)

    return method


class _MaybeFields(NamedTuple):
    """The fields of a `_Maybe` (a NamedTuple: a pytree wherever JAX takes one)."""

    present: Any
    value: Any


class _Maybe(_MaybeFields):
    """`None` in some lanes, an array in others: what a variable or state field holds after a
    traced `if` (or `... if ... else ...`) that leaves it `None` in one branch and an array in
    the other. `present` is a bool array, True where Python's value is the array; `value` is
    that array (zeros where it is absent). `x is None` and `x is not None` test `present`; where
    the code has tested it present, a read is its `value`; any other use is refused at the
    user's line (Python would raise TypeError in the lanes where it is None, per lane, which
    JAX cannot do)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Maybe(present={self.present!r}, value={self.value!r})"

    def __eq__(self, other: object) -> Any:  # `x == None`, as `x is None`
        return jax.numpy.logical_not(self.present) if other is None else self._as_value("`==`") == other

    def __ne__(self, other: object) -> Any:
        return self.present if other is None else self._as_value("`!=`") != other

    __hash__ = None  # type: ignore[assignment]

    # NamedTuple's `_replace`, `_asdict` and `__getnewargs__` (copy, pickle) iterate the tuple, but
    # `__iter__` is the value's (unpacking `x` unpacks the array, as Python would)
    def _replace(self, **fields: Any) -> Any:
        return type(self)(fields.get("present", self.present), fields.get("value", self.value))

    def _asdict(self) -> dict:
        return {"present": self.present, "value": self.value}

    def __getnewargs__(self) -> tuple:
        return (self.present, self.value)

    def _as_value(self, use: str) -> Any:
        """The value for a use that needs one: where `present` is known (outside a transform, as the
        pure API returns it), what Python has: the array where it is present in every lane, and
        Python's TypeError on None where it is absent in every lane; anything else is refused."""
        if not isinstance(self.present, jax.core.Tracer):
            present = jax.numpy.asarray(self.present)
            if bool(present.all()):
                return self.value
            if not bool(present.any()):
                raise TypeError(f"{use} on None: the value is None (a `purify.Maybe` with present=False)")
        return _misuse(use)

    def __bool__(self) -> bool:
        return bool(self._as_value("its truth value (`if x:`, `and`, `or`, `not`)"))

    def __iter__(self) -> Any:
        return iter(self._as_value("unpacking or iterating it"))

    def __getitem__(self, key: Any) -> Any:
        return self._as_value("indexing (`x[...]`)")[key]

    def __float__(self) -> float:
        return float(self._as_value("`float(...)`"))

    def __int__(self) -> int:
        return int(self._as_value("`int(...)`"))

    def __index__(self) -> int:
        return self._as_value("an index").__index__()

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        return jax.numpy.asarray(self._as_value("NumPy")).__array__(*args, **kwargs)

    def __neg__(self) -> Any:
        return -self._as_value("`-`")

    def __pos__(self) -> Any:
        return +self._as_value("`+`")

    def __abs__(self) -> Any:
        return abs(self._as_value("`abs`"))

    def __invert__(self) -> Any:
        return ~self._as_value("`~`")

    __add__, __radd__ = _binary("+", False), _binary("+", True)
    __sub__, __rsub__ = _binary("-", False), _binary("-", True)
    __mul__, __rmul__ = _binary("*", False), _binary("*", True)
    __truediv__, __rtruediv__ = _binary("/", False), _binary("/", True)
    __floordiv__, __rfloordiv__ = _binary("//", False), _binary("//", True)
    __mod__, __rmod__ = _binary("%", False), _binary("%", True)
    __pow__, __rpow__ = _binary("**", False), _binary("**", True)
    __matmul__, __rmatmul__ = _binary("@", False), _binary("@", True)
    __lt__, __le__, __gt__, __ge__ = _binary("<", False), _binary("<=", False), _binary(">", False), _binary(">=", False)


def _misuse(use: str) -> Any:
    """Refuse a use of a `_Maybe` other than testing, storing or returning it, at the user's line:
    the first frame out of `_Maybe`'s methods and JAX's (a JAX function may be what used it)."""
    import sys

    helpers = ("_Maybe", "_binary", "_if", "_ifexp", "_cond", "_branch", "_not", "_and", "_or", "_or_value",
               "_and_value", "_chain", "_bool", "_concrete", "_truth", "_max", "_min", "_while", "_for_range",
               "_Carry")  # purify's frames (in `purify convert` output too, where they share the user's file)
    frame = sys._getframe(1)
    while frame.f_back is not None and (frame.f_code.co_qualname.split(".")[0] in helpers
                                        or "/jax/" in frame.f_code.co_filename):
        frame = frame.f_back
    _refuse((frame.f_code.co_filename, frame.f_lineno),
            f"this uses a value that is None in some lanes and an array in others ({use}): a traced `if` (or "
            "`... if ... else ...`) left it None in one branch and an array in the other, and Python would raise "
            "TypeError where it is None, which JAX cannot do lane by lane",
            "test it first: `if x is not None: ... x ...` or `x if x is not None else default`; or give it an "
            "array value in every branch instead of None (e.g. `jnp.nan`); a `purify.Maybe` the pure API returned "
            "has `.present` (where it is not None) and `.value`")


def _is_none(x: Any) -> Any:
    """`x is None`: Python's `is`; on a `_Maybe`, the traced flag of the lanes where it is None."""
    return jax.numpy.logical_not(x.present) if isinstance(x, _Maybe) else x is None


def _not_none(x: Any) -> Any:
    """`x is not None`: Python's `is not`; on a `_Maybe`, the traced flag of the lanes where it is present."""
    return x.present if isinstance(x, _Maybe) else x is not None


def _value_of(x: Any) -> Any:
    """`x` where the code has tested that it is not None: a `_Maybe`'s value, anything else itself."""
    return x.value if isinstance(x, _Maybe) else x


def _none_or_maybe(x: Any) -> bool:
    return x is None or isinstance(x, _Maybe)


def _maybe_lift(a: Any, b: Any) -> dict:
    """The leaves of the outputs `a` and `b` of two branches (None and `_Maybe` counted as leaves)
    where one is None or a `_Maybe` and the other an array or a `_Maybe`: {leaf: (shape, dtype) of
    the array}. Both are lifted to a `_Maybe` there; any other difference is `_check_branches`'s."""
    a_leaves, a_tree = jax.tree_util.tree_flatten(a, is_leaf=_none_or_maybe)
    b_leaves, b_tree = jax.tree_util.tree_flatten(b, is_leaf=_none_or_maybe)
    if a_tree != b_tree:
        return {}
    lift = {}
    for k, (x, y) in enumerate(zip(a_leaves, b_leaves)):
        same = (x is None and y is None) or (isinstance(x, _Maybe) and isinstance(y, _Maybe))
        if (_none_or_maybe(x) or _none_or_maybe(y)) and not same:
            arrays = [v.value if isinstance(v, _Maybe) else v for v in (x, y) if v is not None]
            if all(_is_array(v) and not isinstance(v, _Undefined) for v in arrays):
                like = arrays[0]
                lift[k] = (tuple(jax.numpy.shape(like)), jax.numpy.result_type(like))
    return lift


def _lift(value: Any, lift: dict) -> Any:
    """`value` (one output of a branch) with the leaves of `lift` as `_Maybe`s: None absent, an
    array present (a `_Maybe` stays as it is)."""
    leaves, tree = jax.tree_util.tree_flatten(value, is_leaf=_none_or_maybe)
    for k, (shape, dtype) in lift.items():
        x = leaves[k]
        if x is None:
            leaves[k] = _Maybe(jax.numpy.asarray(False), jax.numpy.zeros(shape, dtype))
        elif not isinstance(x, _Maybe):
            leaves[k] = _Maybe(jax.numpy.asarray(True), x)
    return jax.tree_util.tree_unflatten(tree, leaves)
