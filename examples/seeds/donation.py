"""Seed 003 ("Params ownership and memory"): donate the state to the jitted step, so
XLA reuses its buffers in place instead of allocating new ones.

`purify.jit(obj.method)` donates the instance's old state by default (and
`purify.jit(Cls.method)` donates argument 0, the state); the old buffers are
deleted after the step, so no stale copy of the parameters stays alive.

    python -m examples.seeds.donation
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify

from examples.seeds.training_step import LinearModel, X, Y


@purify.stateful
class Accumulator:
    """A big buffer updated in place each step."""

    def __init__(self, n):
        self.total = jnp.zeros((n,))
        self.steps = jnp.zeros((), jnp.int32)

    def add(self, x):
        self.total += x
        self.steps += 1
        return self.steps


def main() -> None:
    model = LinearModel(2.0, 1.0)
    step = purify.jit(model.training_step)
    old = purify.state_of(model)
    step(X, Y, 0.1)
    print("after a donated step, the old state's buffers are deleted:",
          [leaf.is_deleted() for leaf in jax.tree.leaves(old)])
    print("the instance holds the new state:", purify.state_of(model))

    # The pure API: jax.jit with donate_argnums=0, or purify.jit (donates argument 0 by default).
    acc = Accumulator.init(1_000_000)
    add = purify.jit(Accumulator.add)
    before = acc.total
    pointer = acc.total.unsafe_buffer_pointer()
    _, acc = add(acc, jnp.ones((1_000_000,)))
    print("pure API: old buffer deleted:", before.is_deleted(),
          "| output reuses the donated buffer:", acc.total.unsafe_buffer_pointer() == pointer)

    # Without donation the old state stays alive: hold on to it deliberately if you need it.
    keep = jax.jit(Accumulator.add)
    snapshot = acc
    _, acc = keep(acc, jnp.ones((1_000_000,)))
    print("jax.jit without donation keeps the old state:", not snapshot.total.is_deleted(),
          "| values:", float(np.asarray(snapshot.total)[0]), "->", float(np.asarray(acc.total)[0]))


if __name__ == "__main__":
    main()
