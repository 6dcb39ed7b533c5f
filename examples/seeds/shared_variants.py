"""Seed 003 ("Sharing params across models"): two model variants, one state.

blox builds an LSTM twice, once with a Python for-loop and once with `lax.scan`,
and runs both on the same params. Here the variants are two small classes that
inherit the cell and the parameters from `examples.ml.lstm.LSTM` and differ only
in how they unroll time. Both accept the same state: their States have the same
fields, and the generated code only reads and replaces fields by name.

    python -m examples.seeds.shared_variants
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify

from examples.ml.lstm import LSTM


@purify.stateful
class StaticLSTM(LSTM):
    """Unrolls time with a Python for-loop (debuggable; one traced cell per step)."""


@purify.stateful
class DynamicLSTM(LSTM):
    """Unrolls time with `jax.lax.scan` (one compiled loop)."""

    def __call__(self, xs, carry=None):
        return self.scan(xs, carry)


def main() -> None:
    x = jnp.ones((2, 5, 8))  # [batch, time, features], as in the seed
    state = StaticLSTM.init(8, 16, seed=42)  # initialise with one of them

    (out_static, _), _ = jax.jit(StaticLSTM.__call__)(state, x)
    (out_dynamic, _), _ = jax.jit(DynamicLSTM.__call__)(state, x)  # the SAME state
    print(f"Static LSTM output sum: {float(out_static.sum()):.4f}")
    print(f"Dynamic LSTM output sum: {float(out_dynamic.sum()):.4f}")
    print("Same params, different execution modes! max diff", float(jnp.abs(out_static - out_dynamic).max()))

    # A state made by either class is accepted by the other's methods; convert the type if wanted.
    as_dynamic = DynamicLSTM.State(*state)
    print("the state converts between the variants field by field:", type(state).__name__, "->",
          type(as_dynamic).__name__, as_dynamic._fields == state._fields)

if __name__ == "__main__":
    main()
