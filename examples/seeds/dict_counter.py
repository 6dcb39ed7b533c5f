"""Seed 002: the dict counter under `jax.jit` and `jax.vmap` (with `in_axes` on the state).

    python -m examples.seeds.dict_counter
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class DictCounter:
    """The seed's counter, as an object: its state is a dict `{'count': ...}`."""

    def __init__(self, count=0):
        self.count_state = {"count": jnp.asarray(count)}

    def increment(self, increment):
        self.count_state["count"] = self.count_state["count"] + increment
        return self.count_state


# -- the seed's hand-written pure JAX, for comparison ----------------------------------


def stateful_counter(count_state, increment):
    """Increments a counter state."""
    new_count = count_state["count"] + increment
    return {"count": new_count}


def main() -> None:
    # Eager object, exactly like the seed's two calls.
    counter = DictCounter()
    counter.increment(jnp.array(1))
    print("eager object after +1, +5:", counter.increment(jnp.array(5)))

    # jax.jit on the pure API: the state is a NamedTuple holding the dict.
    jit_increment = jax.jit(DictCounter.increment)
    state = DictCounter.init()
    _, state = jit_increment(state, jnp.array(1))
    _, state = jit_increment(state, jnp.array(5))
    ref = jax.jit(stateful_counter)(jax.jit(stateful_counter)({"count": 0}, jnp.array(1)), jnp.array(5))
    print("jitted:", state.count_state, " seed's pure JAX:", ref)

    # jax.vmap over a batch of counters: in_axes on the state, as in the seed.
    batched = DictCounter.init(jnp.array([0, 0, 0]))
    in_axes = (DictCounter.State(count_state={"count": 0}), 0)
    vmap_increment = jax.vmap(DictCounter.increment, in_axes=in_axes)
    _, batched = vmap_increment(batched, jnp.array([1, 5, 10]))
    _, batched = vmap_increment(batched, jnp.array([2, 3, 4]))
    ref = jax.vmap(stateful_counter, in_axes=({"count": 0}, 0))
    ref_state = ref(ref({"count": jnp.array([0, 0, 0])}, jnp.array([1, 5, 10])), jnp.array([2, 3, 4]))
    print("vmapped:", batched.count_state, " seed's pure JAX:", ref_state)


if __name__ == "__main__":
    main()
