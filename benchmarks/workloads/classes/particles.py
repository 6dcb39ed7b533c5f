"""W5 as a purify user writes it: one particle; a batch of them is a vmapped state."""

import purify


@purify.stateful
class Particle:
    def __init__(self, x, v, dt):
        self.dt = dt
        self.x = x
        self.v = v

    def advance(self):
        self.x += self.v * self.dt
        return self.x
