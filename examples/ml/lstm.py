"""An LSTM as a plain class, unrolled two ways over ONE state: a Python loop
(`__call__`, easy to debug, one traced copy of the cell per time step) and
`jax.lax.scan` (`scan`, one compiled loop). As in the blox seed, the same
parameters serve both variants, and they compute the same outputs.

    python -m examples.ml.lstm
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class LSTM:
    """Inputs `(batch, time, n_in)`; outputs `(batch, time, hidden)` and the last carry `(h, c)`."""

    def __init__(self, n_in, hidden, seed=0):
        rng = purify.Rng(seed)
        self.hidden = hidden
        self.w_x = purify.param(jax.random.normal(rng(), (n_in, 4 * hidden)) / jnp.sqrt(n_in))
        self.w_h = purify.param(jax.random.normal(rng(), (hidden, 4 * hidden)) / jnp.sqrt(hidden))
        self.b = purify.param(jnp.zeros((4 * hidden,)).at[hidden:2 * hidden].set(1.0))  # forget bias 1

    def initial_carry(self, batch):
        return jnp.zeros((batch, self.hidden)), jnp.zeros((batch, self.hidden))

    def cell(self, carry, x):
        """One time step: `(h, c), x -> (h', c'), h'`."""
        h, c = carry
        i, f, g, o = jnp.split(x @ self.w_x + h @ self.w_h + self.b, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    def __call__(self, xs, carry=None):
        """Variant 1: a Python loop over time."""
        if carry is None:
            carry = self.initial_carry(xs.shape[0])
        ys = []
        for t in range(xs.shape[1]):
            carry, y = self.cell(carry, xs[:, t])
            ys.append(y)
        return jnp.stack(ys, axis=1), carry

    def scan(self, xs, carry=None):
        """Variant 2: `jax.lax.scan`; the body is a nested function that reads `self`."""
        if carry is None:
            carry = self.initial_carry(xs.shape[0])

        def step(carry, x):
            return self.cell(carry, x)

        carry, ys = jax.lax.scan(step, carry, jnp.swapaxes(xs, 0, 1))
        return jnp.swapaxes(ys, 0, 1), carry


def main(steps: int = 150, seq_len: int = 12) -> None:
    from examples.ml.adam import Adam

    xs = jax.random.uniform(jax.random.key(0), (16, seq_len, 1), minval=-1.0, maxval=1.0)
    state = LSTM.init(1, 16, seed=42)

    loop, scan = jax.jit(LSTM.__call__), jax.jit(LSTM.scan)
    (y_loop, _), _ = loop(state, xs)
    (y_scan, _), _ = scan(state, xs)
    print(f"same state, two variants: loop output sum {float(y_loop.sum()):.4f}, "
          f"scan output sum {float(y_scan.sum()):.4f}, max diff {float(jnp.abs(y_loop - y_scan).max()):.1e}")
    n_loop = len(jax.make_jaxpr(LSTM.__call__)(state, xs).eqns)
    n_scan = len(jax.make_jaxpr(LSTM.scan)(state, xs).eqns)
    print(f"jaxpr equations: Python loop {n_loop} (unrolled over {seq_len} steps), lax.scan {n_scan}")

    # Train the scan variant: unit 0 of h tracks the running mean of the inputs.
    target = jnp.cumsum(xs[..., 0], axis=1) / jnp.arange(1, xs.shape[1] + 1)

    def loss_fn(state):
        (ys, _), _ = LSTM.scan(state, xs)
        return jnp.mean((ys[..., 0] - target) ** 2)

    opt = Adam.init(purify.split(state)[0], lr=0.02)  # moments for the parameters only

    @jax.jit
    def train_step(state, opt):
        params, rest = purify.split(state)
        loss, grads = jax.value_and_grad(lambda p: loss_fn(purify.merge(p, rest)))(params)
        params, opt = Adam.update(opt, grads, params)
        return loss, purify.merge(params, rest), opt

    for i in range(steps):
        loss, state, opt = train_step(state, opt)
        if i % 30 == 0 or i == steps - 1:
            print(f"step {i:3d}  loss {float(loss):.5f}")
    # The trained state still runs in the Python-loop variant, with the same result.
    (y_loop, _), _ = loop(state, xs)
    (y_scan, _), _ = scan(state, xs)
    print(f"after training, loop vs scan max diff {float(jnp.abs(y_loop - y_scan).max()):.1e}")


if __name__ == "__main__":
    main()
