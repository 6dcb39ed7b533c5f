"""W2 as a purify user writes it: the seed's linear regression as an object."""

import jax.numpy as jnp
import purify


@purify.stateful
class LinReg:
    """y = weight * x + bias, fitted by SGD on the mean squared error."""

    def __init__(self, lr):
        self.lr = lr
        self.weight = purify.param(jnp.zeros(()))
        self.bias = purify.param(jnp.zeros(()))

    def loss(self, x, y):
        return jnp.mean((self.weight * x + self.bias - y) ** 2)

    def update(self, x, y):
        loss, grads = purify.value_and_grad(self.loss)(x, y)
        self.weight -= self.lr * grads.weight
        self.bias -= self.lr * grads.bias
        return loss
