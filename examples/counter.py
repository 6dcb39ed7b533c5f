"""The Counter of seed 000 ("Stateful Computations"), written as a plain class.

The seed's counter counts 1, 2, 3 in Python but silently returns 1, 1, 1 under
`jax.jit(counter.count)`. With `@purify.stateful` the class is unchanged, and:

* its instances still count 1, 2, 3;
* `jax.jit(counter.count)` raises a PurifyError that says what to write instead;
* `purify.jit(counter.count)` compiles the method and threads the state: 1, 2, 3;
* the pure API (the seed's `CounterV2`, written for you) works under `jax.jit`:
  `value, state = jax.jit(Counter.count)(state)`.

Run (after `pip install -e .`, or with PYTHONPATH=. from the repository root):
    python examples/counter.py
"""

import jax
import purify


@purify.stateful
class Counter:
    """A simple counter."""

    def __init__(self):
        self.n = 0

    def count(self) -> int:
        """Increments the counter and returns the new value."""
        self.n += 1
        return self.n

    def reset(self):
        """Resets the counter to zero."""
        self.n = 0


def main() -> None:
    counter = Counter()
    print("eager:")
    for _ in range(3):
        print(counter.count())

    print("jax.jit(counter.count):")
    counter.reset()
    fast_count = jax.jit(counter.count)
    try:
        for _ in range(3):
            print(fast_count())
    except purify.PurifyError as e:
        print(f"PurifyError: {e}")

    print("purify.jit(counter.count):")
    counter.reset()
    fast_count = purify.jit(counter.count)
    for _ in range(3):
        print(fast_count())
    print(f"counter.n = {counter.n}")

    print("pure API under jax.jit:")
    state = Counter.init()
    fast_count = jax.jit(Counter.count)
    for _ in range(3):
        value, state = fast_count(state)
        print(value)
    print(f"state = {state}")


if __name__ == "__main__":
    main()
