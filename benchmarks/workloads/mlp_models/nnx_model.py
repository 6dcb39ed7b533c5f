"""Flax NNX: nnx.Linear / nnx.BatchNorm / nnx.Dropout in a Module, trained with
nnx.value_and_grad (w.r.t. nnx.Param) and manual SGD; the Dropout's RngStream is the RNG state."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from ...frameworks import nnx_rows
from ..losses import mse
from . import MLPConfig, weights


def dense(pair: tuple, rngs: nnx.Rngs) -> nnx.Linear:
    kernel, bias = pair
    layer = nnx.Linear(*kernel.shape, rngs=rngs)
    layer.kernel.value, layer.bias.value = jnp.asarray(kernel), jnp.asarray(bias)
    return layer


class MLP(nnx.Module):
    def __init__(self, cfg: MLPConfig, rngs: nnx.Rngs):
        w = weights(cfg)
        self.l1 = dense(w["l1"], rngs)
        self.bn = nnx.BatchNorm(cfg.n_hidden, momentum=cfg.momentum, epsilon=cfg.eps, rngs=rngs)
        self.dropout = nnx.Dropout(cfg.rate, rngs=rngs)
        self.hidden = nnx.List([dense(pair, rngs) for pair in w["hidden"]])
        self.out = dense(w["out"], rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        h = self.dropout(jax.nn.relu(self.bn(self.l1(x))))
        for layer in self.hidden:
            h = jax.nn.relu(layer(h))
        return self.out(h)


def make(cfg: MLPConfig) -> tuple[MLP, Any]:
    def train_step(model: MLP, x: jax.Array, y: jax.Array) -> jax.Array:
        value, grads = nnx.value_and_grad(lambda m: mse(m(x), y))(model)
        nnx_rows.sgd(model, grads, cfg.lr)
        return value

    return MLP(cfg, nnx.Rngs(params=cfg.seed, dropout=cfg.seed)), train_step


def observe(model: MLP) -> dict:
    return {"running_mean": model.bn.mean.value, "rng": nnx.state(model, nnx.RngState)}
