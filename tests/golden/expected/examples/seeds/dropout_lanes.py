"""Seed 003 ("RNG handling in parallel contexts"): dropout under `vmap` with the RNG
state replicated across lanes.

Under plain `jax.vmap` every lane computes the same key, so every example gets the
same mask. blox fixes it by hand: fold the lane index into the seed, run, restore the
seed. With purify it is automatic: `purify.vmap` makes `self.rng()` fold in the lane
index, and the returned state (seed and counter) is the same in every lane, so
`out_axes=(0, None)` works. The masks are bit-for-bit the ones the seed prints.

    python -m examples.seeds.dropout_lanes
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify

from examples.ml.dropout import Dropout

# -- the seed's recipe, hand-written in pure JAX on a {seed, counter} dict ------------------


def dropout_pure(rng, x, rate=0.5):
    key = jax.random.fold_in(rng["seed"], rng["counter"])
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0), {**rng, "counter": rng["counter"] + 1}


def dropout_axis_index(rng, x):
    """The seed's approach 2: fold `axis_index('batch')` into the seed, then restore it."""
    original_seed = rng["seed"]
    rng = {**rng, "seed": jax.random.fold_in(original_seed, jax.lax.axis_index("batch"))}
    out, rng = dropout_pure(rng, x)
    return out, {**rng, "seed": original_seed}


def masks(out):
    return [(row == 0).astype(int).tolist() for row in out]


def main() -> None:
    x_batch = jnp.ones((4, 8))
    state = Dropout.init(0.5, seed=42)
    state = state._replace(rng=state.rng._replace(counter=state.rng.counter + 1))  # as after the seed's init pass

    naive, _ = jax.jit(jax.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None)))(state, x_batch)
    print("jax.vmap (naive): all lanes get the SAME mask")
    for i, m in enumerate(masks(naive)):
        print(f"  Lane {i}: {m}")

    state = state._replace(rng=state.rng._replace(counter=jnp.zeros((), jnp.uint32)))  # the seed resets it
    lanes = purify.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None), axis_name="batch")
    out, new_state = jax.jit(lanes)(state, x_batch)
    print("purify.vmap: each lane gets a UNIQUE mask, no code changes")
    for i, m in enumerate(masks(out)):
        print(f"  Lane {i}: {m}")

    rng = {"seed": state.rng.seed, "counter": state.rng.counter}
    ref, ref_rng = jax.jit(jax.vmap(dropout_axis_index, in_axes=(None, 0), out_axes=(0, None), axis_name="batch"))(
        rng, x_batch)
    print("same masks as the seed's hand-written axis_index recipe:", bool(jnp.all(out == ref)))
    print("returned RNG state identical across lanes: counter", int(new_state.rng.counter),
          "(seed's:", int(ref_rng["counter"]), ")")


if __name__ == "__main__":
    main()
