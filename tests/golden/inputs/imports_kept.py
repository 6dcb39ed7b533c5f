"""The module's own code still uses purify: the import stays, the converted class needs none of it."""

import jax
import jax.numpy as jnp
import numpy as np, purify  # numpy stays either way
from purify import jit, stateful


@stateful
class Acc:
    def __init__(self):
        self.total = jnp.zeros(())

    def add(self, x):
        self.total = self.total + x
        return self.total


def run(acc):
    return purify.jit(acc.add)(1.0), jit(acc.add), jax.numpy, np.pi
