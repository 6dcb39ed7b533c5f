"""Seed 003 ("Init vs runtime"): parameters initialised under `vmap` must be identical
in every lane, while dropout at run time must differ per lane.

blox checks `params.is_locked` by hand to decide whether to fold in the lane index.
With purify the rule is automatic: inside `Cls.init` no lane is folded in (so
`out_axes=None` works for the initial state), and in every other method
`purify.vmap` folds it in. The run-time masks are the ones the seed prints.

    python -m examples.seeds.init_vs_runtime
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class NoisyLinear:
    """A linear map with random initial weights, followed by dropout; one Rng for both."""

    def __init__(self, n_in, n_out, seed, rate=0.5):
        self.rate = rate
        self.rng = purify.Rng(seed)
        self.w = purify.param(jax.random.normal(self.rng(), (n_in, n_out)) / jnp.sqrt(n_in))

    def __call__(self, x):
        h = x @ self.w
        keep = jax.random.bernoulli(self.rng(), 1.0 - self.rate, h.shape)
        return jnp.where(keep, h / (1.0 - self.rate), 0.0)


def main() -> None:
    x_batch = jnp.ones((4, 8))

    # Init under vmap: no lane folding, so one state comes back for all lanes (out_axes=None).
    def init_fn(x):
        return NoisyLinear.init(x.shape[-1], 8, seed=42)

    state = jax.jit(purify.vmap(init_fn, axis_name="batch", out_axes=None))(x_batch)
    print("init under purify.vmap -> one state for every lane; w shape", state.w.shape,
          "| equals the unbatched init:", bool(jnp.allclose(state.w, NoisyLinear.init(8, 8, seed=42).w, atol=1e-6)),
          "| rng counter", int(state.rng.counter))

    # Runtime under vmap with replicated state: unique masks per lane.
    runtime = purify.vmap(NoisyLinear.__call__, in_axes=(None, 0), out_axes=(0, None), axis_name="batch")
    out, new_state = jax.jit(runtime)(state, x_batch)
    print("runtime: unique masks per lane")
    for i, row in enumerate(out):
        print(f"  Lane {i}: {(row == 0).astype(int).tolist()}")
    print("returned state shared by all lanes; rng counter", int(new_state.rng.counter))


if __name__ == "__main__":
    main()
