"""A thermostat with hysteresis: a bang-bang heater with a dead band.

The heater switches on when the room falls below `target - band` and off when it rises above
`target + band`; in between it keeps doing what it did. That memory is the state, and the
`if`/`elif` on it is what a plain `jax.jit` cannot trace: with `@purify.stateful` a traced test
runs as `jax.lax.cond` (a select under `jax.vmap`), a concrete one as the Python `if` it is.

    python -m examples.control.thermostat
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Thermostat:
    """Room temperature under a heater switched with hysteresis, stepped once a minute."""

    def __init__(self, target=20.0, band=0.5, power=0.8, loss=0.05, temperature=15.0):
        self.target = target
        self.band = band
        self.power = power  # degrees per minute with the heater on
        self.loss = loss  # fraction of the difference to outside lost per minute
        self.temperature = temperature
        self.heating = False

    def step(self, outside, dt=1.0):
        """Switch the heater if the room left the dead band, then warm or cool the room."""
        if self.temperature < self.target - self.band:
            self.heating = True
        elif self.temperature > self.target + self.band:
            self.heating = False
        heat = self.power if self.heating else 0.0
        self.temperature += dt * (heat - self.loss * (self.temperature - outside))
        return self.temperature


def main() -> None:
    room = Thermostat()
    eager = [float(room.step(5.0)) for _ in range(40)]
    print("eager, last 5 minutes:", [round(t, 3) for t in eager[-5:]], "heating:", bool(room.heating))

    state = Thermostat.init()
    step = jax.jit(Thermostat.step)
    jitted = []
    for _ in range(40):
        t, state = step(state, 5.0)
        jitted.append(float(t))
    print("jax.jit, last 5 minutes:", [round(t, 3) for t in jitted[-5:]], "heating:", bool(state.heating))
    assert jnp.allclose(jnp.array(eager), jnp.array(jitted), atol=1e-4)

    # Eight rooms at once, starting at different temperatures: each lane switches its own heater.
    rooms = jax.vmap(Thermostat.init, in_axes=(None, None, None, None, 0))(20.0, 0.5, 0.8, 0.05, jnp.linspace(10, 25, 8))
    _, rooms = jax.jit(jax.vmap(Thermostat.step, in_axes=(0, None)))(rooms, 5.0)
    print("jax.vmap over 8 rooms, heaters:", rooms.heating.astype(int).tolist())


if __name__ == "__main__":
    main()
