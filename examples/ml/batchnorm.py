"""Batch normalisation as a plain class: a `training` flag, and running statistics
that are state but not parameters.

`scale` and `bias` are trainable (`purify.param`); `mean` and `var` are running
statistics, updated in training mode only. `purify.split` keeps them apart, so
`purify.grad` differentiates the parameters while the statistics update is kept.

    python -m examples.ml.batchnorm
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify


@purify.stateful
class BatchNorm:
    """Normalise over the batch axis (0) of `(batch, features)` inputs."""

    def __init__(self, features, momentum=0.9, eps=1e-5):
        self.momentum, self.eps = momentum, eps
        self.scale = purify.param(jnp.ones((features,)))
        self.bias = purify.param(jnp.zeros((features,)))
        self.mean = jnp.zeros((features,))
        self.var = jnp.ones((features,))

    def __call__(self, x, training=True):
        """`training` is a Python bool: pass it as a static argument under jit."""
        if training:
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.mean = m * self.mean + (1 - m) * jax.lax.stop_gradient(mean)
            self.var = m * self.var + (1 - m) * jax.lax.stop_gradient(var)
        else:
            mean, var = self.mean, self.var
        return self.scale * (x - mean) / jnp.sqrt(var + self.eps) + self.bias


def r(a):
    return np.round(np.asarray(a), 2) + 0.0  # (+ 0.0 turns -0.0 into 0.0)


def main(steps: int = 50) -> None:
    key = jax.random.key(0)
    true_mean, true_std = jnp.array([5.0, -2.0, 0.0]), jnp.array([2.0, 0.5, 1.0])

    bn = BatchNorm(3)
    step = purify.jit(bn.__call__, static_argnames="training")
    for i in range(steps):
        key, sub = jax.random.split(key)
        x = true_mean + true_std * jax.random.normal(sub, (64, 3))
        y = step(x, training=True)
    print("training mode: output mean", r(y.mean(0)), "std", r(y.std(0)))
    print("running mean:", r(bn.mean), " (data mean", r(true_mean), ")")
    print("running var: ", r(bn.var), " (data var ", r(true_std ** 2), ")")

    # purify.jit donates the old state's buffers: copy what you want to keep.
    before = np.array(bn.mean)
    y_eval = step(x, training=False)
    print("eval mode uses the running statistics; output mean", r(y_eval.mean(0)),
          "| statistics unchanged:", bool(np.all(before == np.asarray(bn.mean))))

    params, rest = purify.split(purify.state_of(bn))
    shapes = lambda tree: jax.tree.map(jnp.shape, tree)
    print("split -> params:", shapes(params))
    print("         rest:  ", shapes(rest))

    # Differentiate a loss with respect to the parameters only; the statistics update survives.
    def loss(state, x):
        out, state = BatchNorm.__call__(state, x, True)
        return jnp.sum(out[:, 0]), state

    params, rest = purify.split(BatchNorm.init(3))
    (_, new_state), grads = jax.value_and_grad(
        lambda p: loss(purify.merge(p, rest), x), has_aux=True)(params)
    print("d loss / d bias =", grads.bias, "| running mean after one training call:",
          r(new_state.mean))


if __name__ == "__main__":
    main()
