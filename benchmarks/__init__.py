"""Side-by-side benchmarks of purify, hand-written JAX and peer frameworks.

A script, not a timed test: ``python -m benchmarks --help``. The method is the one in
shared/research/peer-benchmarks.md (interleaved repeats, per-repeat ratio to the baseline).
"""
