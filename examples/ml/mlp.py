"""A multi-layer perceptron built from `Linear` children, fitted to a sine curve with the
hand-written `Adam`.

The hidden layers are a list of `Linear` instances: purify nests their states as
a tuple and `for layer in self.hidden:` threads each one's state.

    python -m examples.ml.mlp
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import purify

from examples.ml.adam import Adam
from examples.ml.linear import Linear


@purify.stateful
class MLP:
    """`sizes = (n_in, h1, ..., n_out)`; ReLU between layers, none after the last."""

    def __init__(self, sizes, seed=0):
        rng = purify.Rng(seed)  # a local stream: used while building the layers only
        self.hidden = [Linear(a, b, rng) for a, b in itertools.pairwise(sizes[:-1])]
        self.out = Linear(sizes[-2], sizes[-1], rng)

    def __call__(self, x):
        for layer in self.hidden:
            x = jax.nn.relu(layer(x))
        return self.out(x)

    def loss(self, x, y):
        return jnp.mean((self(x) - y) ** 2)


@jax.jit
def train_step(state, opt, x, y):
    """Plain JAX on the pure API: differentiate `MLP.loss` with respect to the parameters,
    update them with the hand-written `Adam` (examples/ml/adam.py), also through its pure API."""
    params, rest = purify.split(state)

    def loss_fn(p):
        loss, _ = MLP.loss(purify.merge(p, rest), x, y)
        return loss

    loss, grads = jax.value_and_grad(loss_fn)(params)
    params, opt = Adam.update(opt, grads, params)
    return loss, purify.merge(params, rest), opt


def main(steps: int = 300) -> None:
    x = jnp.linspace(-3, 3, 128)[:, None]
    y = jnp.sin(x)
    state = MLP.init((1, 32, 32, 1), seed=0)
    print("MLP state:", type(state).__name__, "hidden:", len(state.hidden), "x",
          type(state.hidden[0]).__name__, "| out:", type(state.out).__name__)
    print("parameter shapes:", jax.tree.map(jnp.shape, state))
    opt = Adam.init(purify.split(state)[0], lr=0.01)
    for i in range(steps):
        loss, state, opt = train_step(state, opt, x, y)
        if i % 50 == 0 or i == steps - 1:
            print(f"step {i:3d}  loss {float(loss):.5f}")
    pred, _ = MLP.__call__(state, jnp.array([[0.0], [1.5]]))
    print("sin(0), sin(1.5) =", [0.0, round(float(jnp.sin(1.5)), 3)], " predicted:",
          [round(float(v), 3) for v in pred[:, 0]])

if __name__ == "__main__":
    main()
