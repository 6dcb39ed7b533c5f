"""Classes as their authors wrote them (issue 14): methods that return `self` (river's
`Mean.update`, `__iadd__`), caching properties (filterpy's `log_likelihood`), property setters
(simple-pid's `tunings` and `output_limits`, also run from `__init__`) and `typing.Generic`
bases. Each runs eagerly, through the pure API under `jax.jit` and `jax.vmap`, and through the
`purify convert` output, against the same code without the decorator."""

from __future__ import annotations

import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import HEADER, load_module, undecorated
from tests.test_cli import convert


@pytest.fixture(autouse=True)
def float64():
    """Compare in float64, as the originals compute (and only inside these tests)."""
    with jax.enable_x64(True):
        yield


def converted(source: str, tmp_path):
    """The `purify convert` output of `source`, imported (it never imports purify)."""
    path = tmp_path / "orig.py"
    path.write_text(HEADER + textwrap.dedent(source))
    code, out, err = convert(path)
    assert code == 0, err
    assert "import purify" not in out
    return load_module(out, header=False)


MEAN = """
    import copy

    @purify.stateful
    class Mean:
        \"\"\"river's stats.Mean: a running mean, mergeable.\"\"\"

        def __init__(self):
            self.n = 0.0
            self._mean = 0.0

        def update(self, x, w=1.0):
            self.n += w
            self._mean += (w / self.n) * (x - self._mean)
            return self

        def revert(self, x, w=1.0):
            self.n -= w
            self._mean -= (w / self.n) * (x - self._mean)
            return self

        def get(self):
            return self._mean

        def batch(self, xs):
            for x in xs:
                self.update(x)
            return self.update(0.0)
"""


def test_return_self_is_the_object_eagerly_and_the_new_state_in_the_pure_api(tmp_path):
    mod, plain = load_module(MEAN), undecorated(MEAN)
    xs = [1.0, 4.0, 2.5, 8.0]
    m, p = mod.Mean(), plain.Mean()
    for x in xs:
        assert m.update(x) is m
        p.update(x)
    assert m.revert(4.0).revert(1.0) is m
    p.revert(4.0).revert(1.0)
    assert m.get() == pytest.approx(p.get(), abs=1e-15) and m.n == p.n
    assert m.batch([3.0, 5.0]) is m and p.batch([3.0, 5.0]) is p
    assert m.get() == pytest.approx(p.get(), abs=1e-15)
    fast = purify.jit(m.update)
    assert fast(7.0) is m and p.update(7.0) is p
    assert float(m.get()) == pytest.approx(p.get(), abs=1e-12)

    conv = converted(MEAN, tmp_path)
    for Cls in (mod.Mean, conv.Mean):
        state = Cls.init()
        step = jax.jit(Cls.update)
        for x in xs:
            out, state = step(state, x)
            assert jax.tree_util.tree_all(jax.tree_util.tree_map(lambda a, b: a == b, out, state))
        assert type(out) is Cls.State
        out, state = Cls.revert(state, 4.0)
        out, state = Cls.revert(out, 1.0)  # `out` is the new state: chaining in the pure API
        ref = plain.Mean().update(1.0).update(4.0).update(2.5).update(8.0).revert(4.0).revert(1.0)
        assert float(Cls.get(state)[0]) == pytest.approx(ref.get(), abs=1e-12)
    # vmap: a batch of means, lane by lane against the plain class
    data = np.array([[1.0, 2.0], [3.0, 5.0], [0.5, -1.0]])
    states = jax.vmap(lambda _: mod.Mean.init())(jnp.arange(3))
    for j in range(2):
        _, states = jax.vmap(mod.Mean.update)(states, jnp.asarray(data[:, j]))
    for lane in range(3):
        ref = plain.Mean().update(data[lane, 0]).update(data[lane, 1])
        assert float(states.mean_[lane]) == pytest.approx(ref.get(), abs=1e-15)


def test_a_call_returning_self_kept_as_a_value_is_refused_where_it_is():
    source = """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0.0

            def bump(self):
                self.n += 1
                return self

            def f(self):
                me = self.bump()
                self.n += 1
                return me.n
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert "self.bump() returns the object itself" in e.bare_msg
    assert (e.lineno, e.offset) == (16, 14)
    assert "call it as a statement" in e.hint


KALMAN = """
    @purify.stateful
    class KalmanFilter:
        \"\"\"filterpy's shape: `log_likelihood` computed on first read and cached in self.\"\"\"

        def __init__(self, dim):
            self.x = jnp.zeros(dim)
            self.P = jnp.eye(dim)
            self.y = jnp.zeros(dim)
            self.S = jnp.eye(dim)
            self._log_likelihood = None
            self.reads = 0

        def update(self, z):
            self.y = z - self.x
            self.S = self.P + jnp.eye(self.x.shape[0])
            K = self.P @ jnp.linalg.inv(self.S)
            self.x = self.x + K @ self.y
            self.P = (jnp.eye(self.x.shape[0]) - K) @ self.P
            self._log_likelihood = None

        @property
        def log_likelihood(self):
            if self._log_likelihood is None:
                d = self.y.shape[0]
                _, logdet = jnp.linalg.slogdet(self.S)
                maha = self.y @ jnp.linalg.solve(self.S, self.y)
                self._log_likelihood = -0.5 * (d * jnp.log(2 * jnp.pi) + logdet + maha)
                self.reads += 1
            return self._log_likelihood
