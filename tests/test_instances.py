"""Eager instances of a @stateful class: they work as the class was written; `purify.state_of`,
attribute reads and writes, `purify.jit(obj.method)` (state threaded, old buffers donated), and
`jax.jit(obj.method)` refused with a PurifyError that says what to do instead."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

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


OWNERS = """
@purify.stateful
class Kid:
    def __init__(self, w):
        self.w = purify.param(w)

    def step(self, x):
        self.w = self.w + x
        return self.w.sum()


@purify.stateful
class Holder:
    def __init__(self, w, v):
        self.w = purify.param(w)  # the caller's array, stored as it is
        self.n = jnp.zeros(())
        self.kid = Kid(v)

    def step(self, x):
        self.n = self.n + (self.w * x).sum()
        return self.n

    def load(self, w):
        self.w = w
"""


def test_purify_jit_never_deletes_an_array_the_caller_gave():
    """The caller's arrays in the State (a constructor's argument, an assignment, an eager call's
    argument, `purify.set_state`) are donated as copies: they were deleted by the first compiled
    call (`RuntimeError: Array has been deleted`), though the caller never took them out of the
    state. What purify made is still donated."""
    mod = load_module(OWNERS)
    w, v = jnp.ones(3), jnp.full(2, 3.0)
    obj = mod.Holder(w, v)
    step, kid_step = purify.jit(obj.step), purify.jit(obj.kid.step)
    made = purify.state_of(obj).n
    assert float(step(1.0)) == 3.0 and float(kid_step(1.0)) == 8.0
    assert not w.is_deleted() and not v.is_deleted() and made.is_deleted()
    for give in ("assign", "eager", "set_state"):
        b = jnp.full(3, 2.0)
        if give == "assign":
            obj.w = b
        elif give == "eager":
            obj.load(b)
        else:
            purify.set_state(obj, purify.state_of(obj)._replace(w=b))
        before = float(obj.n)
        assert float(step(1.0)) == before + 6.0 and not b.is_deleted(), give
        copy = purify.state_of(obj).w
        step(1.0)
        assert copy.is_deleted(), give  # purify's own copy: donated as before
    np.testing.assert_array_equal(w, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(v, [3.0, 3.0])


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


# -- children read from an instance: views that write back into the parent ---------------

CHILDREN = """
@purify.stateful
class Dense:
    def __init__(self, n, scale=1.0):
        self.w = purify.param(jnp.full((n, n), scale))
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x @ self.w

    def loss(self, x):
        return jnp.sum(self(x) ** 2)


@purify.stateful
class Block:
    def __init__(self, n):
        self.inner = Dense(n, 0.5)
        self.steps = 0

    def __call__(self, x):
        self.steps += 1
        return self.inner(x)


@purify.stateful
class Net:
    def __init__(self, n):
        self.first = Dense(n)
        self.block = Block(n)
        self.layers = [Dense(n, 0.1 * k) for k in range(3)]

    def __call__(self, x):
        x = self.block(self.first(x))
        for layer in self.layers:
            x = layer(x)
        return x
"""


@pytest.fixture(scope="module")
def nets():
    from tests.conftest import undecorated
    return load_module(CHILDREN), undecorated(CHILDREN)


def _same_script(net, x):
    """What a user does with the children of a model, on the original and the decorated class."""
    out = [net(x), net.first(x), net.block.inner(x), net.layers[1](x), net.block(x), net.first(x)]
    net.first.calls = 10
    net.block.inner.calls += 5
    out.append(net(x))
    counts = [net.first.calls, net.block.steps, net.block.inner.calls, [layer.calls for layer in net.layers]]
    return out, counts


def test_children_of_an_instance_run_their_methods_and_write_back(nets):
    dec, plain = nets
    x = jnp.arange(3.0)
    got, got_counts = _same_script(dec.Net(3), x)
    want, want_counts = _same_script(plain.Net(3), x)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b)
    assert got_counts == want_counts == [11, 3, 9, [2, 3, 2]]


def test_a_child_view_reads_the_parent_state_as_it_is_now(nets):
    dec, _ = nets
    net = dec.Net(2)
    inner = net.block.inner  # a view held across calls of the parent
    net(jnp.ones(2))
    assert inner.calls == 1
    inner(jnp.ones(2))
    assert purify.state_of(net).block.inner.calls == 2 and isinstance(inner, dec.Dense)
    assert type(purify.state_of(inner)) is dec.Dense.State
    assert purify.state_of(inner) is purify.state_of(net).block.inner


def test_purify_jit_and_grad_of_a_child_method_update_the_parent(nets):
    dec, _ = nets
    net = dec.Net(2)
    x = jnp.array([1.0, 2.0])
    step = purify.jit(net.layers[2])
    step(x)
    step(x)
    assert [layer.calls for layer in net.layers] == [0, 0, 2]
    loss, g = purify.value_and_grad(net.first.loss)(x)
    want = jax.grad(lambda w: jnp.sum((x @ w) ** 2))(jnp.ones((2, 2)))
    np.testing.assert_allclose(g.w, want)
    assert float(loss) == pytest.approx(float(jnp.sum((x @ jnp.ones((2, 2))) ** 2)))
    assert net.first.calls == 1  # the state change made while differentiating is kept
    purify.set_state(net.first, dec.Dense.init(2, 3.0))
    np.testing.assert_allclose(purify.state_of(net).first.w, 3.0)


def test_assigning_an_instance_to_a_child_field_keeps_python_aliasing(nets):
    dec, plain = nets
    for mod in (dec, plain):
        net, fresh = mod.Net(2), mod.Dense(2, 2.0)
        net.first = fresh
        fresh(jnp.ones(2))  # the same object as net.first, in Python
        assert (net.first.calls, fresh.calls) == (1, 1)
        np.testing.assert_allclose(net.first.w, 2.0)
    net = dec.Net(2)
    with pytest.raises(purify.PurifyError, match=r"Net.first would share its Dense object with another field") as e:
        net.first = net.layers[0]
    assert "give it its own object" in e.value.hint
    assert net.first.calls == 0 and type(purify.state_of(net).first) is dec.Dense.State


def test_split_of_a_child_view_is_the_split_of_its_state(nets):
    dec, _ = nets
    net = dec.Net(2)
    params, rest = purify.split(net.block)
    want_params, want_rest = purify.split(purify.state_of(net).block)
    assert jax.tree_util.tree_structure(params) == jax.tree_util.tree_structure(want_params)
    np.testing.assert_allclose(params.inner.w, want_params.inner.w)
    assert rest.steps == want_rest.steps == 0


def test_copies_of_instances_and_children_are_independent(nets):
    import copy

    dec, plain = nets
    for mod in (dec, plain):
        net = mod.Net(2)
        first = copy.copy(net.first)  # a copy of a child leaves its parent
        first(jnp.ones(2))
        first(jnp.ones(2))
        deep = copy.deepcopy(net)
        deep.block(jnp.ones(2))
        shallow = copy.copy(net)
        shallow.first = mod.Dense(2, 5.0)
        assert (net.first.calls, first.calls, net.block.steps, deep.block.steps) == (0, 2, 0, 1)
        np.testing.assert_allclose(net.first.w, 1.0)
        np.testing.assert_allclose(shallow.first.w, 5.0)
