"""Training in OOP style: a `Trainer` whose `step(batch)` does `value_and_grad` and an
optax update, compiled into one jitted, donated pure step by `purify.jit(trainer.step)`.

The model is an MLP with BatchNorm and Dropout, trained on a small synthetic
classification set (three Gaussian blobs). Inside `step`,
`purify.value_and_grad(self.model.loss)` differentiates with respect to the model's
parameters only, while the BatchNorm statistics and the Dropout RNG counter it
updates are kept.

    python -m examples.ml.trainer
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax
import purify

from examples.ml.batchnorm import BatchNorm
from examples.ml.dropout import Dropout
from examples.ml.linear import Linear


@purify.stateful
class Classifier:
    """Linear -> BatchNorm -> ReLU -> Dropout -> Linear."""

    def __init__(self, n_in, hidden, n_classes, seed=0, rate=0.1):
        rng = purify.Rng(seed)
        self.l1 = Linear(n_in, hidden, rng)
        self.bn = BatchNorm(hidden)
        self.drop = Dropout(rate, seed + 1)
        self.l2 = Linear(hidden, n_classes, rng)

    def __call__(self, x, training=True):
        h = jax.nn.relu(self.bn(self.l1(x), training))
        return self.l2(self.drop(h, training))

    def loss(self, x, labels):
        logits = self(x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    def accuracy(self, x, labels):
        return jnp.mean(jnp.argmax(self(x, training=False), axis=-1) == labels)


@purify.stateful
class Trainer:
    """Holds a model and an optax optimizer; `step(batch)` is one training step.

    The model is passed in; the annotation `model: Classifier` tells purify it is a
    child, whose state nests in the Trainer's (`Trainer.init` takes its State).
    """

    def __init__(self, model: Classifier, lr=1e-2):
        self.model = model
        self.opt = optax.adam(lr)  # an optax transformation: static configuration
        self.opt_state = self.opt.init(purify.split(self.model)[0])
        self.steps = 0

    def step(self, batch):
        x, labels = batch
        loss, grads = purify.value_and_grad(self.model.loss)(x, labels)
        params, rest = purify.split(self.model)
        updates, self.opt_state = self.opt.update(grads, self.opt_state, params)
        self.model = purify.merge(optax.apply_updates(params, updates), rest)
        self.steps += 1
        return loss

    def evaluate(self, batch):
        x, labels = batch
        return self.model.accuracy(x, labels)


def blobs(key, n, n_classes=3, dim=2):
    """`n` points around `n_classes` centres on a circle, with integer labels."""
    k1, k2 = jax.random.split(key)
    labels = jax.random.randint(k1, (n,), 0, n_classes)
    angles = 2 * jnp.pi * jnp.arange(n_classes) / n_classes
    centres = 2.0 * jnp.stack([jnp.cos(angles), jnp.sin(angles)], axis=1)
    x = centres[labels] + 1.0 * jax.random.normal(k2, (n, dim))
    return x, labels


def train(steps: int = 200, batch_size: int = 64, seed: int = 0, verbose: bool = True):
    """Train a classifier on the blobs; returns `(trainer, losses, test_accuracy)`."""
    log = print if verbose else (lambda *a, **k: None)
    train_x, train_y = blobs(jax.random.key(seed), 1024)
    test = blobs(jax.random.key(seed + 1), 512)

    trainer = Trainer(Classifier(2, 32, 3, seed=seed), lr=5e-3)
    step = purify.jit(trainer.step)  # one compiled pure step; the old state's buffers are donated
    evaluate = purify.jit(trainer.evaluate)
    log(f"before training: test accuracy {float(evaluate(test)):.3f}")
    n_batches = train_x.shape[0] // batch_size
    batches = [(train_x[j * batch_size:(j + 1) * batch_size], train_y[j * batch_size:(j + 1) * batch_size])
               for j in range(n_batches)]
    every = max(1, steps // 5)
    losses, window = [], []
    for i in range(steps):
        loss = step(batches[i % n_batches])
        losses.append(loss)
        window.append(loss)
        if (i + 1) % every == 0:
            log(f"steps {i + 1 - every:4d}-{i:4d}  mean loss {float(jnp.mean(jnp.stack(window))):.4f}")
            window = []
    acc = float(evaluate(test))
    log(f"steps taken: {int(trainer.steps)}; dropout RNG counter: {int(trainer.model.drop.rng.counter)}; "
        f"BatchNorm running mean[:3]: {[round(float(v), 2) for v in trainer.model.bn.mean[:3]]}")
    log(f"test accuracy: {acc:.3f}")
    return trainer, [float(v) for v in losses], acc


def main(steps: int = 200) -> float:
    return train(steps)[2]

if __name__ == "__main__":
    main()
