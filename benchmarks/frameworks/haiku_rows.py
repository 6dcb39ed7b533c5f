"""Haiku: `transform_with_state` + `jax.jit`; the training state is (params, state, key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax


def sgd_step(apply: Callable, lr: float) -> Callable:
    """A jitted, donated SGD step over a transformed `loss(x, y)`.

    A dropout key is split off the key carried in the training state, the usual Haiku loop;
    a model without randomness carries None and gets no key.
    """

    def train_step(carry: tuple, x: Any, y: Any) -> tuple[Any, tuple]:
        params, state, key = carry
        step_key = None
        if key is not None:
            key, step_key = jax.random.split(key)
        (loss, state), grads = jax.value_and_grad(apply, has_aux=True)(params, state, step_key, x, y)
        params = jax.tree.map(lambda p, g: p - lr * g, params, grads)
        return loss, (params, state, key)

    return jax.jit(train_step, donate_argnums=0)
