"""W1 counter: n += 1, returns n. The step is one add, so this measures pure dispatch overhead."""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..checks import CounterCheck
from ..frameworks.eqx_rows import eqx_impls
from ..frameworks.nnx_rows import nnx_impls
from ..frameworks.purify_rows import purify_impls
from ..harness import Impl
from ..runner import Runner, pure_runner

NAME = "counter"
CHECK = CounterCheck()


class CounterState(NamedTuple):
    n: jax.Array


def count(state: CounterState) -> tuple[jax.Array, CounterState]:
    n = state.n + 1
    return n, CounterState(n)


def build_baseline() -> Runner:
    return pure_runner(jax.jit(count, donate_argnums=0), CounterState(jnp.int32(0)), (), lambda s: {"n": s.n})


def build_haiku() -> Runner:
    import haiku as hk

    def haiku_count():
        n = hk.get_state("n", (), jnp.int32, init=jnp.zeros) + 1
        hk.set_state("n", n)
        return n

    counter = hk.transform_with_state(haiku_count)
    params, state = counter.init(None)
    step = jax.jit(lambda state: counter.apply(params, state, None), donate_argnums=0)
    return pure_runner(step, state, (), lambda s: {"n": s["~"]["n"]})


def build_blox() -> Runner:
    import blox as bx

    class Counter(bx.Module):
        def init(self, params):  # as bx.Rng.seed creates its counter
            _, params = self.get_param(params, "n", (), jax.nn.initializers.zeros, jnp.int32, trainable=False)
            return params

        def __call__(self, params):
            n = self.get_param(params, "n")[0] + 1
            return n, self.set_param(params, "n", n)

    counter = Counter(bx.Graph("net").child("counter"))
    params = counter.init(bx.Params()).locked()
    step = jax.jit(counter, donate_argnames="params")
    return pure_runner(step, params, (), lambda p: {"n": p[counter.param_path("n")].value})


def nnx_counter() -> tuple:
    from flax import nnx

    class Count(nnx.Variable):
        pass

    class Counter(nnx.Module):
        def __init__(self):
            self.n = Count(jnp.int32(0))

        def __call__(self):
            self.n.value = self.n.value + 1
            return self.n.value

    return Counter(), lambda model: model()


def eqx_counter() -> tuple:
    import equinox as eqx

    class Counter(eqx.Module):
        index: eqx.nn.StateIndex

        def __init__(self):
            self.index = eqx.nn.StateIndex(jnp.int32(0))

        def __call__(self, state):
            n = state.get(self.index) + 1
            return n, state.set(self.index, n)

    return eqx.nn.make_with_state(Counter)(), eqx_count


def eqx_count(args: tuple, tree: tuple) -> tuple:
    model, state = tree
    n, state = model(state)
    return n, (model, state)


IMPLS = [
    Impl("baseline", build_baseline),
    *purify_impls("counter", lambda classes: classes.Counter(), "count", (), lambda s: {"n": s.n}),
    Impl("haiku", build_haiku),
    Impl("blox", build_blox),
    *nnx_impls(nnx_counter, (), lambda m: {"n": m.n.value}),
    *eqx_impls(eqx_counter, (), lambda t: {"n": t[1].get(t[0].index)}),
]
