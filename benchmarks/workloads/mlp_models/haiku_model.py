"""Haiku: hk.Linear / hk.BatchNorm / hk.dropout under transform_with_state + jax.jit.

The common weights are written into the params dict that `init` returns. Haiku's BN keeps a
zero-debiased EMA; its raw EMA (`hidden`) is what the other frameworks call the running mean.
"""

from __future__ import annotations

import haiku as hk
import jax
import jax.numpy as jnp

from ...frameworks import haiku_rows
from ...runner import Runner, pure_runner
from ..losses import mse
from . import MLPConfig, batch, weights


def make_loss(cfg: MLPConfig):
    def loss(x, y):
        h = hk.Linear(cfg.n_hidden, name="l1")(x)
        h = hk.BatchNorm(True, True, decay_rate=cfg.momentum, eps=cfg.eps, name="bn")(h, is_training=True)
        h = jax.nn.relu(h)
        if cfg.rate:
            h = hk.dropout(hk.next_rng_key(), cfg.rate, h)
        for i in range(cfg.extra):
            h = jax.nn.relu(hk.Linear(cfg.n_hidden, name=f"hidden_{i}")(h))
        return mse(hk.Linear(cfg.n_out, name="out")(h), y)

    return loss


def common_params(params: dict, cfg: MLPConfig) -> dict:
    w = weights(cfg)
    named = {"l1": w["l1"], "out": w["out"], **{f"hidden_{i}": pair for i, pair in enumerate(w["hidden"])}}
    return {**params, **{name: {"w": jnp.asarray(k), "b": jnp.asarray(b)} for name, (k, b) in named.items()}}


def observe(carry: tuple) -> dict:
    _, state, key = carry
    return {"running_mean": state["bn/~/mean_ema"]["hidden"], "rng": key}


def build(cfg: MLPConfig) -> Runner:
    model = hk.transform_with_state(make_loss(cfg))
    key = jax.random.key(cfg.seed)
    params, state = model.init(key, *batch(cfg))
    carry = (common_params(params, cfg), state, key)
    return pure_runner(haiku_rows.sgd_step(model.apply, cfg.lr), carry, batch(cfg), observe)
