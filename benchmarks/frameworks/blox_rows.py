"""blox (jax-blox): the README `train_step` under `jax.jit(donate_argnames="params")`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax


def sgd_step(model: Callable, loss: Callable, lr: float) -> Callable:
    """Grad on the trainable half of the Params; the updated non-trainable half (BN
    statistics, RNG counter) comes back as aux; SGD; merge."""

    def train_step(params: Any, x: Any, y: Any) -> tuple[Any, Any]:
        trainable, non_trainable = params.split()

        def loss_fn(trainable: Any, non_trainable: Any) -> tuple[Any, Any]:
            pred, updated = model(trainable.merge(non_trainable), x)
            return loss(pred, y), updated.split()[1]

        (value, non_trainable), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable, non_trainable)
        trainable = jax.tree.map(lambda p, g: p - lr * g, trainable, grads)
        return value, trainable.merge(non_trainable)

    return jax.jit(train_step, donate_argnames="params")
