"""The reference: hand-written NamedTuple state and a pure step under jax.jit(donate_argnums=0).

BN normalises with the batch statistics (biased variance) and keeps running mean/var as an
EMA (running = m * running + (1 - m) * batch); dropout draws its mask from
fold_in(seed, counter) with the counter in the state; SGD touches the parameters only.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ...runner import Runner, pure_runner
from ..losses import mse
from . import MLPConfig, batch, weights


class Dense(NamedTuple):
    w: jax.Array
    b: jax.Array


class Norm(NamedTuple):
    scale: jax.Array
    bias: jax.Array


class Stats(NamedTuple):
    mean: jax.Array
    var: jax.Array


class Params(NamedTuple):
    l1: Dense
    bn: Norm
    hidden: tuple[Dense, ...]
    out: Dense


class TrainState(NamedTuple):
    params: Params
    stats: Stats
    seed: jax.Array  # a PRNG key; the dropout key is fold_in(seed, counter)
    counter: jax.Array


def init(cfg: MLPConfig) -> TrainState:
    w = weights(cfg)
    dense = lambda pair: Dense(*map(jnp.asarray, pair))
    params = Params(
        l1=dense(w["l1"]),
        bn=Norm(jnp.ones(cfg.n_hidden), jnp.zeros(cfg.n_hidden)),
        hidden=tuple(map(dense, w["hidden"])),
        out=dense(w["out"]),
    )
    stats = Stats(jnp.zeros(cfg.n_hidden), jnp.ones(cfg.n_hidden))
    return TrainState(params, stats, jax.random.key(cfg.seed), jnp.uint32(0))


def batch_norm(norm: Norm, stats: Stats, h: jax.Array, cfg: MLPConfig) -> tuple[jax.Array, Stats]:
    mean, var = jnp.mean(h, axis=0), jnp.var(h, axis=0)
    m = cfg.momentum
    running = Stats(m * stats.mean + (1 - m) * mean, m * stats.var + (1 - m) * var)
    return (h - mean) / jnp.sqrt(var + cfg.eps) * norm.scale + norm.bias, running


def dropout(key: jax.Array, h: jax.Array, rate: float) -> jax.Array:
    if rate == 0:
        return h
    keep = 1 - rate
    return jnp.where(jax.random.bernoulli(key, keep, h.shape), h / keep, 0)


def forward(params: Params, stats: Stats, key: jax.Array, x: jax.Array, cfg: MLPConfig) -> tuple[jax.Array, Stats]:
    h, stats = batch_norm(params.bn, stats, x @ params.l1.w + params.l1.b, cfg)
    h = dropout(key, jax.nn.relu(h), cfg.rate)
    for layer in params.hidden:
        h = jax.nn.relu(h @ layer.w + layer.b)
    return h @ params.out.w + params.out.b, stats


def make_step(cfg: MLPConfig):
    def loss(params: Params, stats: Stats, key: jax.Array, x: jax.Array, y: jax.Array) -> tuple[jax.Array, Stats]:
        pred, stats = forward(params, stats, key, x, cfg)
        return mse(pred, y), stats

    def step(state: TrainState, x: jax.Array, y: jax.Array) -> tuple[jax.Array, TrainState]:
        key = jax.random.fold_in(state.seed, state.counter)
        (value, stats), grads = jax.value_and_grad(loss, has_aux=True)(state.params, state.stats, key, x, y)
        params = jax.tree.map(lambda p, g: p - cfg.lr * g, state.params, grads)
        return value, TrainState(params, stats, state.seed, state.counter + 1)

    return step


def observe(state: TrainState) -> dict:
    return {"running_mean": state.stats.mean, "rng": state.counter}


def build(cfg: MLPConfig) -> Runner:
    return pure_runner(jax.jit(make_step(cfg), donate_argnums=0), init(cfg), batch(cfg), observe)
