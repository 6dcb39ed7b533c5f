"""`purify.Rng`: randomness as state, a seed and a counter (the blox design).

It is itself a plain class made @stateful, so it nests in any model and its
state threads like any other. `purify convert` copies the class, docstring included, into
the modules that use it: keep its docstring about Rng alone.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from . import context
from .stateful import stateful


def _seed_key(seed: Any) -> jax.Array:
    """A raw uint32 key: unlike typed keys, it saves with np.savez and orbax."""
    # An integer, traced too (`jax.vmap` over seeds), is a seed, not key data.
    if isinstance(seed, int) or (jnp.ndim(seed) == 0 and jnp.issubdtype(jnp.result_type(seed), jnp.integer)):
        return jax.random.PRNGKey(seed)
    if jnp.issubdtype(jnp.asarray(seed).dtype, jax.dtypes.prng_key):
        return jax.random.key_data(seed)
    return jnp.asarray(seed, dtype=jnp.uint32)


def _fold_lanes(key: jax.Array) -> jax.Array:
    """Fold in the index of each enclosing `purify.vmap` lane (never inside `Cls.init`)."""
    if context.initializing():
        return key
    for name in context.lanes():
        key = jax.random.fold_in(key, jax.lax.axis_index(name))
    return key


@stateful
class Rng:
    """A random stream: `key = self.rng()` returns a fresh key and advances the counter.

    `purify.Rng(seed)` takes an int, or a JAX key (typed, or raw `uint32` key data).
    It is itself a `@purify.stateful` class: its State holds the seed, as raw
    `uint32` key data (which saves with `np.savez`, pickle and orbax), and a
    counter. Hold one in an attribute (`self.rng = purify.Rng(seed)`), or make one
    as a local in `__init__` and pass it to the children's constructors.

    The key is `fold_in(seed, counter)`. Under `purify.vmap` each lane first folds
    its lane index into the seed (`fold_in(fold_in(seed, lane), counter)`, the
    scheme of the JAX library blox), so replicated state still gives every lane
    its own randomness while the state (seed and counter) returned stays the
    same in all of them. Inside `Cls.init` no lane is folded in, so parameters
    initialised under `purify.vmap` are identical across lanes.
    """

    def __init__(self, seed):
        self.seed = _seed_key(seed)
        self.counter = jnp.zeros((), jnp.uint32)

    def __call__(self):
        key = jax.random.fold_in(_fold_lanes(self.seed), self.counter)
        self.counter += 1
        return key
