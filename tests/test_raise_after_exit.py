"""A `raise` under an `if` of its own in the code after a traced early `return` (simple-pid's
`elif dt <= 0: raise ValueError(...)` after `if not self.auto_mode: return ...`), and in a branch
of an `if` on a traced value.

The code after the early exit becomes a branch of the traced `if`; the inner `if` keeps its
Python form and decides on a Python value (a Python argument) while JAX traces. Each class runs
every way against its undecorated self: the decorated instance eagerly (raising, with the state
Python's object is left with, and not), the pure API under `jax.jit`, `jax.vmap` (lanes taking the
early return and not, each against its own plain run) and `jax.grad`, and the `purify convert`
output. A `raise` that runs while JAX traces such a branch is refused at its line, in both
outputs; a `raise` on a traced test stays refused at its `if`.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, line_in, load_module, undecorated
from tests.fuzz.cli import convert_file

CONTROLLER = """
@purify.stateful
class Controller:
    def __init__(self, auto=True):
        self.auto = jnp.asarray(auto)
        self.out = jnp.asarray(0.0)
        self.calls = jnp.asarray(0)

    def step(self, error, dt=None):
        if not self.auto:
            return self.out
        self.calls += 1
        if dt is None:
            dt = 0.5
        elif dt <= 0:
            raise ValueError(f"dt has negative value {dt}, must be positive")
        self.out = self.out + error * dt
        return self.out
"""

RAISED = "this line raised ValueError (dt has negative value -1.0, must be positive) while JAX traced a branch"


@pytest.fixture(scope="module")
def modules():
    module = load_module(CONTROLLER)
    return {"plain": undecorated(CONTROLLER), "decorated": module,
            "converted": load_module(convert_file(module.__file__), header=False)}


def lane_states(cls, autos):
    states = [cls.init(auto=a) for a in autos]
    return jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *states)


@pytest.mark.parametrize("auto", [True, False])
@pytest.mark.parametrize("dt", [None, 0.25, -1.0])
def test_the_instance_runs_and_raises_eagerly_as_python(modules, auto, dt):
    plain, obj = modules["plain"].Controller(auto), modules["decorated"].Controller(auto)
    for _ in range(2):
        outcomes = []
        for c in (plain, obj):
            try:
                outcomes.append(("returned", np.asarray(c.step(2.0, dt)).tolist()))
            except ValueError as e:
                outcomes.append(("raised", str(e)))
        assert outcomes[0] == outcomes[1]
        assert_same(plain, obj, where="the state after the call")  # (calls += 1 kept before the raise)
    assert (outcomes[0][0] == "raised") == (auto and dt is not None and dt < 0)


@pytest.mark.parametrize("which", ["decorated", "converted"])
@pytest.mark.parametrize("dt", [None, 0.25])
def test_under_jit_and_vmap_lanes_taking_the_early_return_and_not_run_as_python(modules, which, dt):
    cls = modules[which].Controller
    autos = [True, False, True]
    step = jax.jit(jax.vmap(lambda s, e: cls.step(s, e, dt)))
    states, errors = lane_states(cls, autos), jnp.asarray([1.0, 2.0, -3.0])
    plains = [modules["plain"].Controller(a) for a in autos]
    for _ in range(3):
        out, states = step(states, errors)
        want = [p.step(float(e), dt) for p, e in zip(plains, errors)]
        np.testing.assert_allclose(np.asarray(out), np.asarray(want))
    for i, p in enumerate(plains):
        assert_same(jax.tree_util.tree_map(lambda x, i=i: x[i], states), p, where=f"lane {i}")
    one, _ = jax.jit(lambda s, e: cls.step(s, e, dt))(cls.init(), 2.0)
    assert float(one) == float(modules["plain"].Controller().step(2.0, dt))


def test_jax_grad_through_the_branch_after_the_early_return(modules):
    cls = modules["decorated"].Controller

    def out(error, state):
        return cls.step(state, error, 0.25)[0]

    def by_hand(error, state):  # the same step written with jnp.where
        return jnp.where(state.auto, state.out + error * 0.25, state.out)

    for auto in (True, False):
        state = cls.init(auto=auto)
        got = jax.jit(jax.grad(out))(2.0, state)
        assert float(got) == float(jax.grad(by_hand)(2.0, state)) == (0.25 if auto else 0.0)


@pytest.mark.parametrize("wrap", [jax.jit, jax.vmap])
def test_a_raise_that_runs_while_jax_traces_the_branch_is_refused_at_the_raise(modules, wrap):
    cls = modules["decorated"].Controller
    states = lane_states(cls, [True, False]) if wrap is jax.vmap else cls.init()
    errors = jnp.asarray([1.0, 2.0]) if wrap is jax.vmap else 1.0
    with pytest.raises(purify.PurifyError) as info:
        wrap(lambda s, e: cls.step(s, e, -1.0))(states, errors)
    e = info.value
    assert e.bare_msg.startswith(RAISED), e.bare_msg
    assert f"on a traced value at line {line_in(CONTROLLER, 'if not self.auto')}" in e.bare_msg
    assert (e.filename, e.lineno, e.offset) == (modules["decorated"].__file__, line_in(CONTROLLER, "raise ValueError"),
                                                13)
    assert "check the value before that `if`" in e.hint and "Tracer" not in str(e)


def test_in_the_converted_module_the_refusal_names_the_raise_line(modules):
    conv = modules["converted"]
    with pytest.raises(TypeError) as info:
        jax.jit(lambda s, e: conv.Controller.step(s, e, -1.0))(conv.Controller.init(), 1.0)
    where, msg = str(info.value).split(": ", 1)
    filename, line = where.rsplit(":", 1)
    assert filename == conv.__file__ and msg.startswith(RAISED), msg
    assert Path(filename).read_text().splitlines()[int(line) - 1].strip().startswith("raise ValueError(")


def test_a_traced_dt_is_still_refused_at_its_own_if(modules):
    cls = modules["decorated"].Controller
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(cls.step)(cls.init(), 1.0, 0.25)
    e = info.value
    assert "this `if` branches on a traced value and a branch raises" in e.bare_msg
    assert (e.lineno, e.offset) == (line_in(CONTROLLER, "elif dt <= 0"), 9)


NESTED = """
@purify.stateful
class Tank:
    def __init__(self):
        self.level = jnp.asarray(1.0)

    def drain(self, amount, strict=False):
        if self.level > amount:
            if strict and amount < 0:
                raise ValueError("a negative amount")
            self.level = self.level - amount
        else:
            self.level = jnp.asarray(0.0)
        return self.level

    def check(self, amount):
        if amount < 0:
            raise ValueError("checked: a negative amount")

    def drain_checked(self, amount, strict):
        if self.level > 0:
            if strict:
                self.check(amount)
            self.level = self.level - amount
        return self.level
