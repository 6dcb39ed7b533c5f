"""Gymnasium's CartPole step written by hand in pure JAX: what a JAX user writes without purify.

Two state layouts, each the twin of a purify class: `VectorState` keeps Gymnasium's `(4,)`
vector (`examples/control/cartpole.py`), `ScalarState` keeps four scalars as gymnax does
(`benchmarks/cartpole/classes.py`). The math is Gymnasium's (MIT License, Copyright (c) 2016
OpenAI, (c) 2022 Farama Foundation); the branches are `jax.lax.cond`, as the Python `if`s
become; the outputs are the class's: (obs, reward, terminated, truncated=False, info={}).
"""

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

GRAVITY = 9.8
MASSCART = 1.0
MASSPOLE = 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # actually half the pole's length
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02  # seconds between state updates
THETA_THRESHOLD_RADIANS = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4


class VectorState(NamedTuple):
    state: jax.Array  # (4,): x, x_dot, theta, theta_dot
    steps_beyond_terminated: jax.Array  # -1 until the pole falls


class ScalarState(NamedTuple):
    x: jax.Array
    x_dot: jax.Array
    theta: jax.Array
    theta_dot: jax.Array
    steps_beyond_terminated: jax.Array


def accelerations(force, theta, theta_dot):
    costheta = jnp.cos(theta)
    sintheta = jnp.sin(theta)
    temp = (force + POLEMASS_LENGTH * jnp.square(theta_dot) * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * jnp.square(costheta) / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    return xacc, thetaacc


def reward_and_count(terminated, steps_beyond_terminated):
    """Gymnasium's reward: 1 while up, 1 on the step the pole falls, 0 after; the counter with it."""

    def fallen(beyond):
        return jax.lax.cond(beyond == -1, lambda b: (1.0, 0), lambda b: (0.0, b + 1), beyond)

    return jax.lax.cond(terminated, fallen, lambda b: (1.0, b), steps_beyond_terminated)


def is_terminated(x, theta):
    return (x < -X_THRESHOLD) | (x > X_THRESHOLD) | (theta < -THETA_THRESHOLD_RADIANS) | (theta > THETA_THRESHOLD_RADIANS)


def vector_step(s: VectorState, action):
    x, x_dot, theta, theta_dot = s.state
    force = jax.lax.cond(action == 1, lambda: FORCE_MAG, lambda: -FORCE_MAG)
    xacc, thetaacc = accelerations(force, theta, theta_dot)
    x = x + TAU * x_dot
    x_dot = x_dot + TAU * xacc
    theta = theta + TAU * theta_dot
    theta_dot = theta_dot + TAU * thetaacc
    state = jnp.array((x, x_dot, theta, theta_dot), dtype=jnp.float32)
    terminated = is_terminated(x, theta)
    reward, beyond = reward_and_count(terminated, s.steps_beyond_terminated)
    return (jnp.array(state, dtype=jnp.float32), reward, terminated, False, {}), VectorState(state, beyond)


def scalar_step(s: ScalarState, action):
    force = jax.lax.cond(action == 1, lambda: FORCE_MAG, lambda: -FORCE_MAG)
    xacc, thetaacc = accelerations(force, s.theta, s.theta_dot)
    x = s.x + TAU * s.x_dot
    x_dot = s.x_dot + TAU * xacc
    theta = s.theta + TAU * s.theta_dot
    theta_dot = s.theta_dot + TAU * thetaacc
    terminated = is_terminated(x, theta)
    reward, beyond = reward_and_count(terminated, s.steps_beyond_terminated)
    obs = jnp.array([x, x_dot, theta, theta_dot])
    return (obs, reward, terminated, False, {}), ScalarState(x, x_dot, theta, theta_dot, beyond)
