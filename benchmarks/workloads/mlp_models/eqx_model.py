"""Equinox: eqx.nn.Linear / BatchNorm(mode="batch") / Dropout, per-example under
jax.vmap(axis_name="batch"); BN statistics and the dropout counter live in eqx.nn.State."""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp

from ...frameworks import eqx_rows
from ..losses import mse
from . import MLPConfig, weights


def dense(pair: tuple) -> eqx.nn.Linear:
    kernel, bias = pair
    layer = eqx.nn.Linear(*kernel.shape, key=jax.random.key(0))
    # eqx stores the kernel as (out, in)
    return eqx.tree_at(lambda m: (m.weight, m.bias), layer, (jnp.asarray(kernel.T), jnp.asarray(bias)))


class MLP(eqx.Module):
    l1: eqx.nn.Linear
    bn: eqx.nn.BatchNorm
    dropout: eqx.nn.Dropout
    hidden: tuple[eqx.nn.Linear, ...]
    out: eqx.nn.Linear
    seed: jax.Array
    counter: eqx.nn.StateIndex

    def __init__(self, cfg: MLPConfig):
        w = weights(cfg)
        self.l1 = dense(w["l1"])
        self.bn = eqx.nn.BatchNorm(cfg.n_hidden, axis_name="batch", eps=cfg.eps, momentum=cfg.momentum, mode="batch")
        self.dropout = eqx.nn.Dropout(cfg.rate)
        self.hidden = tuple(dense(pair) for pair in w["hidden"])
        self.out = dense(w["out"])
        self.seed = jax.random.key(cfg.seed)
        self.counter = eqx.nn.StateIndex(jnp.uint32(0))

    def __call__(self, x: jax.Array, state: eqx.nn.State, key: jax.Array) -> tuple:
        """One example; vmapped over the batch."""
        h, state = self.bn(self.l1(x), state)
        h = self.dropout(jax.nn.relu(h), key=key)
        for layer in self.hidden:
            h = jax.nn.relu(layer(h))
        return self.out(h), state


def make(cfg: MLPConfig) -> tuple[Any, Any]:
    def train_step(batch: tuple, tree: tuple) -> tuple:
        x, y = batch
        model, state = tree
        counter = state.get(model.counter)
        keys = jax.random.split(jax.random.fold_in(model.seed, counter), x.shape[0])
        state = state.set(model.counter, counter + 1)

        def loss(model: MLP, state: eqx.nn.State) -> tuple:
            batched = jax.vmap(model, axis_name="batch", in_axes=(0, None, 0), out_axes=(0, None))
            pred, state = batched(x, state, keys)
            return mse(pred, y), state

        (value, state), grads = eqx.filter_value_and_grad(loss, has_aux=True)(model, state)
        return value, (eqx_rows.sgd(model, grads, cfg.lr), state)

    return eqx.nn.make_with_state(MLP)(cfg), train_step


def observe(tree: tuple) -> dict:
    model, state = tree
    return {"running_mean": state.get(model.bn.batch_state_index)[0], "rng": state.get(model.counter)}