"""


def test_a_raise_under_an_inner_if_of_a_traced_branch_is_decided_by_python():
    plain, module = undecorated(NESTED), load_module(NESTED)
    for strict in (False, True):
        state, obj = module.Tank.init(), plain.Tank()
        for a in (0.25, 0.5, 2.0):  # (Python amounts: `amount < 0` is Python's too)
            out, state = jax.jit(lambda s, a=a, strict=strict: module.Tank.drain(s, a, strict))(state)
            assert float(out) == obj.drain(a, strict)
    out, _ = jax.jit(lambda s, a: module.Tank.drain(s, a, False))(module.Tank.init(), -1.0)
    assert float(out) == plain.Tank().drain(-1.0, False)  # (`strict and ...` stops at a Python False)
    with pytest.raises(ValueError, match="a negative amount"):
        module.Tank().drain(-1.0, True)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(lambda s: module.Tank.drain(s, -1.0, True))(module.Tank.init())
    assert "this line raised ValueError (a negative amount)" in info.value.bare_msg
    assert info.value.lineno == line_in(NESTED, 'raise ValueError("a negative amount")')


def test_a_raise_in_a_method_the_branch_calls_is_refused_at_that_raise():
    module = load_module(NESTED)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(lambda s: module.Tank.drain_checked(s, -1.0, True))(module.Tank.init())
    assert "this line raised ValueError (checked: a negative amount)" in info.value.bare_msg
    assert info.value.lineno == line_in(NESTED, 'raise ValueError("checked')
    out, _ = jax.jit(lambda s: module.Tank.drain_checked(s, 0.5, True))(module.Tank.init())
    assert float(out) == undecorated(NESTED).Tank().drain_checked(0.5, True)


IN_TRY = """
@purify.stateful
class Guarded:
    def __init__(self):
        self.n = jnp.asarray(0.0)

    def f(self, x, strict):
        try:
            if x > 0:
                self.n = self.n + 1.0
                if strict:
                    raise ValueError("strict")
        except ValueError:
            self.n = self.n * 10.0
        return self.n
"""


def test_in_a_try_the_if_keeps_its_python_form_so_the_handler_sees_the_branchs_changes():
    plain, module = undecorated(IN_TRY), load_module(IN_TRY)
    for strict in (False, True):
        obj, ref = module.Guarded(), plain.Guarded()
        assert float(obj.f(1.0, strict)) == ref.f(1.0, strict) == (10.0 if strict else 1.0)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(lambda s, x: module.Guarded.f(s, x, True))(module.Guarded.init(), 1.0)
    assert "this `if` branches on a traced value and a branch raises" in info.value.bare_msg
    assert (info.value.lineno, info.value.offset) == (line_in(IN_TRY, "if x > 0"), 13)


LOOPS = """
@purify.stateful
class Acc:
    def __init__(self):
        self.x = jnp.asarray(0.0)
        self.n = jnp.asarray(0)

    def run(self, k, step=1.0):
        i = 0
        while i < k:
            i += 1
            self.n += 1
            if step <= 0:
                raise ValueError("step must be positive")
            self.x = self.x + step
        return self.x

    def fill(self, k, step=1.0):
        for i in range(k):
            if step <= 0:
                raise ValueError("step must be positive")
            self.x = self.x + step * i
        return self.x
