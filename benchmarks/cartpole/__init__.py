"""CartPole: Gymnasium's CartPole class converted by purify, against the same dynamics written
by hand in pure JAX with the same state layout, and against gymnax's hand-written CartPole.

    python -m benchmarks.cartpole            # sizes 1, 1,000 and 100,000; prints the table
    python -m benchmarks.cartpole --help

Two layouts, each with its purify class and its hand-written twin: Gymnasium's, whose state is one
`(4,)` vector (`examples/control/cartpole.py`, `handwritten.VectorState`), and gymnax's, whose
state is four scalars (`classes.CartPoleScalars`, `handwritten.ScalarState`).
"""
