"""Eager instances of a @stateful class: they work as the class was written; `purify.state_of`,
attribute reads and writes, `purify.jit(obj.method)` (state threaded, old buffers donated), and
`jax.jit(obj.method)` refused with a PurifyError that says what to do instead."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import purify
from tests.conftest import load_module

SRC = """
@purify.stateful
class Counter:
    \"\"\"A simple counter.\"\"\"

    def __init__(self, start=0):
        self.n = start

    def count(self) -> int:
        self.n += 1
        return self.n

    def reset(self):
        self.n = 0


@purify.stateful
class Model:
    RATE = 0.5

    def __init__(self, size, name="model"):
        self.name = name
        self.w = jnp.zeros(size)
        self.steps = jnp.asarray(0)
        self._private = jnp.ones(())

    def step(self, x, scale=1.0):
        self.w = self.w + x * scale
        self.steps += 1
        return self.w.sum()

    def repeat(self, x, times):
        for _ in range(times):
            self.step(x)
        return self.steps

    @property
    def norm(self):
        return jnp.sqrt((self.w ** 2).sum())

    @staticmethod
    def twice(v):
        return 2 * v

    @classmethod
    def rate(cls):
        return cls.RATE
"""


@pytest.fixture(scope="module")
def m():
    return load_module(SRC)


def test_instance_behaves_like_the_plain_class(m):
    c = m.Counter()
    assert isinstance(c, m.Counter)
    assert [c.count(), c.count(), c.count()] == [1, 2, 3]
    assert c.n == 3
    assert c.reset() is None and c.n == 0
    assert m.Counter(10).count() == 11
    a, b = m.Counter(), m.Counter()
    a.count()
    assert (a.n, b.n) == (1, 0)  # instances do not share state
    assert m.Counter.__doc__ == "A simple counter."


def test_state_of_and_pure_api_agree(m):
    c = m.Counter(5)
    c.count()
    s = purify.state_of(c)
    assert type(s) is m.Counter.State and s == m.Counter.State(n=6)
    assert m.Counter.State.__name__ == "CounterState" and m.Counter.State._fields == ("n",)
    assert m.Counter.init(5) == m.Counter.State(n=5)
    assert m.Counter.count(s) == (7, m.Counter.State(n=7))
    assert c.n == 6  # the pure API never touches the instance
    purify.set_state(c, m.Counter.State(n=40))
    assert c.count() == 41
    with pytest.raises(purify.PurifyError, match="expected a CounterState"):
        purify.set_state(c, (1,))


def test_properties_static_and_class_methods_on_instances(m):
    obj = m.Model(2)
    obj.step(jnp.asarray([3.0, 4.0]))
    assert float(obj.norm) == 5.0
    assert obj.twice(3) == 6 and m.Model.twice(4) == 8
    assert obj.rate() == 0.5 and m.Model.rate() == 0.5
    assert obj.RATE == 0.5
    assert obj.name == "model"
    assert float(obj._private) == 1.0  # protected names read as written
    assert float(m.Model.norm(purify.state_of(obj))) == 5.0  # on the class: the pure function


def test_setting_fields_on_an_instance(m):
    c = m.Counter()
    c.n = 41
    assert c.count() == 42
    assert purify.state_of(c).n == 42
    obj = m.Model(3)
    obj.w = jnp.ones(3)
    obj._private = jnp.asarray(7.0)
    assert float(obj.step(1.0)) == 6.0
    assert float(purify.state_of(obj).private_) == 7.0


def test_unknown_attributes(m):
    c = m.Counter()
    with pytest.raises(AttributeError, match="'Counter' object has no attribute 'missing'"):
        c.missing  # noqa: B018
    assert not hasattr(c, "missing")
    with pytest.raises(purify.PurifyError) as info:
        c.total = 1
    e = info.value
    assert "Counter has no state field 'total'" in e.bare_msg and "fields: n" in e.bare_msg
    assert "create self.total in __init__" in e.hint
    assert purify.state_of(c) == m.Counter.State(n=0)  # unchanged


def test_method_keyword_arguments_and_defaults(m):
    obj = m.Model(2)
    assert float(obj.step(1.0, scale=3.0)) == 6.0
    assert int(obj.repeat(1.0, 2)) == 3
    np.testing.assert_allclose(obj.w, [5.0, 5.0])


# -- purify.jit ---------------------------------------------------------------------------


def test_purify_jit_threads_the_instance_state(m):
    counter = m.Counter()
    fast = purify.jit(counter.count)
    assert [int(fast()) for _ in range(3)] == [1, 2, 3]  # never the seed's 1, 1, 1
    assert counter.n == 3
    assert counter.count() == 4  # eager and compiled calls share one state
    assert int(fast()) == 5


def test_purify_jit_donates_the_old_state(m):
    obj = m.Model(4)
    fast = purify.jit(obj.step)
    out1 = fast(jnp.ones(4))
    old = purify.state_of(obj)
    old_w, old_steps = old.w, old.steps
    out2 = fast(jnp.ones(4))
    assert old_w.is_deleted() and old_steps.is_deleted()
    new = purify.state_of(obj)
    assert not new.w.is_deleted()
    assert float(out1) == 4.0 and float(out2) == 8.0  # earlier outputs stay valid
    np.testing.assert_allclose(obj.w, [2.0] * 4)
    assert int(obj.steps) == 2
    assert obj.name == "model"  # static fields ride along


def test_purify_jit_with_static_and_keyword_arguments(m):
    obj = m.Model(2)
    rep = purify.jit(obj.repeat, static_argnums=1)
    assert int(rep(1.0, 3)) == 3
    assert int(rep(1.0, 2)) == 5
    step = purify.jit(obj.step)
    assert float(step(jnp.ones(2), scale=2.0)) == 14.0


def test_purify_jit_of_the_pure_function_donates_the_state(m):
    step = purify.jit(m.Model.step)
    s = m.Model.init(3)
    out, s2 = step(s, jnp.ones(3))
    assert s.w.is_deleted()
    assert float(out) == 3.0 and int(s2.steps) == 1


# -- jax transformations of an instance's method are refused -------------------------------


def _check_refusal(e: purify.PurifyError, method: str = "count", cls: str = "Counter") -> None:
    assert f"{cls}.{method} was called on an instance inside a JAX transformation" in str(e)
    assert "1, 1, 1" in str(e)
    assert f"purify.jit(obj.{method})" in e.hint
    assert f"jax.jit({cls}.{method})(state" in e.hint


def test_jax_jit_of_an_instance_method_raises(m):
    counter = m.Counter()
    fast_count = jax.jit(counter.count)
    with pytest.raises(purify.PurifyError) as info:
        fast_count()
    _check_refusal(info.value)
    assert counter.n == 0  # nothing half done


def test_other_transformations_of_an_instance_method_raise(m):
    obj = m.Model(2)
    with pytest.raises(purify.PurifyError) as info:
        jax.grad(obj.step)(1.0)
    _check_refusal(info.value, "step", "Model")
    with pytest.raises(purify.PurifyError):
        jax.vmap(obj.step)(jnp.ones(3))
    with pytest.raises(purify.PurifyError):
        jax.jit(lambda x: obj.step(x) * 2)(1.0)  # a closure over the instance
    with pytest.raises(purify.PurifyError):
        jax.lax.scan(lambda c, x: (c, obj.step(x)), 0.0, jnp.ones(3))
    assert int(obj.steps) == 0


def test_seed_pattern_with_pure_api_under_jit(m):
    state = m.Counter.init()
    fast_count = jax.jit(m.Counter.count)
    values = []
    for _ in range(3):
        value, state = fast_count(state)
        values.append(int(value))
    assert values == [1, 2, 3]
