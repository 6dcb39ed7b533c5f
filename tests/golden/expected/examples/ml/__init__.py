"""Machine-learning examples written as plain classes made pure by `@purify.stateful`.

Each module holds one layer or model and a runnable demo; run them from the
repository root, e.g. `python -m examples.ml.trainer`.
"""
