"""Control-flow examples: plain classes that branch and loop on their own state.

Each is written the way its author would write it for NumPy, with `jax.numpy` swapped in;
`@purify.stateful` makes its `if`/`while` on traced state run under `jax.jit` and `jax.vmap`.
Run them from the repository root, e.g. `python -m examples.control.cartpole`.
"""
