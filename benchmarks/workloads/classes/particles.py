"""W5 as a purify user writes it: one particle; a batch of them is a vmapped state."""

import jax.numpy as jnp
import purify


@purify.stateful
class Particle:
    def __init__(self, x, v, dt):
        self.dt = dt
        self.x = jnp.asarray(x)
        self.v = jnp.asarray(v)  # only read later, so it must say it is an array to be state

    def advance(self):
        self.x += self.v * self.dt
        return self.x
