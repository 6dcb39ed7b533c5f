"""Objects built outside `__init__` (issue 14, item 8): a `purify.Rng` made in `reset`, an Rng
passed inline to a child's constructor, `self.__init__(...)` run again by `reset`, and an integer
seed that is traced (`jax.vmap` over seeds). Each against the plain class, under `jax.jit` and
`jax.vmap`, and through the `purify convert` output."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, compare_three, line_in, load_module, undecorated
from tests.test_cli import convert, decorated, run_without_purify, write

RNG_IN_RESET = """
@purify.stateful
class Env:
    def __init__(self):
        self.np_random = None
        self.state = jnp.zeros(4)

    def reset(self, seed=0):
        self.np_random = purify.Rng(seed)
        self.state = jax.random.uniform(self.np_random(), (4,), minval=-0.05, maxval=0.05)
        return self.state

    def step(self):
        self.state = self.state + jax.random.normal(self.np_random(), (4,))
        return self.state
"""

INLINE_RNG = """
@purify.stateful
class Linear:
    def __init__(self, n, m, rng):
        self.w = jax.random.normal(rng(), (n, m))
        self.b = jax.random.normal(rng(), (m,))

    def __call__(self, x):
        return x @ self.w + self.b


@purify.stateful
class Net:
    def __init__(self, n):
        self.lin = Linear(n, 1, purify.Rng(0))

    def __call__(self, x):
        return self.lin(x)
"""

REINIT = """
@purify.stateful
class Osc:
    def __init__(self, x0):
        self.x0 = x0
        self.x = jnp.asarray(x0, dtype=jnp.float32)
        self.steps = 0

    def step(self):
        self.x = self.x * 0.5
        self.steps += 1
        return self.x

    def reset(self):
        self.__init__(self.x0)
        return self.x, self.steps
"""

CALLS = {"RNG_IN_RESET": [("reset", (1,)), ("step", ()), ("reset", (2,)), ("step", ())],
         "INLINE_RNG": [("__call__", (jnp.ones(3),))],
         "REINIT": [("step", ()), ("step", ()), ("reset", ()), ("step", ())]}


@pytest.mark.parametrize(("source", "cls", "init"), [(RNG_IN_RESET, "Env", ()), (INLINE_RNG, "Net", (3,)),
                                                      (REINIT, "Osc", (2.0,))], ids=["rng_in_reset", "inline_rng",
                                                                                      "reinit"])
def test_objects_built_outside_init_agree_with_the_plain_class(source, cls, init):
    name = {RNG_IN_RESET: "RNG_IN_RESET", INLINE_RNG: "INLINE_RNG", REINIT: "REINIT"}[source]
    compare_three(source, cls, init, CALLS[name])


@pytest.mark.parametrize(("source", "cls", "init"), [(RNG_IN_RESET, "Env", ()), (INLINE_RNG, "Net", (3,)),
                                                      (REINIT, "Osc", (2.0,))], ids=["rng_in_reset", "inline_rng",
                                                                                      "reinit"])
def test_objects_built_outside_init_in_the_convert_output(tmp_path, source, cls, init):
    name = {RNG_IN_RESET: "RNG_IN_RESET", INLINE_RNG: "INLINE_RNG", REINIT: "REINIT"}[source]
    calls = [(m, tuple(np.asarray(a) for a in args), {}) for m, args in CALLS[name]]
    src = write(tmp_path / "made.py", source)
    code, _, err = convert(src, "-o", tmp_path / "out" / "made.py")
    assert code == 0, err
    got = run_without_purify([("r", "made", cls, init, {}, calls, {}, True)], [tmp_path / "out"])["r"]
    assert got[0] == "ok", got[1]
    assert_same(list(got[1:]), list(decorated(load_module(source), cls, init, {}, calls, {})),
                where="convert output against the decorator")


def test_a_traced_integer_seed_is_a_seed_under_vmap():
    """`jax.vmap(lambda s: Env.reset(state, seed=s))(jnp.arange(n))` took the integer for raw key data."""
    Env = load_module(RNG_IN_RESET).Env
    state = Env.init()
    lanes = jax.vmap(lambda s: Env.reset(state, seed=s)[0])(jnp.arange(3))
    plain = undecorated(RNG_IN_RESET).Env
    for seed in range(3):
        np.testing.assert_allclose(lanes[seed], plain().reset(seed), rtol=1e-6)
    key = purify.Rng.init(jnp.asarray(7)).seed
    np.testing.assert_array_equal(key, jax.random.PRNGKey(7))
    np.testing.assert_array_equal(purify.Rng.init(jax.random.PRNGKey(7)).seed, jax.random.PRNGKey(7))


def test_reinit_refuses_an_init_that_sets_a_field_only_on_some_paths():
    source = """
        @purify.stateful
        class Osc:
            def __init__(self, x0, flag=False):
                self.x = jnp.asarray(x0)
                if flag:
                    self.extra = 1.0
                else:
                    self.extra = 2.0
                if x0 > 0:
                    self.sign = 1

            def reset(self):
                self.__init__(1.0)
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg == (f"self.__init__(...) runs __init__ again, but __init__ sets self.sign only on some paths "
                          f"(line {line_in(source, 'self.sign = 1')}): Python would keep its old value where it "
                          "does not, the new state would not")
    assert (e.lineno, e.offset) == (line_in(source, "self.__init__(1.0)"), 9)
    assert e.hint == "set self.sign on every path of __init__ (e.g. self.sign = None first, then change it)"
