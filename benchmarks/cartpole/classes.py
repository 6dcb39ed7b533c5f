"""Gymnasium's CartPole with gymnax's state layout: four scalar attributes instead of one (4,)
vector, as a purify user would write it. `step` is `examples/control/cartpole.py`'s (Gymnasium's,
MIT License, Copyright (c) 2016 OpenAI, (c) 2022 Farama Foundation) with `self.x` for `x`."""

import math

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class CartPoleScalars:
    def __init__(self, sutton_barto_reward=False):
        self._sutton_barto_reward = sutton_barto_reward
        self.gravity = 9.8
        self.masscart = 1.0
        self.masspole = 0.1
        self.total_mass = self.masspole + self.masscart
        self.length = 0.5  # actually half the pole's length
        self.polemass_length = self.masspole * self.length
        self.force_mag = 10.0
        self.tau = 0.02  # seconds between state updates
        self.theta_threshold_radians = 12 * 2 * math.pi / 360
        self.x_threshold = 2.4
        self.x = jnp.float32(0.0)
        self.x_dot = jnp.float32(0.0)
        self.theta = jnp.float32(0.0)
        self.theta_dot = jnp.float32(0.0)
        self.steps_beyond_terminated = -1

    def step(self, action):
        force = self.force_mag if action == 1 else -self.force_mag
        costheta = jnp.cos(self.theta)
        sintheta = jnp.sin(self.theta)
        temp = (force + self.polemass_length * jnp.square(self.theta_dot) * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * jnp.square(costheta) / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass

        self.x = self.x + self.tau * self.x_dot
        self.x_dot = self.x_dot + self.tau * xacc
        self.theta = self.theta + self.tau * self.theta_dot
        self.theta_dot = self.theta_dot + self.tau * thetaacc

        terminated = bool(
            self.x < -self.x_threshold
            or self.x > self.x_threshold
            or self.theta < -self.theta_threshold_radians
            or self.theta > self.theta_threshold_radians
        )

        if not terminated:
            reward = 0.0 if self._sutton_barto_reward else 1.0
        elif self.steps_beyond_terminated == -1:
            # Pole just fell!
            self.steps_beyond_terminated = 0
            reward = -1.0 if self._sutton_barto_reward else 1.0
        else:
            self.steps_beyond_terminated += 1
            reward = -1.0 if self._sutton_barto_reward else 0.0

        return jnp.array([self.x, self.x_dot, self.theta, self.theta_dot]), reward, terminated, False, {}

    def reset(self, key, low=-0.05, high=0.05):
        self.x, self.x_dot, self.theta, self.theta_dot = jax.random.uniform(key, (4,), minval=low, maxval=high)
        self.steps_beyond_terminated = -1
        return jnp.array([self.x, self.x_dot, self.theta, self.theta_dot]), {}
