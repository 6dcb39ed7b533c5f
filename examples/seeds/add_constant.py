"""Seed 003 ("Module changes not visible after JIT"): with blox, changing
`adder.value` after `jax.jit(adder)` is silently ignored (the cached trace still adds
10). With purify, `value` is static configuration stored in the instance's state as
pytree metadata: changing it changes the state's tree structure, so the jitted
function retraces and the change is visible.

    python -m examples.seeds.add_constant
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class AddConstant:
    """Adds a constant to the input."""

    def __init__(self, value):
        self.value = value  # static config: a Python float, not a JAX array

    def __call__(self, x):
        return x + self.value


def main() -> None:
    adder = AddConstant(10.0)
    x = jnp.array([1.0, 2.0, 3.0])

    add_constant = purify.jit(adder.__call__)
    out1 = add_constant(x)
    print(f"value=10: {x.tolist()} -> {out1.tolist()}")

    adder.value = 100.0
    print(f"Changed value to {adder.value}")
    out2 = add_constant(x)
    print(f"After change: {x.tolist()} -> {out2.tolist()}  (the same jitted function, retraced)")

    # The pure API behaves the same: the static value is part of the state's treedef.
    jitted = jax.jit(AddConstant.__call__)
    state = AddConstant.init(10.0)
    a, _ = jitted(state, x)
    b, _ = jitted(state._replace(value=100.0), x)
    print(f"pure API: {a.tolist()} then {b.tolist()}; leaves of the state:",
          jax.tree.leaves(state), "(value is metadata, not a leaf)")


if __name__ == "__main__":
    main()
