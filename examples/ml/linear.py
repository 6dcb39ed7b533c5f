"""A dense layer as a plain class, and the blox `train_step` written with
`purify.split` / `purify.merge`.

    python -m examples.ml.linear
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Linear:
    """`y = x @ w + b`. `w` and `b` are trainable parameters (`purify.param`)."""

    def __init__(self, n_in, n_out, rng):
        # `rng` is a purify.Rng: each call returns a fresh key and advances it.
        self.w = purify.param(jax.random.normal(rng(), (n_in, n_out)) / jnp.sqrt(n_in))
        self.b = purify.param(jnp.zeros((n_out,)))

    def __call__(self, x):
        return x @ self.w + self.b


def mse(model_state, x, y):
    """Mean squared error of the pure layer; `Linear.__call__` returns `(out, state)`."""
    pred, _ = Linear.__call__(model_state, x)
    return jnp.mean((pred - y) ** 2)


@jax.jit
def train_step(state, x, y, lr=0.1):
    """The blox train_step: gradients for the parameters only, the rest passed through."""
    params, rest = purify.split(state)
    loss, grads = jax.value_and_grad(lambda p: mse(purify.merge(p, rest), x, y))(params)
    params = jax.tree.map(lambda p, g: p - lr * g, params, grads)
    return loss, purify.merge(params, rest)


def main(steps: int = 100) -> None:
    true_w = jnp.array([[2.0, -1.0], [0.5, 3.0], [-1.5, 0.0]])
    true_b = jnp.array([0.3, -0.7])
    kx, kn = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (128, 3))
    y = x @ true_w + true_b + 0.01 * jax.random.normal(kn, (128, 2))

    state = Linear.init(3, 2, purify.Rng(42))  # the pure API: a State NamedTuple
    print("state type:", type(state).__name__, "fields:", state._fields)
    params, rest = purify.split(state)
    print("split -> params:", [f for f in params._fields if getattr(params, f) is not None],
          "| rest:", [f for f in rest._fields if getattr(rest, f) is not None] or "(nothing)")
    for i in range(steps):
        loss, state = train_step(state, x, y)
        if i % 20 == 0 or i == steps - 1:
            print(f"step {i:3d}  loss {float(loss):.5f}")
    print("learned w:\n", jnp.round(state.w, 2), "\ntrue w:\n", true_w)
    print("learned b:", jnp.round(state.b, 2), "true b:", true_b)

    # The same class works as an ordinary object too.
    layer = Linear(3, 2, purify.Rng(42))
    print("eager instance output shape:", layer(x[:4]).shape)


if __name__ == "__main__":
    main()
