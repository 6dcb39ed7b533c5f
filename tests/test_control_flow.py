"""Control flow on traced values (issue 13): `if`/`elif`/`else`, early returns, `not`/`and`/`or`
and chained comparisons in tests, converted to `jax.lax.cond` through the `_if` dispatch helper.

Every class runs every way against its undecorated self: the decorated instance eagerly, the
pure API under `jax.jit`, under `jax.vmap` with lanes that take different branches (each lane
against its own plain run), under `jax.grad`, and the module `purify convert` writes.
"""

from __future__ import annotations

import ast
import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module, undecorated
from tests.fuzz.cli import convert_file

THERMOSTAT = """
@purify.stateful
class Thermostat:
    def __init__(self, low=18.0, high=22.0):
        self.low, self.high = low, high
        self.t = jnp.asarray(20.0)
        self.on = jnp.asarray(False)

    def step(self, outside):
        # hysteresis: switch on below low, off above high
        if self.t < self.low:
            self.on = True
        elif self.t > self.high:
            self.on = False
        heat = 0.5 if self.on else 0.0
        self.t = self.t + heat + 0.1 * (outside - self.t)
        return self.t
"""

EARLY = """
@purify.stateful
class EarlyStopping:
    def __init__(self, patience=2):
        self.patience = patience
        self.best = jnp.asarray(jnp.inf)
        self.bad = jnp.asarray(0)

    def step(self, loss):
        if loss < self.best:
            self.best = loss
            self.bad = jnp.asarray(0)
            return False
        self.bad += 1
        if self.bad >= self.patience:
            return True
        return False
"""

CLAMP = """
@purify.stateful
class Clamped:
    def __init__(self, lo=-1.0, hi=1.0, mode="auto"):
        self.lo, self.hi, self.mode = lo, hi, mode
        self.x = jnp.asarray(0.0)
        self.auto = jnp.asarray(True)

    def step(self, u):
        if not self.auto:
            return self.x
        if self.mode == "auto":  # static configuration: a Python if
            x = self.x + u
        else:
            x = self.x
        if x > self.hi:
            x = self.hi
        elif x < self.lo:
            x = self.lo
        if self.lo < x < self.hi and u != 0:
            x = x * 0.5 + self.x * 0.5
        self.x = x
        return x * 2

    def toggle(self):
        self.auto = not self.auto
"""

INPUTS = {"Thermostat": [15.0, 30.0, 30.0, 10.0, 10.0, 25.0], "EarlyStopping": [3.0, 2.0, 2.5, 2.6, 2.7, 1.0],
          "Clamped": [0.4, 0.9, -3.0, 0.0, 0.2]}
CASES = [("Thermostat", THERMOSTAT), ("EarlyStopping", EARLY), ("Clamped", CLAMP)]


def plain_run(source: str, cls: str, inputs: list[float]) -> tuple[list, object]:
    obj = getattr(undecorated(source), cls)()
    return [float(obj.step(x)) for x in inputs], obj


@pytest.mark.parametrize(("cls", "source"), CASES, ids=[c for c, _ in CASES])
def test_eager_jit_and_convert_agree_with_the_plain_class(cls, source, tmp_path):
    inputs = INPUTS[cls]
    want, _ = plain_run(source, cls, inputs)
    module = load_module(source)
    C = getattr(module, cls)
    obj = C()
    assert [float(obj.step(x)) for x in inputs] == pytest.approx(want)
    step, state, got = jax.jit(C.step), C.init(), []
    for x in inputs:
        out, state = step(state, x)
        got.append(float(out))
    assert got == pytest.approx(want)
    conv = load_module(convert_file(module.__file__), header=False)
    cstep, cstate, cgot = jax.jit(getattr(conv, cls).step), getattr(conv, cls).init(), []
    for x in inputs:
        out, cstate = cstep(cstate, x)
        cgot.append(float(out))
    assert cgot == pytest.approx(want)


