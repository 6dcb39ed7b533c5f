import jax.numpy as jnp

import purify


@purify.stateful
class Acc:
    def __init__(self):
        self.total = jnp.zeros(())

    def add(self, x):
        self.total = self.total + x
        return self.total
