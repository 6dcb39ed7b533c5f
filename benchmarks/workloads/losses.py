"""The loss every workload trains on."""

import jax.numpy as jnp


def mse(pred, y):
    return jnp.mean((pred - y) ** 2)