@pytest.mark.parametrize(("cls", "source"), CASES, ids=[c for c, _ in CASES])
def test_vmap_lanes_taking_different_branches_each_equal_their_plain_run(cls, source):
    inputs = INPUTS[cls]
    lanes = [inputs, inputs[::-1], [inputs[0]] * len(inputs)]
    C = getattr(load_module(source), cls)
    state = jax.tree_util.tree_map(lambda x: jnp.stack([x] * len(lanes)), C.init())
    step = jax.jit(jax.vmap(C.step))
    outs = []
    for xs in zip(*lanes):
        out, state = step(state, jnp.asarray(xs))
        outs.append(np.asarray(out))
    for i, xs in enumerate(lanes):
        want, _ = plain_run(source, cls, list(xs))
        assert [float(o[i]) for o in outs] == pytest.approx(want), f"lane {i}"


def test_grad_through_a_converted_if_takes_the_branch_of_the_value():
    C = load_module(CLAMP).Clamped

    def loss(u):
        out, _ = C.step(C.init(), u)
        return out

    assert float(jax.grad(loss)(0.3)) == pytest.approx(1.0)  # (x*0.5 + 0)*2 with x = u
    assert float(jax.grad(loss)(3.0)) == pytest.approx(0.0)  # clamped to hi


def test_python_ifs_on_static_configuration_and_arguments_stay_python():
    src = """
    @purify.stateful
    class Config:
        def __init__(self, mode="a"):
            self.mode = mode
            self.n = jnp.asarray(0)

        def step(self, k, flag=True):
            if self.mode == "a":
                self.n += 1
            if isinstance(k, int) and k > 2:
                self.n += 10
            if flag:
                self.n += 100
            return self.n
    """
    module = load_module(src)
    text = purify.source(module.Config)
    assert 'if self.mode == "a":' in text and "if isinstance(k, int) and k > 2:" not in text
    # the argument `flag` may be traced: converted, and a concrete one runs Python's if
    assert "_if(flag," in text
    obj = module.Config()
    assert int(obj.step(3)) == 111 and int(obj.step(1, flag=False)) == 112
    out, _ = jax.jit(module.Config.step, static_argnums=1)(module.Config.init(), 3, False)
    assert int(out) == 11
    out, _ = jax.jit(module.Config.step, static_argnums=1)(module.Config.init(), 3, jnp.asarray(True))
    assert int(out) == 111


def test_a_key_drawn_in_one_branch_advances_the_counter_there_only():
    src = """
    @purify.stateful
    class Noisy:
        def __init__(self):
            self.rng = purify.Rng(0)
            self.x = jnp.asarray(0.0)

        def step(self, go):
            if go > 0:
                self.x = self.x + jax.random.uniform(self.rng())
            return self.x
    """
    module = load_module(src)
    obj = module.Noisy()
    eager = [float(obj.step(g)) for g in (1, 0, 1)]
    step, state, jitted = jax.jit(module.Noisy.step), module.Noisy.init(), []
    for g in (1, 0, 1):
        out, state = step(state, g)
        jitted.append(float(out))
    assert jitted == pytest.approx(eager)
    assert int(state.rng.counter) == 2 == int(purify.state_of(obj).rng.counter)
    lanes, state = jax.vmap(module.Noisy.step)(jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), module.Noisy.init()),
                                               jnp.asarray([1, 0]))
    assert [int(c) for c in state.rng.counter] == [1, 0]
    assert float(lanes[1]) == 0.0


def test_the_converted_source_names_the_branches_after_the_test():
    text = purify.source(load_module(THERMOSTAT).Thermostat)
    assert "def _if_t_lt_low(self):" in text and "def _else_t_lt_low(self):" in text
    assert "self = _if(self.t < self.low, _if_t_lt_low, _else_t_lt_low, (self,), ('self',))" in text
    ast.parse(text)


ERRORS = [
    ("shapes", """
        def f(self, x):
            if x > 0:
                y = jnp.zeros(3)
            else:
                y = 0.5
            return y
    """, "`y` is f32[3] when the test of this `if` is true and a Python float when it is false"),
    ("dtypes", """
        def f(self, x):
            if x > 0:
                self.n = jnp.zeros((), jnp.int32)
            return self.n
    """, "`self.n` is i32[] when the test of this `if` is true and f32[] when it is false"),
    ("one_branch", """
        def f(self, x):
            if x > 0:
                y = 2.0
            return y
    """, "`y` is bound in only one branch of this `if` on a traced value, and read after it"),
    ("array_test", """
        def f(self, x):
            if self.n + x:
                self.n = self.n + 1.0
            return self.n
    """, "the test of this `if` is an array of shape (2,), which has no single truth value"),
]


