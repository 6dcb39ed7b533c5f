"""A bouncing ball: gravity, and a bounce when the ball goes through the floor.

`if self.y < 0.0` is a test on the state; `while self.bounces < n` loops until the state says
stop. Under `jax.jit` the first becomes `jax.lax.cond`, the second `jax.lax.while_loop`.

    python -m examples.control.bouncing_ball
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class BouncingBall:
    """A ball dropped from `height`, losing `1 - restitution` of its speed at each bounce."""

    def __init__(self, height=10.0, restitution=0.8, gravity=9.81):
        self.gravity = gravity
        self.restitution = restitution
        self.y = height
        self.v = 0.0
        self.bounces = 0
        self.t = 0.0

    def step(self, dt=0.01):
        """One explicit Euler step; a ball below the floor is reflected and slowed down."""
        self.v -= self.gravity * dt
        self.y += self.v * dt
        if self.y < 0.0:
            self.y = -self.y
            self.v = -self.v * self.restitution
            self.bounces += 1
        self.t += dt
        return self.y

    def run_until(self, bounces, dt=0.01):
        """Step until the ball has bounced `bounces` times; returns the time it took."""
        while self.bounces < bounces:
            self.step(dt)
        return self.t


def main() -> None:
    ball = BouncingBall()
    heights = [float(ball.step()) for _ in range(300)]
    print(f"eager: after 3 s the ball is at {heights[-1]:.4f} m, {ball.bounces} bounce(s)")

    state = BouncingBall.init()
    step = jax.jit(BouncingBall.step)
    for _ in range(300):
        y, state = step(state)
    print(f"jax.jit: after 3 s the ball is at {float(y):.4f} m, {int(state.bounces)} bounce(s)")
    assert abs(float(y) - heights[-1]) < 1e-3 and int(state.bounces) == ball.bounces

    t, state = jax.jit(BouncingBall.run_until)(BouncingBall.init(), 3)
    print(f"jax.jit of a while loop: the third bounce comes at t = {float(t):.2f} s")

    balls = jax.vmap(BouncingBall.init)(jnp.array([1.0, 5.0, 10.0, 20.0]))
    times, balls = jax.jit(jax.vmap(BouncingBall.run_until, in_axes=(0, None)))(balls, 2)
    print("jax.vmap, second bounce from 1, 5, 10, 20 m at t =", [round(float(t), 2) for t in times])


if __name__ == "__main__":
    main()