"""


def test_a_caching_property_updates_the_instance_and_returns_value_and_state(tmp_path):
    mod, plain = load_module(KALMAN), undecorated(KALMAN)
    zs = np.array([[1.0, 2.0], [1.5, 1.0], [0.2, 0.4]])
    kf, ref = mod.KalmanFilter(2), plain.KalmanFilter(2)
    for z in zs:
        kf.update(jnp.asarray(z))
        ref.update(jnp.asarray(z))
        assert float(kf.log_likelihood) == pytest.approx(float(ref.log_likelihood), abs=1e-12)
        assert float(kf.log_likelihood) == pytest.approx(float(ref.log_likelihood), abs=1e-12)  # cached
        assert kf.reads == ref.reads and kf._log_likelihood is not None
    assert kf.reads == 3

    conv = converted(KALMAN, tmp_path)
    for Cls in (mod.KalmanFilter, conv.KalmanFilter):
        state = Cls.init(2)
        _, state = jax.jit(Cls.update)(state, jnp.asarray(zs[0]))
        value, state = Cls.log_likelihood(state)  # `(value, state)`: the cache is in the new state
        assert float(state.log_likelihood_) == float(value) and state.reads == 1
        again, state2 = Cls.log_likelihood(state)
        assert float(again) == float(value) and state2.reads == 1
        ref = plain.KalmanFilter(2)
        ref.update(jnp.asarray(zs[0]))
        assert float(value) == pytest.approx(float(ref.log_likelihood), abs=1e-12)
    # vmap over a batch of filters: the property's pure form is a function like any other
    states = jax.vmap(lambda _: mod.KalmanFilter.init(2))(jnp.arange(3))
    _, states = jax.vmap(mod.KalmanFilter.update)(states, jnp.asarray(zs))
    values = jax.vmap(lambda s: mod.KalmanFilter.update(s, jnp.zeros(2))[1])(states)
    for lane in range(3):
        ref = plain.KalmanFilter(2)
        ref.update(jnp.asarray(zs[lane]))
        ref.update(jnp.zeros(2))
        ll, _ = jax.jit(mod.KalmanFilter.log_likelihood)(jax.tree_util.tree_map(lambda a, i=lane: a[i], values))
        assert float(ll) == pytest.approx(float(ref.log_likelihood), abs=1e-12)


def test_reading_a_caching_property_inside_the_class_threads_it(tmp_path):
    """Refused before issue 14's second round ("purify threads only where the object is read from
    outside the class"); a read inside the class is threaded like a call now."""
    source = """
        @purify.stateful
        class C:
            def __init__(self):
                self._v = None

            @property
            def v(self):
                if self._v is None:
                    self._v = 1.0
                return self._v

            def twice(self):
                return self.v * 2
        """
    mod, plain = load_module(source), undecorated(source)
    c, p = mod.C(), plain.C()
    assert c.twice() == p.twice() == 2.0 and c._v == p._v == 1.0
    for Cls in (mod.C, converted(source, tmp_path).C):
        out, state = jax.jit(Cls.twice)(Cls.init())
        assert float(out) == 2.0 and float(state.v_) == 1.0


