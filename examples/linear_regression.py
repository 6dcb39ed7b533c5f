"""Linear regression by gradient descent, seed 000's worked example, written as a plain class.

The seed threads a `Params` NamedTuple through `init`, `loss` and `update` by hand. Here the
parameters are attributes, `update` assigns them, and `@purify.stateful` writes the pure
version: `LinearRegression.update(state, x, y) -> (None, new_state)`, which `jax.jit` compiles
to the same program as the seed's hand-written `update`.

Run (after `pip install -e .`, or with PYTHONPATH=. from the repository root):
    python examples/linear_regression.py
"""

import jax
import jax.numpy as jnp
import purify

LEARNING_RATE = 0.005


@purify.stateful
class LinearRegression:
    """y = weight * x + bias."""

    def __init__(self, rng):
        weights_key, bias_key = jax.random.split(rng)
        self.weight = jax.random.normal(weights_key, ())
        self.bias = jax.random.normal(bias_key, ())

    def __call__(self, x):
        return self.weight * x + self.bias

    @staticmethod
    def loss(weight, bias, x, y):
        """Computes the least squares error of the model's predictions on x against y."""
        pred = weight * x + bias
        return jnp.mean((pred - y) ** 2)

    def update(self, x, y):
        """Performs one SGD update step on the parameters using the given data."""
        grad_weight, grad_bias = jax.grad(self.loss, argnums=(0, 1))(self.weight, self.bias, x, y)
        self.weight = self.weight - grad_weight * LEARNING_RATE
        self.bias = self.bias - grad_bias * LEARNING_RATE


def data(rng):
    """Generate true data from y = w*x + b + noise."""
    true_w, true_b = 2, -1
    x_rng, noise_rng = jax.random.split(rng)
    xs = jax.random.normal(x_rng, (128, 1))
    noise = jax.random.normal(noise_rng, (128, 1)) * 0.5
    ys = xs * true_w + true_b + noise
    return xs, ys


def main() -> None:
    rng = jax.random.key(42)
    xs, ys = data(rng)

    # Object-oriented: the instance keeps its parameters; purify.jit compiles its update.
    model = LinearRegression(rng)
    update = purify.jit(model.update)
    for _ in range(1000):
        update(xs, ys)
    print(f"w: {float(model.weight):.4f}  b: {float(model.bias):.4f}")

    # The pure API, as in the seed: params = update(params, xs, ys).
    params = LinearRegression.init(rng)
    pure_update = jax.jit(LinearRegression.update)
    for _ in range(1000):
        _, params = pure_update(params, xs, ys)
    print(f"w: {float(params.weight):.4f}  b: {float(params.bias):.4f}")
    print(f"loss: {float(LinearRegression.loss(params.weight, params.bias, xs, ys)):.4f}")


if __name__ == "__main__":
    main()
