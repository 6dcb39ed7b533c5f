"""The examples of seeds 002 (explicit state with jit/grad/vmap/pmap) and 003 (the
blox "sharp bits"), written as plain classes decorated with `@purify.stateful`.

Each module keeps the seed's hand-written pure JAX next to the class where the
seed has one, and a `main()` that prints both. Run from the repository root,
e.g. `python -m examples.seeds.dropout_lanes`.
"""
