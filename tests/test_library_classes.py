"""Classes written the way gymnasium's environments are (issue 14, CartPole): a base written with
type arguments (`gym.Env[np.ndarray, int]`), configuration objects a library builds in fields only
`__init__` writes (`spaces.Discrete(2)`), and an eager-only method called under a test on static
configuration (`if self.render_mode == "human": self.render()`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, compare_three, line_in, load_module, undecorated
from tests.test_cli import convert, write

spaces = pytest.importorskip("gymnasium.spaces", reason="gymnasium is a test dependency")


def converted(tmp_path, source: str):
    """The `purify convert` output of `source`, imported (it never imports purify)."""
    src = write(tmp_path / "case.py", source)
    code, out, err = convert(src)
    assert code == 0, err
    assert "import purify" not in out
    return load_module(out, header=False)


# -- 1. a base written with type arguments --------------------------------------------------------

SUBSCRIPTED = """
from typing import Generic, TypeVar

T = TypeVar("T")


class Base(Generic[T]):
    scale = 2.0

    def __init__(self, k):
        self.k = k

    def bump(self, x):
        self.k = self.k + x * self.scale
        return self.k


@purify.stateful
class Sub(Base[int]):
    def __init__(self):
        super().__init__(jnp.zeros(()))

    def step(self, x):
        return self.bump(x) * 2
"""


def test_a_base_written_with_type_arguments_is_read_as_its_class():
    m = compare_three(SUBSCRIPTED, "Sub", (), [("step", (1.0,)), ("step", (0.5,))])
    assert isinstance(m.Sub(), m.Base)
    out, states = jax.vmap(m.Sub.step, in_axes=(None, 0))(m.Sub.init(), jnp.arange(3.0))
    np.testing.assert_allclose(out, [0.0, 4.0, 8.0])
    np.testing.assert_allclose(states.k, [0.0, 2.0, 4.0])
    assert_same(jax.grad(lambda x: m.Sub.step(m.Sub.init(), x)[0])(1.0), 4.0)


def test_a_base_written_with_type_arguments_in_the_convert_output(tmp_path):
    conv = converted(tmp_path, SUBSCRIPTED)
    plain = undecorated(SUBSCRIPTED).Sub()
    state = conv.Sub.init()
    for x in (1.0, 0.5):
        out, state = jax.jit(conv.Sub.step)(state, x)
        assert_same(out, plain.step(x))
    assert_same(state.k, plain.k)


UNREADABLE = """
@purify.stateful
class Sub(dict[str, int]):
    def __init__(self):
        self.k = jnp.zeros(())
"""


def test_a_subscripted_base_without_source_is_refused_at_the_class_it_names():
    with pytest.raises(purify.PurifyError) as info:
        load_module(UNREADABLE)
    e = info.value
    assert e.bare_msg == "base class dict is not @stateful, and purify cannot read its source"
    assert (e.lineno, e.offset) == (line_in(UNREADABLE, "class Sub(dict"), 11)


# -- 3. configuration objects a library builds, in fields only __init__ writes -------------------

SPACES = """
from gymnasium import spaces


@purify.stateful
class Env:
    def __init__(self, n=2):
        high = np.array([2.0, 3.0], dtype=np.float32)
        box = spaces.Box(-high, high, dtype=np.float32)
        self.action_space = spaces.Discrete(n)
        self.observation_space = box
        self.state = jnp.zeros(2)

    def step(self, action):
        assert isinstance(action, jax.core.Tracer) or self.action_space.contains(action)
        force = jnp.where(action == 1, 1.0, -1.0) * self.action_space.n
        self.state = jnp.clip(self.state + force, self.observation_space.low, self.observation_space.high)
        return self.state
