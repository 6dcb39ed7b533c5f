"""Seed 002: one set of parameters shared by every element of a batch,
`jax.vmap(..., in_axes=(None, 0))`. The returned state is the input state
(replicated), so `out_axes=(0, None)` hands it back un-batched.

    python -m examples.seeds.shared_params
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from examples.seeds.training_step import LinearModel, predict_and_update


def main() -> None:
    state = LinearModel.init(2.0, 1.0)
    x_batch = jnp.array([1.0, 2.0, 3.0, 4.0])

    preds, out_state = jax.vmap(LinearModel.predict, in_axes=(None, 0))(state, x_batch)
    seed_preds, seed_params = jax.vmap(predict_and_update, in_axes=(None, 0))(
        {"w": jnp.array(2.0), "b": jnp.array(1.0)}, x_batch)
    print("batched predictions:", preds, " seed:", seed_preds)
    print("output state, replicated by vmap (out_axes=0):", out_state, " seed:", seed_params)

    preds, same_state = jax.vmap(LinearModel.predict, in_axes=(None, 0), out_axes=(0, None))(state, x_batch)
    print("with out_axes=(0, None) the state comes back as it went in:", same_state)


if __name__ == "__main__":
    main()