PID = """
    def _clamp(value, limits):
        lower, upper = limits
        if value is None:
            return None
        elif (upper is not None) and (value > upper):
            return upper
        elif (lower is not None) and (value < lower):
            return lower
        return value


    @purify.stateful
    class PID:
        \"\"\"simple-pid's PID, its setters as written (dt passed in, no clock).\"\"\"

        def __init__(self, Kp=1.0, Ki=0.0, Kd=0.0, setpoint=0.0, output_limits=(None, None)):
            self.Kp, self.Ki, self.Kd = Kp, Ki, Kd
            self.setpoint = setpoint
            self._min_output, self._max_output = None, None
            self._proportional = 0.0
            self._integral = 0.0
            self._derivative = 0.0
            self._last_output = None
            self._last_input = None
            self.output_limits = output_limits
            self.reset()

        def __call__(self, input_, dt):
            error = self.setpoint - input_
            d_input = input_ - (self._last_input if (self._last_input is not None) else input_)
            self._proportional = self.Kp * error
            self._integral += self.Ki * error * dt
            self._integral = _clamp(self._integral, self.output_limits)
            self._derivative = -self.Kd * d_input / dt
            output = self._proportional + self._integral + self._derivative
            output = _clamp(output, self.output_limits)
            self._last_output = output
            self._last_input = input_
            return output

        @property
        def tunings(self):
            return self.Kp, self.Ki, self.Kd

        @tunings.setter
        def tunings(self, tunings):
            self.Kp, self.Ki, self.Kd = tunings

        @property
        def output_limits(self):
            return self._min_output, self._max_output

        @output_limits.setter
        def output_limits(self, limits):
            if limits is None:
                self._min_output, self._max_output = None, None
                return
            min_output, max_output = limits
            if (None not in limits) and (max_output < min_output):
                raise ValueError('lower limit must be less than upper limit')
            self._min_output = min_output
            self._max_output = max_output
            self._integral = _clamp(self._integral, self.output_limits)
            self._last_output = _clamp(self._last_output, self.output_limits)

        def reset(self):
            self._proportional = 0.0
            self._integral = 0.0
            self._derivative = 0.0
            self._integral = _clamp(self._integral, self.output_limits)
            self._last_output = None
            self._last_input = None
"""


def test_property_setters_run_on_assignment_eagerly_and_are_pure_functions(tmp_path):
    mod, plain = load_module(PID), undecorated(PID)
    pid, ref = mod.PID(1.0, 0.5, 0.05, setpoint=1.0, output_limits=(-2.0, 2.0)), \
        plain.PID(1.0, 0.5, 0.05, setpoint=1.0, output_limits=(-2.0, 2.0))
    outs, refs = [], []
    for i, x in enumerate([0.0, 0.3, 0.6, 0.8, 0.9]):
        if i == 2:
            pid.tunings = (2.0, 0.1, 0.0)  # the setter, as in Python
            ref.tunings = (2.0, 0.1, 0.0)
            pid.output_limits = (-0.5, 0.5)
            ref.output_limits = (-0.5, 0.5)
        outs.append(pid(x, 0.1))
        refs.append(ref(x, 0.1))
    np.testing.assert_allclose(outs, refs, atol=1e-15)
    assert pid.tunings == ref.tunings and pid.output_limits == ref.output_limits
    with pytest.raises(ValueError, match="lower limit must be less than upper limit"):
        pid.output_limits = (1.0, 0.0)
    assert pid.output_limits == (-0.5, 0.5)

    conv = converted(PID, tmp_path)
    for Cls in (mod.PID, conv.PID):
        state = Cls.init(1.0, 0.5, 0.05, setpoint=1.0, output_limits=(-2.0, 2.0))
        out, state = Cls.tunings_setter(state, (2.0, 0.1, 0.0))
        assert out is None and Cls.tunings(state) == (2.0, 0.1, 0.0)
        _, state = Cls.output_limits_setter(state, (-0.5, 0.5))
        assert Cls.output_limits(state) == (-0.5, 0.5)
        ref = plain.PID(1.0, 0.5, 0.05, setpoint=1.0, output_limits=(-2.0, 2.0))
        ref.tunings, ref.output_limits = (2.0, 0.1, 0.0), (-0.5, 0.5)
        assert Cls.__call__(state, 0.2, 0.1)[0] == pytest.approx(ref(0.2, 0.1), abs=1e-15)


SETTER_JIT = """
    @purify.stateful
    class Gain:
        def __init__(self, k):
            self._k = jnp.zeros(())
            self.k = k  # runs the setter

        @property
        def k(self):
            return self._k

        @k.setter
        def k(self, value):
            self._k = jnp.abs(value)

        def __call__(self, x):
            self.k += 1.0
            return self.k * x
"""


def test_a_setter_under_jit_and_vmap_and_in_the_convert_output(tmp_path):
    mod, plain = load_module(SETTER_JIT), undecorated(SETTER_JIT)
    g, ref = mod.Gain(-2.0), plain.Gain(-2.0)
    assert float(g(3.0)) == float(ref(3.0)) and float(g.k) == float(ref.k) == 3.0
    conv = converted(SETTER_JIT, tmp_path)
    for Cls in (mod.Gain, conv.Gain):
        state = Cls.init(-2.0)
        _, state = jax.jit(Cls.k_setter)(state, -5.0)
        out, state = jax.jit(Cls.__call__)(state, 2.0)
        assert float(out) == 12.0 and float(Cls.k(state)) == 6.0
        states = jax.vmap(Cls.init)(jnp.array([-1.0, 2.0, -3.0]))
        _, states = jax.vmap(Cls.k_setter)(states, jnp.array([4.0, -5.0, 6.0]))
        np.testing.assert_array_equal(states.k_, [4.0, 5.0, 6.0])


