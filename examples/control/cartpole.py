# The dynamics and termination test below are copied from Gymnasium's CartPole
# (gymnasium/envs/classic_control/cartpole.py, Gymnasium 1.3.0), MIT License:
#   Copyright (c) 2016 OpenAI
#   Copyright (c) 2022 Farama Foundation
# which in turn is the "classic cart-pole system implemented by Rich Sutton et al.", copied from
# http://incompleteideas.net/sutton/book/code/pole.c (permalink: https://perma.cc/C9ZM-652R).
# The MIT License's permission notice: "Permission is hereby granted, free of charge, to any
# person obtaining a copy of this software and associated documentation files (the "Software"),
# to deal in the Software without restriction, including without limitation the rights to use,
# copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and
# to permit persons to whom the Software is furnished to do so, subject to the following
# conditions: The above copyright notice and this permission notice shall be included in all
# copies or substantial portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT
# WARRANTY OF ANY KIND."
"""Gymnasium's CartPole as an environment class, with `jax.numpy` for NumPy.

`step` is Gymnasium's: the Euler (or semi-implicit Euler) update of the cart and pole, the
termination test `x < -x_threshold or x > x_threshold or ...`, and the reward that depends on
whether the pole has just fallen. Under `jax.jit(jax.vmap(CartPole.step))` thousands of carts
step at once, each lane taking its own branch. The edits, marked `# port:`, are what a JAX
environment cannot have: the random generator is a JAX key passed to `reset`; Gymnasium's
spaces, rendering and warning logger are left out; `steps_beyond_terminated` counts from -1
instead of None (a state field has one structure); the state is float32 (JAX's default); the
termination test `bool(a or b or ...)` is the test of an `if` (purify does not convert `or` inside
`bool(...)` yet).

    python -m examples.control.cartpole
"""

import math

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class CartPole:
    """The cart-pole of Barto, Sutton and Anderson: push the cart left (0) or right (1) to
    keep the pole upright; the episode ends when the pole tips past 12 degrees or the cart
    leaves the track."""

    def __init__(self, sutton_barto_reward: bool = False, kinematics_integrator: str = "euler"):
        self._sutton_barto_reward = sutton_barto_reward

        self.gravity = 9.8
        self.masscart = 1.0
        self.masspole = 0.1
        self.total_mass = self.masspole + self.masscart
        self.length = 0.5  # actually half the pole's length
        self.polemass_length = self.masspole * self.length
        self.force_mag = 10.0
        self.tau = 0.02  # seconds between state updates
        self.kinematics_integrator = kinematics_integrator  # port: a constructor argument

        # Angle at which to fail the episode
        self.theta_threshold_radians = 12 * 2 * math.pi / 360
        self.x_threshold = 2.4

        self.state = jnp.zeros(4)  # port: zeros until reset, not None
        self.steps_beyond_terminated = -1  # port: -1 for None

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta = jnp.cos(theta)
        sintheta = jnp.sin(theta)

        # For the interested reader:
        # https://coneural.org/florian/papers/05_cart_pole.pdf
        temp = (
            force + self.polemass_length * jnp.square(theta_dot) * sintheta
        ) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length
            * (4.0 / 3.0 - self.masspole * jnp.square(costheta) / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass

        if self.kinematics_integrator == "euler":
            x = x + self.tau * x_dot
            x_dot = x_dot + self.tau * xacc
            theta = theta + self.tau * theta_dot
            theta_dot = theta_dot + self.tau * thetaacc
        else:  # semi-implicit euler
            x_dot = x_dot + self.tau * xacc
            x = x + self.tau * x_dot
            theta_dot = theta_dot + self.tau * thetaacc
            theta = theta + self.tau * theta_dot

        self.state = jnp.array((x, x_dot, theta, theta_dot), dtype=jnp.float32)

        terminated = bool(
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        )

        if not terminated:
            reward = 0.0 if self._sutton_barto_reward else 1.0
        elif self.steps_beyond_terminated == -1:  # port: `is None`
            # Pole just fell!
            self.steps_beyond_terminated = 0

            reward = -1.0 if self._sutton_barto_reward else 1.0
        else:
            # port: Gymnasium warns here that step() is called after termination
            self.steps_beyond_terminated += 1

            reward = -1.0 if self._sutton_barto_reward else 0.0

        # truncation=False as the time limit is handled by the `TimeLimit` wrapper added during `make`
        return jnp.array(self.state, dtype=jnp.float32), reward, terminated, False, {}

    def reset(self, key, low=-0.05, high=0.05):
        """A new episode: every state variable uniform in (low, high). port: a JAX key, not a seed."""
        self.state = jax.random.uniform(key, (4,), minval=low, maxval=high)
        self.steps_beyond_terminated = -1
        return jnp.array(self.state, dtype=jnp.float32), {}


def policy(obs):
    """Push towards the side the pole leans to: keeps it up for a while, not for ever."""
    return (obs[2] > 0).astype(jnp.int32)


def main() -> None:
    env = CartPole()
    obs, _ = env.reset(jax.random.key(0))
    steps = 0
    while True:
        obs, reward, terminated, *_ = env.step(int(policy(obs)))
        steps += 1
        if terminated:
            break
    print(f"eager: the pole fell after {steps} steps, x = {float(obs[0]):.4f}")

    state = CartPole.init()
    _, state = CartPole.reset(state, jax.random.key(0))
    step = jax.jit(CartPole.step)
    for _ in range(steps):
        (obs_jit, reward, terminated, _, _), state = step(state, policy(state.state))
    print(f"jax.jit: after {steps} steps terminated = {bool(terminated)}, x = {float(obs_jit[0]):.4f}")
    assert bool(terminated) and jnp.allclose(obs, obs_jit, atol=1e-5)

    # 1,000 carts, one step each, every lane taking its own branch of the reward.
    keys = jax.random.split(jax.random.key(1), 1000)
    envs = jax.vmap(lambda k: CartPole.reset(CartPole.init(), k)[1])(keys)
    rewards = jnp.zeros(1000)
    batched = jax.jit(jax.vmap(CartPole.step))
    for _ in range(60):
        (obs, reward, terminated, _, _), envs = batched(envs, jax.vmap(policy)(envs.state))
        rewards += reward
    print(f"jax.vmap over 1,000 carts, 60 steps: {int(terminated.sum())} fell; mean return {float(rewards.mean()):.2f}")


if __name__ == "__main__":
    main()
