"""Adam written by hand as a plain class; it matches `optax.adam` step for step.

The optimizer's moments and step count are state; its hyper-parameters are
static configuration (plain Python numbers set only in `__init__`).

    python -m examples.ml.adam
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Adam:
    """Adam (Kingma & Ba) over any pytree of parameters."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps = lr, b1, b2, eps
        self.mu = jax.tree.map(jnp.zeros_like, params)
        self.nu = jax.tree.map(jnp.zeros_like, params)
        self.count = jnp.zeros((), jnp.int32)

    def update(self, grads, params):
        """One step: returns the new parameters and advances the moments."""
        self.count += 1
        self.mu = jax.tree.map(lambda m, g: self.b1 * m + (1 - self.b1) * g, self.mu, grads)
        self.nu = jax.tree.map(lambda v, g: self.b2 * v + (1 - self.b2) * g * g, self.nu, grads)
        mu_hat_scale = 1 / (1 - self.b1 ** self.count)
        nu_hat_scale = 1 / (1 - self.b2 ** self.count)
        return jax.tree.map(
            lambda p, m, v: p - self.lr * (m * mu_hat_scale) / (jnp.sqrt(v * nu_hat_scale) + self.eps),
            params, self.mu, self.nu)


def rosenbrock(p):
    return (1 - p["x"]) ** 2 + 100 * (p["y"] - p["x"] ** 2) ** 2


def main(steps: int = 1500) -> None:
    import optax

    params = {"x": jnp.array(-1.0), "y": jnp.array(2.0)}

    # OOP style: an instance whose update is compiled by purify.jit (state donated).
    opt = Adam(params, lr=0.05)
    update = purify.jit(opt.update)
    grad_fn = jax.jit(jax.grad(rosenbrock))

    # optax, for comparison.
    ref = optax.adam(0.05)
    ref_state = ref.init(params)

    @jax.jit
    def ref_step(p, s):
        updates, s = ref.update(jax.grad(rosenbrock)(p), s, p)
        return optax.apply_updates(p, updates), s

    p_ref = params
    for i in range(steps):
        params = update(grad_fn(params), params)
        p_ref, ref_state = ref_step(p_ref, ref_state)
        if i % 300 == 0 or i == steps - 1:
            print(f"step {i:4d}  f = {float(rosenbrock(params)):.6f}   optax f = {float(rosenbrock(p_ref)):.6f}")
    diff = max(float(jnp.abs(params[k] - p_ref[k])) for k in params)
    print(f"minimum found: x={float(params['x']):.4f} y={float(params['y']):.4f} (true 1, 1)")
    print(f"optimizer step count: {int(opt.count)};  max |hand-written - optax| = {diff:.2e}")


if __name__ == "__main__":
    main()
