# A leading comment: stays at the top.
import jax.numpy as jnp
import numpy as np

import purify

SCALE = 2.0  # module code around the class stays as it was


# The class's own comment: stays above it.
@purify.stateful
class Meter:  # trailing on the class line
    """Counts and sums."""

    # above __init__
    def __init__(self, n):
        self.count = 0  # how many
        self.total = jnp.zeros(())  # their sum
        self.hist = np.zeros(n)

    def add(self, x, i):  # trailing on a def
        # before the write
        self.total = self.total + x * SCALE  # scaled
        self.count += 1
        self.hist[i] += 1  # a NumPy item update: copies a helper

        # after a blank line
        return self.total / self.count  # the mean

    # a comment between methods

    def mean(self):
        return self.total / self.count
        # indented after the last statement: stays in the class


# after the class
print(SCALE)