def test_assigning_a_read_only_property_is_pythons_attribute_error():
    source = """
        @purify.stateful
        class C:
            def __init__(self):
                self._n = 0

            @property
            def n(self):
                return self._n
        """
    mod, plain = load_module(source), undecorated(source)
    with pytest.raises(AttributeError) as ours:
        mod.C().n = 3
    with pytest.raises(AttributeError) as python:
        plain.C().n = 3
    assert str(ours.value) == str(python.value) == "property 'n' of 'C' object has no setter"


GENERIC = """
    import typing
    from typing import Generic, TypeVar

    T = TypeVar("T")

    @purify.stateful
    class Box(Generic[T]):
        def __init__(self, value: T):
            super().__init__()
            self.value = value
            self.count = 0

        def put(self, value: T) -> None:
            self.value = value
            self.count += 1

    @purify.stateful
    class Stack(typing.Generic[T]):
        def __init__(self):
            self.n = 0

        def push(self):
            self.n += 1
            return self
"""


def test_typing_generic_bases_are_accepted(tmp_path):
    mod, plain = load_module(GENERIC), undecorated(GENERIC)
    b, ref = mod.Box(jnp.ones(2)), plain.Box(jnp.ones(2))
    b.put(jnp.zeros(2))
    ref.put(jnp.zeros(2))
    assert b.count == ref.count == 1 and isinstance(b, typing_generic(mod))
    assert mod.Stack().push().push().n == plain.Stack().push().push().n == 2
    conv = converted(GENERIC, tmp_path)
    for Cls in (mod.Box, conv.Box):
        _, state = jax.jit(Cls.put)(Cls.init(jnp.ones(2)), jnp.full(2, 3.0))
        assert state.count == 1 and state.value.tolist() == [3.0, 3.0]


def typing_generic(mod):
    return mod.Generic


def test_simple_pids_own_source_with_the_decorator_added(tmp_path):
    """simple-pid's PID as the library ships it, with `@purify.stateful` added and `__repr__` (built
    on `'...'.format(self=self)`, issue 14's eager-only methods) left out: its setters (`tunings`,
    `output_limits`, `auto_mode`, which calls the class's own `set_auto_mode`) run as in the
    library, from `__init__` too."""
    simple_pid = pytest.importorskip("simple_pid")
    import importlib.util
    import pathlib

    text = pathlib.Path(simple_pid.pid.__file__).read_text()
    start, end = text.index("    def __repr__(self):"), text.index("    @property\n    def components")
    ported = text[:start] + text[end:]
    ported = ported.replace("class PID(object):", "import purify\n\n\n@purify.stateful\nclass PID(object):")
    path = tmp_path / "pid_ported.py"
    path.write_text(ported)
    spec = importlib.util.spec_from_file_location("pid_ported", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    args = {"Kp": 1.0, "Ki": 0.1, "Kd": 0.05, "setpoint": 1.0, "sample_time": None, "output_limits": (-1.0, 1.0)}
    ours, lib = mod.PID(**args), simple_pid.PID(**args)
    for i, x in enumerate([0.0, 0.2, 0.5, 0.7, 0.9]):
        if i == 2:
            for pid in (ours, lib):
                pid.tunings = (2.0, 0.2, 0.0)
                pid.output_limits = (-0.5, 0.5)
                pid.auto_mode = False
                pid.auto_mode = True
                pid.set_auto_mode(True, last_output=0.1)
        assert ours(x, dt=0.1) == lib(x, dt=0.1)
    assert (ours.components, ours.tunings, ours.output_limits, ours.auto_mode) == \
        (lib.components, lib.tunings, lib.output_limits, lib.auto_mode)
    with pytest.raises(ValueError, match="lower limit must be less than upper limit"):
        ours.output_limits = (1.0, -1.0)

    state = mod.PID.init(**args)
    _, state = mod.PID.tunings_setter(state, (2.0, 0.2, 0.0))
    _, state = mod.PID.auto_mode_setter(state, False)
    assert mod.PID.tunings(state) == (2.0, 0.2, 0.0) and mod.PID.auto_mode(state) is False
    _, state = mod.PID.set_auto_mode(state, True, 0.3)  # (its module function `_clamp` branches on values)
    lib.auto_mode = False
    lib.set_auto_mode(True, last_output=0.3)
    assert float(state.integral_) == lib._integral
