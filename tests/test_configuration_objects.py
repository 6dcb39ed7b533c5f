"""Configuration objects as real classes hold them (issue 14, items 6 and 7): gymnasium's
`spaces.Box` (a dtype and a shape, but no array, and not hashable) and a field that is None after
`__init__` and an array once `reset` ran."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, compare_three, line_in, load_module
from tests.test_cli import convert, decorated, run_without_purify, write

BOX = '''
class Box:
    """gymnasium.spaces.Box as a class uses it: a dtype and a shape, value equality (so no hash)."""

    def __init__(self, low, high, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self.low = np.asarray(low, dtype=self.dtype)
        self.high = np.asarray(high, dtype=self.dtype)
        self.shape = self.low.shape

    def contains(self, x):
        x = np.asarray(x, dtype=self.dtype)
        return bool(x.shape == self.shape and np.all(x >= self.low) and np.all(x <= self.high))

    def __eq__(self, other):
        return isinstance(other, Box) and np.array_equal(self.low, other.low) and np.array_equal(self.high, other.high)


class Discrete:
    """gymnasium.spaces.Discrete: an int64 dtype, value equality."""

    def __init__(self, n):
        self.n, self.dtype, self.shape = n, np.dtype(np.int64), ()

    def contains(self, x):
        return 0 <= int(x) < self.n

    def __eq__(self, other):
        return isinstance(other, Discrete) and other.n == self.n
'''

SPACES = BOX + '''

@purify.stateful
class Env:
    def __init__(self):
        high = np.array([2.4, 3.0], dtype=np.float32)
        self.action_space = purify.static(Discrete(2))
        self.observation_space = purify.static(Box(-high, high))
        self.state = jnp.zeros(2)

    def step(self, action):
        force = jnp.where(action == 1, 1.0, -1.0)
        self.state = jnp.clip(self.state + force, self.observation_space.low, self.observation_space.high)
        return self.state
'''

UNMARKED = BOX + '''

@purify.stateful
class Env:
    def __init__(self):
        self.observation_space = Box(np.zeros(2), np.ones(2))
        self.state = jnp.zeros(2)
'''


def test_unhashable_static_configuration_is_compared_by_identity():
    compare_three(SPACES, "Env", (), [("step", (1,)), ("step", (1,)), ("step", (1,)), ("step", (0,))])
    m = load_module(SPACES)
    env = m.Env()
    assert isinstance(env.observation_space, m.Box) and env.observation_space.contains([0.0, 0.0])
    assert env.action_space is purify.state_of(env).action_space  # the object itself, not a copy
    state = m.Env.init()
    step = jax.jit(m.Env.step)
    for action in (1, 0, 1):
        _, state = step(state, action)
    assert step._cache_size() == 1  # one object: one compilation
    step(m.Env.init(), 1)  # an equal space that is another object: compiled again
    assert step._cache_size() == 2
    batch = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), m.Env.init())
    outs, _ = jax.vmap(m.Env.step)(batch, jnp.array([0, 1]))
    np.testing.assert_allclose(outs, [[-1.0, -1.0], [1.0, 1.0]])


def test_unhashable_static_configuration_in_the_convert_output(tmp_path, monkeypatch):
    src = write(tmp_path / "spaces.py", SPACES)
    code, _, err = convert(src, "-o", tmp_path / "out" / "spaces.py")
    assert code == 0, err
    text = (tmp_path / "out" / "spaces.py").read_text()
    assert "_register_state(EnvState, data_fields=['state'], meta_fields=['action_space', 'observation_space'])" in text
    calls = [("step", (1,), {}), ("step", (1,), {}), ("step", (0,), {})]
    monkeypatch.syspath_prepend(str(tmp_path / "out"))  # the results hold its Box objects: unpickled here
    got = run_without_purify([("s", "spaces", "Env", (), {}, calls, {}, True)], [tmp_path / "out"])["s"]
    assert got[0] == "ok", got[1]
    outs, state = got[1:]
    want_outs, want_state = decorated(load_module(SPACES), "Env", (), {}, calls, {})
    assert_same(outs, want_outs, where="convert output against the decorator")
    np.testing.assert_allclose(state[-1], want_state[-1])  # the spaces are objects of two modules' Box
    assert type(state[1]).__name__ == "Box" and state[1].contains([0.0, 0.0])


def test_an_object_with_a_dtype_is_no_array_unless_jax_says_so():
    """A Box in a state field was taken for an array (it has a dtype), and `jax.jit` failed with
    "Box(...) is not a valid JAX type"; now `Cls.init` refuses it, at its line, with the fix."""
    with pytest.raises(purify.PurifyError) as info:
        load_module(UNMARKED).Env()
    e = info.value
    assert e.bare_msg.startswith("self.observation_space is state, but it holds a ")
    assert e.bare_msg.endswith(".Box, which JAX cannot trace")
    assert (e.lineno, e.offset) == (line_in(UNMARKED, "self.observation_space = Box"), 9)
    assert e.hint.startswith("if it is configuration, write self.observation_space = purify.static(...)")


NONE_THEN_ARRAY = """
@purify.stateful
class Env:
    def __init__(self):
        self.state = None
        self.steps = 0

    def reset(self):
        self.state = jnp.zeros(4)
        return self.state

    def step(self):
        self.state = self.state + 1
        self.steps += 1
        return self.state