"""


def test_a_space_only_init_writes_is_configuration_with_no_marker():
    calls = [("step", (1,)), ("step", (1,)), ("step", (0,))]
    compare_three(SPACES, "Env", (), calls)
    m = load_module(SPACES)  # (jit's compilations are counted per function: a module of its own)
    state = m.Env.init()
    assert [np.shape(x) for x in jax.tree_util.tree_leaves(state)] == [(2,)]  # the spaces are not leaves
    assert isinstance(state.action_space, spaces.Discrete)
    env = m.Env()
    assert env.action_space is purify.state_of(env).action_space  # the object itself, not a copy
    step = jax.jit(m.Env.step)
    for action in (1, 0):
        _, state = step(state, action)
    assert step._cache_size() == 1  # one object: one compilation
    step(m.Env.init(), 1)  # an equal space that is another object: compiled again, never stale
    assert step._cache_size() == 2
    batch = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), m.Env.init())
    outs, _ = jax.vmap(m.Env.step)(batch, jnp.array([0, 1]))
    np.testing.assert_allclose(outs, [[-2.0, -2.0], [2.0, 2.0]])


def test_a_space_assigned_on_an_instance_is_a_new_configuration_and_retraces():
    m = load_module(SPACES)
    env = m.Env()
    fast = purify.jit(env.step)
    np.testing.assert_allclose(fast(1), [2.0, 2.0])
    env.action_space = spaces.Discrete(1)  # a new object: a new compilation with its n
    np.testing.assert_allclose(fast(1), [2.0, 3.0])


def test_a_space_only_init_writes_in_the_convert_output(tmp_path):
    conv = converted(tmp_path, SPACES)
    plain = undecorated(SPACES).Env()
    state = conv.Env.init()
    assert isinstance(state.observation_space, spaces.Box)
    for action in (1, 1, 0):
        out, state = jax.jit(conv.Env.step)(state, action)
        assert_same(out, plain.step(action))


ARRAYS_BY_A_CLASS = """
class Glorot:
    def __init__(self, shape):
        self.shape = shape

    def make(self):
        return jnp.ones(self.shape) * 0.5


def Weights(shape):  # noqa: N802 - a function named like a class: its array is a leaf all the same
    return Glorot(shape).make()


@purify.stateful
class Layer:
    def __init__(self):
        self.w = Weights((2,))

    def __call__(self, x):
        return self.w * x
"""


def test_an_array_built_by_a_capitalised_callable_in_such_a_field_stays_a_leaf():
    m = compare_three(ARRAYS_BY_A_CLASS, "Layer", (), [("__call__", (3.0,))])
    state = m.Layer.init()
    assert len(jax.tree_util.tree_leaves(state)) == 1
    assert m.Layer.State._fields == ("w",) and "opaque_fields=['w']" in purify.source(m.Layer)
    grads = jax.grad(lambda s: m.Layer.__call__(s, 2.0)[0].sum())(state)
    np.testing.assert_allclose(grads.w, [2.0, 2.0])


WRITTEN = """
from gymnasium import spaces


@purify.stateful
class Env:
    def __init__(self):
        self.action_space = spaces.Discrete(2)

    def widen(self):
        self.action_space = spaces.Discrete(3)
"""


def test_a_space_a_method_writes_is_state_and_refused_with_the_method():
    with pytest.raises(purify.PurifyError) as info:
        load_module(WRITTEN).Env()
    e = info.value
    assert e.bare_msg.startswith("self.action_space is written in widen (line ")
    assert e.bare_msg.endswith("but it holds a gymnasium.spaces.discrete.Discrete")
    assert (e.lineno, e.offset) == (line_in(WRITTEN, "self.action_space = spaces.Discrete(2)"), 9)


MIXED = """
from gymnasium import spaces


def Pair(*items):  # noqa: N802 - named like a class, so the field may hold configuration
    return list(items)


@purify.stateful
class Env:
    def __init__(self):
        self.both = Pair(spaces.Discrete(2), jnp.zeros(2))
"""


def test_configuration_holding_an_array_is_refused_at_init():
    with pytest.raises(purify.PurifyError) as info:
        load_module(MIXED).Env()
    e = info.value
    assert e.bare_msg == "self.both is state, but it holds a gymnasium.spaces.discrete.Discrete, which JAX cannot trace"
    assert (e.lineno, e.offset) == (line_in(MIXED, "self.both ="), 9)


# -- 2. gym.Env as converted: a class attribute None until a method sets it, a setter given a child --

KEYED = """
class Base:
    _rng = None  # made later, as gym.Env's _np_random
    _seed = None

    @property
    def rng(self):
        return self._rng

    @rng.setter
    def rng(self, value):
        self._rng = value
        self._seed = -1


@purify.stateful
class Walker(Base):
    def __init__(self):
        self.x = jnp.zeros(())
        self.rng = purify.Rng(0)

    def reseed(self, seed):
        self.rng = purify.Rng(seed)

    def walk(self):
        self.x = self.x + jax.random.uniform(self._rng())
        return self.x
