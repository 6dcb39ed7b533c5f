"""The MLP workloads (W3 tiny_mlp, W4 mlp), one model module per framework.

Structure: Linear -> BatchNorm(train, momentum 0.9) -> relu -> Dropout(rate) ->
[Linear -> relu] * extra -> Linear, MSE, plain SGD (p - lr g) on the parameters only, with
the BN running statistics and the RNG state threaded through every step. Every framework
starts from the same weights (`weights(cfg)`) and trains on the same batch (`batch(cfg)`).
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, replace
from typing import Any

import jax.numpy as jnp
import numpy as np

from ...harness import Impl


@dataclass(frozen=True)
class MLPConfig:
    n_in: int
    n_hidden: int
    n_out: int
    batch: int
    extra: int  # Linear -> relu blocks after the dropout
    lr: float = 0.01
    rate: float = 0.1  # dropout rate
    momentum: float = 0.9
    eps: float = 1e-5
    seed: int = 0


@functools.cache
def weights(cfg: MLPConfig) -> dict[str, Any]:
    """LeCun-normal kernels (fan_in, fan_out) and small random biases, as numpy float32.

    Biases are nonzero so that a framework that drops or misplaces them fails the checks.
    """
    rng = np.random.default_rng(cfg.seed)

    def dense(fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
        w = rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)
        return w.astype(np.float32), (0.1 * rng.normal(size=fan_out)).astype(np.float32)

    return {
        "l1": dense(cfg.n_in, cfg.n_hidden),
        "hidden": tuple(dense(cfg.n_hidden, cfg.n_hidden) for _ in range(cfg.extra)),
        "out": dense(cfg.n_hidden, cfg.n_out),
    }


@functools.cache
def batch(cfg: MLPConfig) -> tuple[jnp.ndarray, jnp.ndarray]:
    """One fixed batch; targets from a random linear teacher through tanh (learnable)."""
    rng = np.random.default_rng(cfg.seed + 1)
    x = rng.normal(size=(cfg.batch, cfg.n_in)).astype(np.float32)
    teacher = rng.normal(size=(cfg.n_in, cfg.n_out)) / np.sqrt(cfg.n_in)
    return jnp.asarray(x), jnp.asarray(np.tanh(x @ teacher).astype(np.float32))


def _model(module: str) -> Any:
    """A framework's model module, imported only when its row is built (a missing peer skips)."""
    return importlib.import_module(f"{__name__}.{module}")


def impls(cfg: MLPConfig) -> list[Impl]:
    from ...frameworks.eqx_rows import eqx_impls
    from ...frameworks.nnx_rows import nnx_impls
    from ...frameworks.purify_rows import purify_impls

    def built(module: str) -> Any:
        return lambda **overrides: _model(module).build(replace(cfg, **overrides))

    def made(module: str) -> Any:
        return lambda *classes, **overrides: _model(module).make(replace(cfg, **overrides), *classes)

    def observed(module: str) -> Any:
        return lambda state: _model(module).observe(state)

    data = batch(cfg)
    return [
        Impl("baseline", built("baseline")),
        *purify_impls("mlp", made("purify_model"), "step", data, observed("purify_model")),
        Impl("haiku", built("haiku_model")),
        Impl("blox", built("blox_model")),
        *nnx_impls(made("nnx_model"), data, observed("nnx_model")),
        *eqx_impls(made("eqx_model"), data, observed("eqx_model")),
    ]
