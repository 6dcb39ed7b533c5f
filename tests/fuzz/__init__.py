"""Fuzzers for purify (issue 4).

* `programs.py`: random *supported* stateful classes plus a script of method calls
  (hypothesis strategies), for the differential fuzzer in `differential.py`: the
  undecorated class run eagerly must agree with the decorated instance, the pure
  API under `jax.jit`, the pure API under `jax.vmap` and the module `purify convert`
  emits.
* `crash.py`: random odd-but-legal classes fed to the decorator's front end and
  to `convert`: the only acceptable outcomes are a conversion or a `PurifyError`.

`python -m tests.fuzz --examples N` runs long campaigns; tests/test_fuzz.py runs a
bounded number of examples in CI.
"""
