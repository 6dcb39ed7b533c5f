"""Seed 002: `predict_and_update`, `loss_fn` and a `training_step` under `jax.jit`,
written as methods of one object. `purify.value_and_grad(self.loss)` differentiates
with respect to the object's parameters and returns gradients shaped like its state.

    python -m examples.seeds.training_step
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class LinearModel:
    def __init__(self, w=2.0, b=1.0):
        self.w = purify.param(jnp.asarray(w))
        self.b = purify.param(jnp.asarray(b))

    def predict(self, x):
        return self.w * x + self.b

    def loss(self, x, y_target):
        return jnp.mean((self.predict(x) - y_target) ** 2)

    def training_step(self, x, y_target, learning_rate):
        loss, grads = purify.value_and_grad(self.loss)(x, y_target)
        self.w -= learning_rate * grads.w
        self.b -= learning_rate * grads.b
        return loss


# -- the seed's hand-written pure JAX, for comparison ----------------------------------


def predict_and_update(params, x):
    pred = params["w"] * x + params["b"]
    return pred, params


def loss_fn(params, x, y_target):
    pred, _ = predict_and_update(params, x)
    return jnp.mean((pred - y_target) ** 2)


def training_step(params, x, y_target, learning_rate):
    loss, grads = jax.value_and_grad(loss_fn, argnums=0)(params, x, y_target)
    updated_params = jax.tree.map(lambda p, g: p - learning_rate * g, params, grads)
    return loss, updated_params


X = jnp.array([1.0, 2.0, 3.0])
Y = jnp.array([3.5, 5.5, 7.5])  # the seed says "ideal: w=2.5, b=1.0"; the exact fit is w=2, b=1.5


def main() -> None:
    model = LinearModel(2.0, 1.0)
    print("loss:", model.loss(X, Y), " seed:", loss_fn({"w": 2.0, "b": 1.0}, X, Y))
    grads = purify.grad(model.loss)(X, Y)  # on an instance: with respect to its parameters
    print("gradients:", grads, " seed:", jax.grad(loss_fn)({"w": jnp.array(2.0), "b": jnp.array(1.0)}, X, Y))

    # The pure API under jax.jit, step by step against the seed's jitted training_step.
    step = jax.jit(LinearModel.training_step)
    seed_step = jax.jit(training_step)
    state, params = LinearModel.init(2.0, 1.0), {"w": jnp.array(2.0), "b": jnp.array(1.0)}
    for i in range(2):
        loss, state = step(state, X, Y, 0.1)
        seed_loss, params = seed_step(params, X, Y, 0.1)
        print(f"step {i + 1}: loss {float(loss):.4f} w {float(state.w):.4f} b {float(state.b):.4f}"
              f"   seed: loss {float(seed_loss):.4f} w {float(params['w']):.4f} b {float(params['b']):.4f}")

    # OOP style: the instance's own method, compiled with its state threaded and donated.
    fast = purify.jit(model.training_step)
    for _ in range(100):
        loss = fast(X, Y, 0.1)
    print(f"after 100 more steps on the instance: loss {float(loss):.5f}, "
          f"w {float(model.w):.3f} b {float(model.b):.3f} (exact fit: w=2, b=1.5)")


if __name__ == "__main__":
    main()