"""


def test_a_field_none_after_init_and_an_array_later_is_warned_with_both_lines():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = load_module(NONE_THEN_ARRAY)
    found = [w for w in caught if issubclass(w.category, purify.PurifyWarning)]
    assert len(found) == 1
    w = found[0]
    init_line, reset_line = line_in(NONE_THEN_ARRAY, "self.state = None"), line_in(NONE_THEN_ARRAY, "jnp.zeros(4)")
    assert str(w.message) == (
        f"self.state is None after __init__ (line {init_line}) and reset assigns it a value (line {reset_line}): a "
        "jax.lax.scan or while_loop that carries the state needs one structure, so it would fail on the carry\n"
        "  hint: give it an initial value of the shape and dtype reset gives it, e.g. self.state = jnp.zeros(...) "
        "in __init__")
    assert (w.filename, w.lineno) == (m.__file__, reset_line)
    with pytest.warns(purify.PurifyWarning):  # and it still works as written
        compare_three(NONE_THEN_ARRAY, "Env", (), [("reset", ()), ("step", ()), ("step", ())])


# simple-pid's shape: `__init__` sets the field None, then calls `self.reset()`, which assigns it
# (and a setter, run by `self.limit = ...`, assigns another); `reset` leaves `last` None
INIT_CALLS_RESET = """
@purify.stateful
class Pid:
    def __init__(self, limit=1.0):
        self.t = None
        self.last = None
        self.u = None
        self.lim = 0.0
        self.limit = limit
        self.reset()

    @property
    def limit(self):
        return self.lim

    @limit.setter
    def limit(self, value):
        self.lim = value
        self.u = jnp.asarray(value)

    def reset(self):
        self.t = jnp.asarray(0.0)
        self.last = None

    def step(self, x):
        self.t = self.t + 1.0
        self.last = x
        self.u = self.u * 2.0
        return self.last
"""


def none_warnings(source: str) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_module(source)
    return [str(w.message).split(" after __init__")[0] for w in caught if issubclass(w.category, purify.PurifyWarning)]


def test_a_field_that_a_method_init_calls_assigns_is_not_warned_of():
    """`self.reset()` and the setter run by `self.limit = limit` assign `t` and `u` after
    `__init__` set them None; `reset` sets `last` None again: only `last` is None after it."""
    assert none_warnings(INIT_CALLS_RESET) == ["self.last is None"]


def test_a_field_set_none_again_after_the_call_is_warned_of():
    source = INIT_CALLS_RESET.replace("        self.reset()\n", "        self.reset()\n        self.t = None\n")
    assert sorted(none_warnings(source)) == ["self.last is None", "self.t is None"]
    source = INIT_CALLS_RESET.replace("        self.reset()\n", "")  # no call: `t` stays None
    assert sorted(none_warnings(source)) == ["self.last is None", "self.t is None"]


def test_the_none_note_in_the_convert_output(tmp_path):
    src = write(tmp_path / "env.py", NONE_THEN_ARRAY)
    code, _, err = convert(src, "-o", tmp_path / "out" / "env.py")
    assert code == 0
    assert "self.state is None after __init__" in err and "e.g. self.state = jnp.zeros(...)" in err
