"""blox as its README shows it: one bx.Graph, one bx.Params holding everything, one shared
bx.Rng (seed + counter in the Params) used for init and for dropout.

The Params come from one lazy forward pass in eval mode, so it creates the BN statistics
without updating them; then `.locked()`. Constant initialisers copy the common weights.
"""

from __future__ import annotations

import blox as bx
import jax

from ...frameworks import blox_rows
from ...runner import Runner, pure_runner
from ..losses import mse
from . import MLPConfig, batch, weights


class MLP(bx.Module):
    def __init__(self, graph: bx.Graph, cfg: MLPConfig, rng: bx.Rng):
        super().__init__(graph)
        w = weights(cfg)
        self.l1 = self.dense(graph.child("l1"), w["l1"], rng)
        self.bn = bx.BatchNorm(graph.child("bn"), momentum=cfg.momentum, epsilon=cfg.eps)
        self.dropout = bx.Dropout(graph.child("dropout"), rate=cfg.rate, rng=rng)
        self.hidden = [self.dense(graph.child(f"hidden_{i}"), pair, rng) for i, pair in enumerate(w["hidden"])]
        self.out = self.dense(graph.child("out"), w["out"], rng)

    @staticmethod
    def dense(graph: bx.Graph, pair: tuple, rng: bx.Rng) -> bx.Linear:
        kernel, bias = (jax.nn.initializers.constant(value) for value in pair)
        return bx.Linear(graph, output_size=pair[0].shape[1], rng=rng, kernel_init=kernel, bias_init=bias)

    def __call__(self, params: bx.Params, x: jax.Array, is_training: bool = True) -> tuple:
        h, params = self.l1(params, x)
        h, params = self.bn(params, h, is_training=is_training)
        h, params = self.dropout(params, jax.nn.relu(h), is_training=is_training)
        for layer in self.hidden:
            h, params = layer(params, h)
            h = jax.nn.relu(h)
        return self.out(params, h)


def build(cfg: MLPConfig) -> Runner:
    graph = bx.Graph("net")
    rng = bx.Rng(graph.child("rng"))
    model = MLP(graph.child("mlp"), cfg, rng)
    x, _ = batch(cfg)
    _, params = model(rng.seed(bx.Params(), seed=cfg.seed), x, is_training=False)

    def observe(params: bx.Params) -> dict:
        return {"running_mean": params[model.bn.param_path("running_mean")].value, "rng": rng.get_counter(params)}

    return pure_runner(blox_rows.sgd_step(model, mse, cfg.lr), params.locked(), batch(cfg), observe)
