"""W3/W4 as a purify user writes them: layers as plain classes that mutate `self`.

BatchNorm updates its running statistics in place, Dropout draws from a `purify.Rng`
(fold_in(seed, counter), counter advanced per draw), and the Trainer's `step` takes the
gradient of the model's loss with respect to its `purify.param` fields and applies SGD
to those only (the blox train_step, with purify.split / purify.merge).
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Linear:
    def __init__(self, w, b):
        self.w = purify.param(jnp.asarray(w))
        self.b = purify.param(jnp.asarray(b))

    def __call__(self, x):
        return x @ self.w + self.b


@purify.stateful
class BatchNorm:
    def __init__(self, features, momentum, eps):
        self.momentum = momentum
        self.eps = eps
        self.scale = purify.param(jnp.ones(features))
        self.bias = purify.param(jnp.zeros(features))
        self.mean = jnp.zeros(features)
        self.var = jnp.ones(features)

    def __call__(self, x):
        """Training mode: normalise with the batch statistics, update the running ones."""
        mean, var = jnp.mean(x, axis=0), jnp.var(x, axis=0)
        self.mean = self.momentum * self.mean + (1 - self.momentum) * mean
        self.var = self.momentum * self.var + (1 - self.momentum) * var
        return (x - mean) / jnp.sqrt(var + self.eps) * self.scale + self.bias


@purify.stateful
class Dropout:
    def __init__(self, rate, seed):
        self.rate = rate
        self.rng = purify.Rng(seed)

    def __call__(self, x):
        if self.rate == 0:
            return x
        keep = 1 - self.rate
        return jnp.where(jax.random.bernoulli(self.rng(), keep, x.shape), x / keep, 0)


@purify.stateful
class MLP:
    """Linear -> BatchNorm -> relu -> Dropout -> [Linear -> relu] * n -> Linear."""

    def __init__(self, weights, rate, seed, momentum, eps):
        w1, b1 = weights["l1"]
        self.l1 = Linear(w1, b1)
        self.bn = BatchNorm(len(b1), momentum, eps)
        self.dropout = Dropout(rate, seed)
        self.hidden = [Linear(w, b) for w, b in weights["hidden"]]
        self.out = Linear(*weights["out"])

    def __call__(self, x):
        h = self.dropout(jax.nn.relu(self.bn(self.l1(x))))
        for layer in self.hidden:
            h = jax.nn.relu(layer(h))
        return self.out(h)

    def loss(self, x, y):
        return jnp.mean((self(x) - y) ** 2)


@purify.stateful
class Trainer:
    def __init__(self, lr, *model_args):
        self.model = MLP(*model_args)
        self.lr = lr

    def step(self, x, y):
        # Gradients w.r.t. the model's purify.param fields; the BN statistics and the RNG
        # counter that the loss advanced are kept in self.model.
        loss, grads = purify.value_and_grad(self.model.loss)(x, y)
        params, rest = purify.split(self.model)
        self.model = purify.merge(jax.tree.map(lambda p, g: p - self.lr * g, params, grads), rest)
        return loss