@pytest.mark.parametrize(("name", "method", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_branches_that_jax_cannot_join_are_refused_at_the_users_if(name, method, message):
    n = "jnp.zeros(2)" if name == "array_test" else "jnp.ones((), jnp.float32)"  # not weakly typed
    src = (f"@purify.stateful\nclass Bad:\n    def __init__(self):\n        self.n = {n}\n"
           + textwrap.indent(textwrap.dedent(method), "    "))
    module = load_module(src)
    with pytest.raises(purify.PurifyError) as info, jax.numpy_dtype_promotion("strict"):
        jax.jit(module.Bad.f)(module.Bad.init(), 1.0)  # (strict: JAX would not join int32 and float32)
    e = info.value
    assert message in e.bare_msg
    assert (e.filename, e.lineno) == (module.__file__, line_in(src, "if "))
    assert e.offset == 9 and e.hint  # the column of the `if`, and what to write instead


def test_int_and_float_branches_join_as_float_the_way_jax_promotes():
    src = """
    @purify.stateful
    class Join:
        def __init__(self):
            self.n = jnp.zeros((), jnp.int32)

        def f(self, x):
            if x > 0:
                self.n = self.n + jnp.ones((), jnp.float32) / 2
            return self.n
    """
    module = load_module(src)
    out, state = jax.jit(module.Join.f)(module.Join.init(), 1.0)
    assert float(out) == 0.5 and state.n.dtype == jnp.float32
    out, _ = jax.jit(module.Join.f)(module.Join.init(), -1.0)
    assert float(out) == 0.0


def test_weak_types_and_python_scalars_are_promoted_as_jax_does():
    src = """
    @purify.stateful
    class Mixed:
        def __init__(self):
            self.n = jnp.asarray(0)

        def f(self, x):
            if x > 0:
                y = 1
            else:
                y = 0.5
            if x > 1:
                self.n = 2.5
            return y, self.n
    """
    module = load_module(src)
    (y, n), _ = jax.jit(module.Mixed.f)(module.Mixed.init(), 2.0)
    assert float(y) == 1.0 and float(n) == 2.5
    plain = undecorated(src).Mixed()
    assert plain.f(2.0) == (1, 2.5)


def test_print_in_a_traced_branch_is_refused_with_the_construct():
    src = """
    @purify.stateful
    class Loud:
        def __init__(self):
            self.n = jnp.asarray(0.0)

        def f(self, x):
            if x > 0:
                print("positive")
                self.n = self.n + 1
            return self.n
    """
    module = load_module(src)
    assert float(module.Loud().f(1.0)) == 1.0  # eagerly the test is concrete: Python's if
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(module.Loud.f)(module.Loud.init(), 1.0)
    assert "print(...) (line" in info.value.bare_msg and "jax.debug.print" in info.value.hint
    assert info.value.lineno == line_in(src, "if x > 0")


LOOPS = """
@purify.stateful
class Ball:
    def __init__(self):
        self.h = jnp.asarray(10.0)
        self.v = jnp.asarray(0.0)
        self.bounces = jnp.asarray(0)

    def fall(self, dt):
        steps = 0
        while self.h > 0:
            self.v = self.v - 9.8 * dt
            self.h = self.h + self.v * dt
            steps += 1
        self.v = -self.v * 0.8
        self.bounces += 1
        return steps

    def integrate(self, n, x):
        total = 0.0
        for i in range(1, n, 2):
            total = total + x * i
            self.h = self.h + 0.5
        return total
"""


def test_while_and_for_range_on_traced_values_agree_with_the_plain_class(tmp_path):
    module = load_module(LOOPS)
    plain = undecorated(LOOPS).Ball()
    want = [float(plain.fall(0.1)), float(plain.integrate(6, 2.0)), float(plain.fall(0.05))]
    obj = module.Ball()
    assert [float(obj.fall(0.1)), float(obj.integrate(6, 2.0)), float(obj.fall(0.05))] == pytest.approx(want)
    conv = load_module(convert_file(module.__file__), header=False)
    for cls in (module.Ball, conv.Ball):
        state = cls.init()
        a, state = jax.jit(cls.fall)(state, 0.1)
        b, state = jax.jit(cls.integrate)(state, 6, 2.0)  # the bound is traced: jax.lax.fori_loop
        c, state = jax.jit(cls.fall)(state, 0.05)
        assert [int(a), float(b), int(c)] == pytest.approx(want)
        assert float(state.h) == pytest.approx(float(plain.h), rel=1e-5)


def test_vmap_lanes_with_different_trip_counts_each_equal_their_plain_run():
    Ball = load_module(LOOPS).Ball
    ns = [0, 3, 8]
    outs, states = jax.vmap(Ball.integrate, in_axes=(None, 0, None))(Ball.init(), jnp.asarray(ns), 1.5)
    for i, n in enumerate(ns):
        plain = undecorated(LOOPS).Ball()
        assert float(outs[i]) == pytest.approx(float(plain.integrate(n, 1.5)))
        assert float(states.h[i]) == pytest.approx(float(plain.h))


def test_grad_through_a_for_over_a_python_range():
    Ball = load_module(LOOPS).Ball
    assert float(jax.grad(lambda x: Ball.integrate(Ball.init(), 6, x)[0])(2.0)) == pytest.approx(1 + 3 + 5)


def test_a_loop_value_whose_type_changes_is_refused_at_the_loop():
    src = """
    @purify.stateful
    class Grow:
        def __init__(self):
            self.n = jnp.asarray(0)

        def f(self, k):
            x = jnp.zeros(1)
            while self.n < k:
                x = jnp.concatenate([x, x])
                self.n += 1
            return x
    """
    module = load_module(src)
    assert module.Grow().f(2).shape == (4,)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(module.Grow.f)(module.Grow.init(), 2)
    assert "`x` is f32[1] before an iteration of this `while` and f32[2] after it" in info.value.bare_msg
    assert info.value.lineno == line_in(src, "while self.n < k")


def test_a_list_appended_in_a_traced_loop_is_refused():
    src = """
    @purify.stateful
    class Collect:
        def __init__(self):
            self.n = jnp.asarray(0)

        def f(self, k):
            ys = []
            for i in range(k):
                ys.append(i)
                self.n += 1
            return ys
    """
    module = load_module(src)
    assert module.Collect().f(3) == [0, 1, 2]
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(module.Collect.f)(module.Collect.init(), 3)
    assert "ys.append(...) (line" in info.value.bare_msg and "ys = ys.at[i].set(y)" in info.value.hint
    assert info.value.lineno == line_in(src, "for i in range(k)")


def test_min_and_max_of_traced_values_clamp_under_jit_and_grad():
    src = """
    @purify.stateful
    class Clip:
        def __init__(self, k=3):
            self.k = k
            self.x = jnp.asarray(0.0)

        def f(self, u):
            self.x = max(min(self.x + u, 1.0), -1.0)
            return max(self.k, 2) * abs(self.x)
    """
    module = load_module(src)
    plain = undecorated(src).Clip()
    want = [float(plain.f(u)) for u in (0.5, 2.0, -4.0)]
    step, state, got = jax.jit(module.Clip.f), module.Clip.init(), []
    for u in (0.5, 2.0, -4.0):
        out, state = step(state, u)
        got.append(float(out))
    assert got == pytest.approx(want)
    assert "max(self.k, 2)" in purify.source(module.Clip)  # static configuration: the builtin
    grad = jax.grad(lambda u: module.Clip.f(module.Clip.init(), u)[0])
    assert float(grad(0.3)) == pytest.approx(3.0) and float(grad(3.0)) == pytest.approx(0.0)


SEARCH = """
@purify.stateful
class Search:
    def __init__(self):
        self.x = jnp.asarray(0.0)
        self.hits = jnp.asarray(0)

    def run(self, limit, n):
        k = 0
        while k < limit:
            k += 1
            if k % 3 == 0:
                continue
            self.x = self.x + k
            if self.x > 20:
                break
            self.hits += 1
        total = 0
        for i in range(n):
            if i % 2 == 0:
                continue
            total += i
        return k, total
"""


def test_break_and_continue_in_traced_loops_agree_with_the_plain_class():
    module = load_module(SEARCH)
    text = purify.source(module.Search)
    assert "_broke = False" in text and "_while(" in text and "_for_range(" in text
    cases = [(10, 5), (3, 0), (20, 7)]
    plains = [undecorated(SEARCH).Search() for _ in cases]
    wants = [p.run(limit, n) for p, (limit, n) in zip(plains, cases)]
    for (limit, n), want, plain in zip(cases, wants, plains):
        out, state = jax.jit(module.Search.run)(module.Search.init(), limit, n)
        assert (int(out[0]), int(out[1])) == want
        assert (float(state.x), int(state.hits)) == (float(plain.x), int(plain.hits))
    outs, states = jax.vmap(module.Search.run, in_axes=(None, 0, 0))(
        module.Search.init(), jnp.asarray([c[0] for c in cases]), jnp.asarray([c[1] for c in cases]))
    assert [(int(a), int(b)) for a, b in zip(*outs)] == wants
    assert [float(x) for x in states.x] == [float(p.x) for p in plains]
    obj = module.Search()
    assert tuple(int(v) for v in obj.run(10, 5)) == wants[0]


def test_purify_vmap_lanes_draw_their_own_keys_inside_a_branch():
    src = """
    @purify.stateful
    class Dropper:
        def __init__(self):
            self.rng = purify.Rng(0)
            self.x = jnp.asarray(0.0)

        def step(self, go):
            if go > 0:
                self.x = jax.random.uniform(self.rng())
            return self.x
    """
    module = load_module(src)
    step = purify.vmap(module.Dropper.step, in_axes=(None, 0))
    outs, states = step(module.Dropper.init(), jnp.asarray([1, 1, 0]))
    assert float(outs[0]) != float(outs[1])  # each lane folds in its index, as with no branch
    assert float(outs[2]) == 0.0 and [int(c) for c in states.rng.counter] == [1, 1, 0]
    straight, _ = purify.vmap(module.Dropper.step, in_axes=(None, 0))(module.Dropper.init(), jnp.asarray([1, 1]))
    assert [float(o) for o in straight] == [float(o) for o in outs[:2]]


def test_reverse_mode_grad_through_a_traced_while_is_refused_at_the_loop():
    src = """
    @purify.stateful
    class Doubler:
        def __init__(self):
            self.x = jnp.asarray(1.0)

        def f(self, k):
            i = 0
            while i < k:
                self.x = self.x * 2.0
                i += 1
            return self.x
    """
    module = load_module(src)
    D = module.Doubler

    def loss(x, k):
        return D.f(D.init()._replace(x=x), k)[0]

    assert float(jax.grad(loss)(1.0, 3)) == 8.0  # a Python k: a Python loop, differentiated
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(jax.grad(loss))(1.0, 3)
    assert "cannot differentiate in reverse mode" in info.value.bare_msg and "range(n)" in info.value.hint
    assert info.value.lineno == line_in(src, "while i < k")
    tangent = jax.jvp(lambda x: jax.jit(loss)(x, 3), (1.0,), (1.0,))[1]  # forward mode works (k traced)
    assert float(tangent) == 8.0


FILTERS = """
@purify.stateful
class Filters:
    def __init__(self):
        self.vals = [jnp.asarray(1.0), jnp.asarray(-2.0), jnp.asarray(3.0)]
        self.k = 2

    def first(self):
        return sum(v for i, v in enumerate(self.vals) if i < self.k and i != 5)

    def positive(self):
        return sum(v for v in self.vals if v > 0)
"""


def test_a_comprehension_filter_on_a_traced_value_is_refused_at_its_line(tmp_path):
    """`if` in a comprehension: a Python value filters as written (under jax.jit too); a traced one
    would make the number of items depend on a value, and was JAX's TracerBoolConversionError."""
    module, plain = load_module(FILTERS), undecorated(FILTERS).Filters()
    assert module.Filters().first() == plain.first() and module.Filters().positive() == plain.positive() == 4.0
    assert float(jax.jit(module.Filters.first)(module.Filters.init())[0]) == -1.0
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(module.Filters.positive)(module.Filters.init())
    e = info.value
    assert "this comprehension's `if` tests a traced value" in e.bare_msg and "jnp.where(test, x, 0)" in e.hint
    assert (e.lineno, e.offset) == (line_in(FILTERS, "if v > 0"), 9)
    from tests.test_semantics_objects import converted as converted_module

    converted = converted_module(tmp_path, FILTERS)
    assert float(jax.jit(converted.Filters.first)(converted.Filters.init())[0]) == -1.0
    with pytest.raises(TypeError, match="this comprehension's `if` tests a traced value"):
        jax.jit(converted.Filters.positive)(converted.Filters.init())