"""


def test_a_base_class_none_a_setter_assigns_a_child_is_state_holding_that_child():
    calls = [("walk", ()), ("reseed", (3,)), ("walk", ()), ("walk", ())]
    m = compare_three(KEYED, "Walker", (), calls)
    assert m.Walker.State._fields == ("x", "rng_", "seed_")
    state = m.Walker.init()
    assert type(state.rng_).__name__ == "RngState" and state.seed_ == -1
    walker = m.Walker()
    assert isinstance(walker.rng, purify.Rng) and walker._seed == -1
    xs, _ = jax.vmap(lambda s: m.Walker.walk(m.Walker.reseed(state, s)[1]))(jnp.arange(3))
    assert len(set(np.asarray(xs).tolist())) == 3  # one key per seed, traced seeds too


def test_a_base_class_none_a_setter_assigns_in_the_convert_output(tmp_path):
    conv = converted(tmp_path, KEYED)
    plain = undecorated(KEYED).Walker()
    state = conv.Walker.init()
    for name, args in [("walk", ()), ("reseed", (3,)), ("walk", ())]:
        out, state = jax.jit(getattr(conv.Walker, name), static_argnums=tuple(range(1, 1 + len(args))))(state, *args)
        assert_same(out, getattr(plain, name)(*args))


BASE_MODULE = """
import math

SCALE = 3.0  # a name of the base's module, which the subclass's module does not have


class Base:
    def bump(self, x):
        self.k = self.k + x * SCALE + math.floor(0.5)
        return self.k
"""

SUB_MODULE = """
from basemod import Base


@purify.stateful
class Sub(Base):
    def __init__(self):
        self.k = jnp.zeros(())
"""


def test_a_method_of_a_base_of_another_module_reads_that_modules_names(tmp_path, monkeypatch):
    """It ran with the subclass's module's names: `NameError: name 'SCALE' is not defined`."""
    write(tmp_path / "basemod.py", BASE_MODULE, header=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    sub = load_module(SUB_MODULE, directory=tmp_path)
    assert sub.Sub().bump(1.0) == 3.0
    assert jax.jit(sub.Sub.bump)(sub.Sub.init(), 2.0)[0] == 6.0
    code, out, err = convert(write(tmp_path / "submod.py", SUB_MODULE))
    assert code == 0, err
    assert "from basemod import SCALE, math" in out or "from basemod import SCALE" in out
    conv = load_module(out, header=False, directory=tmp_path)
    assert conv.Sub.bump(conv.Sub.init(), 2.0)[0] == 6.0


GYM_ENV = """
import gymnasium as gym


@purify.stateful
class Tiny(gym.Env[np.ndarray, int]):
    metadata = {"render_modes": []}

    def __init__(self):
        self.x = jnp.zeros(())
        self.np_random = purify.Rng(0)

    def reset(self, *, seed=None, options=None):
        if seed is not None:
            self.np_random = purify.Rng(seed)
        self.x = jax.random.uniform(self._np_random())
        return self.x, {}

    def step(self, action):
        self.x = self.x + action
        return self.x
"""


def test_gymnasiums_env_as_a_base_in_every_mode(tmp_path):
    gym = pytest.importorskip("gymnasium")
    calls = [("reset", (), {"seed": 2}), ("step", (1,)), ("reset", ()), ("step", (0,))]
    m = compare_three(GYM_ENV, "Tiny", (), calls, static={"reset": ("seed",)})
    env = m.Tiny()
    assert isinstance(env, gym.Env) and str(env) == "<Tiny instance>" and env.unwrapped is env
    env.reset(seed=5)
    assert env.np_random_seed == -1 and isinstance(env.np_random, purify.Rng)
    conv = converted(tmp_path, GYM_ENV)
    plain = undecorated(GYM_ENV).Tiny()
    (x, _), state = conv.Tiny.reset(conv.Tiny.init(), seed=2)
    assert_same(x, plain.reset(seed=2)[0])
    out, state = jax.jit(conv.Tiny.step)(state, 1)
    assert_same(out, plain.step(1))


LEFT_TO_THE_BASE = """
from typing import Generic, TypeVar

T = TypeVar("T")


class Params(Generic[T]):
    def _params(self):
        return {name: getattr(self, name) for name in ("n",)}  # a computed name: not convertible

    @property
    def stochastic(self):
        return self._params()["n"] is None  # calls one that stays the base's: stays the base's too

    def describe(self):
        return self.n * 2


class Stat(Params[T]):
    pass


@purify.stateful
class Count(Stat[int]):
    def __init__(self):
        self.n = 0

    def update(self):
        self.n += 1
        return self.describe()
"""


def test_a_base_method_calling_one_left_to_the_base_is_left_too_and_refused_only_where_called():
    """river's Statistic: `_is_stochastic` calls `_get_params` (getattr): the class was refused at
    that call, inside the base, though it never used either."""
    m = compare_three(LEFT_TO_THE_BASE, "Count", (), [("update", ()), ("update", ())])
    count = m.Count()
    assert count.stochastic is False and count._params() == {"n": 0}  # the base's own, on the instance
    source = LEFT_TO_THE_BASE + """
    def bad(self):
        return self.stochastic
"""
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg.startswith("self.stochastic")
    assert e.lineno == line_in(source, "return self.stochastic")