"""


@pytest.mark.parametrize("method", ["run", "fill"])
def test_a_raise_under_an_if_in_a_traced_loop_is_decided_by_python(method):
    plain, module = undecorated(LOOPS), load_module(LOOPS)
    conv = load_module(convert_file(module.__file__), header=False)
    ks = jnp.asarray([0, 2, 3])
    for cls in (module.Acc, conv.Acc):
        out, _ = jax.jit(getattr(cls, method))(cls.init(), 3)  # (a traced bound: a jax.lax loop)
        assert float(out) == getattr(plain.Acc(), method)(3)
        outs, states = jax.vmap(getattr(cls, method), in_axes=(None, 0))(cls.init(), ks)
        for i, k in enumerate(ks.tolist()):
            obj = plain.Acc()
            assert float(outs[i]) == getattr(obj, method)(k)
            assert_same(jax.tree_util.tree_map(lambda x, i=i: x[i], states), obj, where=f"lane {i}")
    obj, ref = module.Acc(), plain.Acc()
    for c in (obj, ref):
        with pytest.raises(ValueError, match="step must be positive"):
            getattr(c, method)(2, -1.0)
    assert_same(ref, obj, where="the state after the raise")  # (`run` counted one iteration first)


@pytest.mark.parametrize(("method", "kind"), [("run", "while"), ("fill", "for")])
def test_a_raise_that_runs_while_jax_traces_a_loop_body_is_refused_at_the_raise(method, kind):
    module = load_module(LOOPS)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(lambda s, k: getattr(module.Acc, method)(s, k, -1.0))(module.Acc.init(), 3)
    e = info.value
    loop = line_in(LOOPS, "while i < k" if kind == "while" else "for i in range(k)")
    assert e.bare_msg.startswith("this line raised ValueError (step must be positive) while JAX traced the body "
                                 f"of the `{kind}` loop on a traced value at line {loop}")
    raises = [i + 1 for i, line in enumerate(Path(module.__file__).read_text().splitlines()) if "raise ValueError" in line]
    assert (e.lineno, e.offset) == (raises[0 if kind == "while" else 1], 17)
    assert f"check the value before that `{kind}` loop" in e.hint
    conv = load_module(convert_file(module.__file__), header=False)
    with pytest.raises(TypeError, match=f"while JAX traced the body of the `{kind}` loop") as info:
        jax.jit(lambda s, k: getattr(conv.Acc, method)(s, k, -1.0))(conv.Acc.init(), 3)
    filename, line = str(info.value).split(": ")[0].rsplit(":", 1)
    assert Path(filename).read_text().splitlines()[int(line) - 1].strip().startswith("raise ValueError(")


CALL_IN_TRY = """
@purify.stateful
class G:
    def __init__(self):
        self.x = jnp.asarray(1.0)
        self.n = jnp.asarray(0.0)

    def check(self, dt):
        if dt < 0:
            raise ValueError("neg")

    def f(self, dt):
        try:
            if self.x > 0:
                self.n = self.n + 1.0
                self.check(dt)
        except ValueError:
            pass
        return self.n
"""


def test_a_call_raising_after_a_change_in_a_branch_inside_a_try_is_refused_at_the_if():
    """The branch runs as a function: the handler would see the state from before it (the
    eager instance gave n 0 where Python gives 1, on 1fcc9cd). Checking first converts."""
    with pytest.raises(purify.PurifyError) as info:
        load_module(CALL_IN_TRY)
    e = info.value
    assert e.bare_msg.startswith("this `if` is on a value that may be traced, so its code runs as a function")
    assert (e.lineno, e.offset) == (line_in(CALL_IN_TRY, "if self.x > 0:"), 13)
    checked_first = CALL_IN_TRY.replace("                self.n = self.n + 1.0\n                self.check(dt)",
                                        "                self.check(dt)\n                self.n = self.n + 1.0")
    assert checked_first != CALL_IN_TRY
    plain, module = undecorated(checked_first), load_module(checked_first)
    for dt in (-1.0, 1.0):
        assert float(module.G().f(dt)) == float(plain.G().f(dt))
    out, _ = jax.jit(lambda s: module.G.f(s, 1.0))(module.G.init())  # dt a Python value
    assert float(out) == 1.0
