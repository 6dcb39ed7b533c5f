"""purify: the plain classes of `benchmarks.workloads.classes.mlp`, built from the common weights."""

from __future__ import annotations

from typing import Any

from . import MLPConfig, weights


def make(cfg: MLPConfig, classes: Any) -> Any:
    return classes.Trainer(cfg.lr, weights(cfg), cfg.rate, cfg.seed, cfg.momentum, cfg.eps)


def observe(state: Any) -> dict:
    return {"running_mean": state.model.bn.mean, "rng": state.model.dropout.rng}
