"""Decorated classes whose `purify.source(Cls)` text the golden test pins: children (a list, a
tuple, a private one), inheritance, purify.Rng, purify.grad, split and merge, properties,
static and class methods, NumPy item updates, dict items, a docstring and comments."""

import jax
import jax.numpy as jnp
import numpy as np

import purify


@purify.stateful
class Counter:
    """A simple counter."""

    def __init__(self, start=0):
        self.n = start  # the count so far

    def count(self) -> int:
        # one more
        self.n += 1
        return self.n

    def reset(self):
        self.n = 0


@purify.stateful
class Linear:
    def __init__(self, seed, n_in, n_out):
        # deterministic and cheap
        self.w = purify.param(jnp.cos(jnp.arange(n_in * n_out, dtype=jnp.float32).reshape(n_in, n_out) + seed))
        self.b = purify.param(jnp.zeros((n_out,)))
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x @ self.w + self.b

    def norm(self):
        return jnp.sum(self.w ** 2)


@purify.stateful
class MLP:
    def __init__(self, seed, sizes):
        self.layers = [Linear(seed + i, a, b) for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
        self.pair = (Linear(seed, 2, 2), Linear(seed + 1, 2, 2))
        self.__head = Linear(seed, sizes[-1], 1)
        self.steps = 0

    def __call__(self, x):
        self.steps += 1
        for layer in self.layers:
            x = jnp.tanh(layer(x))
        return self.__head(x)

    def loss(self, x, y):
        return jnp.mean((self(x) - y) ** 2)


@purify.stateful
class Trainer:
    def __init__(self, seed):
        self.model = MLP(seed, (2, 3))
        self.steps = 0

    def step(self, x, y, lr=0.1):
        grads = purify.grad(self.model.loss)(x, y)
        params, rest = purify.split(self.model)
        new = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        self.model = purify.merge(new, rest)  # the model steps
        self.steps += 1
        return self.model.pair[0].norm()


@purify.stateful
class Base:
    def __init__(self, n):
        self.n = n
        self.hits = 0

    def hit(self, k=1):
        self.hits += k
        return self.hits


@purify.stateful
class Child(Base):
    def __init__(self, n, extra):
        self.before = extra * 2
        super().__init__(n + 1)
        self.extra = extra

    def hit(self, k=1):
        base = super().hit(k * 2)
        self.extra += base
        return base + self.extra


@purify.stateful
class GrandChild(Child):
    def bump(self):
        self.n += 1
        return super().hit()


@purify.stateful
class Dropout:
    def __init__(self, rate, seed=0):
        self.rate = rate
        self.rng = purify.Rng(seed)

    def __call__(self, x):
        keep = jax.random.bernoulli(self.rng(), 1.0 - self.rate, x.shape)
        return jnp.where(keep, x / (1.0 - self.rate), 0.0)


@purify.stateful
class Shape:
    SIDES = 4

    def __init__(self, size):
        self.size = jnp.asarray(size)
        self.grown = 0

    @staticmethod
    def area_of(s):
        return s * s

    @classmethod
    def sides(cls):
        return cls.SIDES

    @property
    def area(self):
        return self.area_of(self.size)

    def grow(self, d):
        self.size = self.size + d
        self.grown += 1
        return self.area + Shape.area_of(d) + self.sides()


@purify.stateful
class Hist:
    def __init__(self, bins):
        self.counts = np.zeros(bins)
        self.table = {"a": jnp.zeros(2), "b": 0}

    def add(self, i):
        self.counts[i] += 1
        self.table["a"] = self.table["a"].at[0].add(1.0)
        self.table["b"] += 1
        return self.counts.sum()


@purify.stateful
class Noisy:
    def __init__(self, seed):
        rng = purify.Rng(seed)  # a local stream: used while building only
        self.w = jax.random.normal(rng(), (2,))
        self.dropout = Dropout(0.5, seed)

    def __call__(self, x):
        return self.dropout(x * self.w)
