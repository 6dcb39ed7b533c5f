"""Dropout as a plain class holding a `purify.Rng` (a seed and a counter).

`key = self.rng()` returns `fold_in(seed, counter)` and advances the counter, so
every call draws a new mask and the randomness is part of the state: jitted,
vmapped, checkpointed and restored like any other field. Under `purify.vmap`
each lane also folds in its lane index (unique masks with replicated state);
under plain `jax.vmap` every lane draws the same mask.

    python -m examples.ml.dropout
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Dropout:
    """Zero each input with probability `rate` in training; scale the rest by 1/(1-rate)."""

    def __init__(self, rate, seed=0):
        self.rate = rate
        self.rng = purify.Rng(seed)

    def __call__(self, x, training=True):
        if not training or self.rate == 0.0:
            return x
        keep = jax.random.bernoulli(self.rng(), 1.0 - self.rate, x.shape)
        return jnp.where(keep, x / (1.0 - self.rate), 0.0)


def show(title, out):
    print(title)
    for i, row in enumerate(out):
        print(f"  lane {i}: {(row == 0).astype(int).tolist()}")


def main() -> None:
    drop = Dropout(0.5, seed=42)
    x = jnp.ones((8,))
    print("eager calls draw new masks; counter advances:")
    for _ in range(2):
        print("  ", (drop(x) == 0).astype(int).tolist(), " counter =", int(drop.rng.counter))
    print("  eval mode is the identity:", bool(jnp.all(drop(x, training=False) == x)))

    # Compiled on the instance: the counter lives on in the instance's state.
    fast = purify.jit(drop.__call__, static_argnames="training")
    fast(x)
    print("after purify.jit call, counter =", int(drop.rng.counter))

    # The pure API with replicated state: in_axes=None for the state, out_axes=None too.
    state = Dropout.init(0.5, seed=42)
    xs = jnp.ones((4, 8))
    naive, _ = jax.jit(jax.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None)))(state, xs)
    show("jax.vmap: every lane draws the SAME mask (the blox sharp bit)", naive)
    folded, new_state = jax.jit(purify.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None)))(state, xs)
    show("purify.vmap: each lane folds in its index -> unique masks", folded)
    print("returned state is shared by all lanes (out_axes=None); counter =", int(new_state.rng.counter))


if __name__ == "__main__":
    main()
