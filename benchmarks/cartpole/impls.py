"""The implementations compared: each a pure step `step(state, action) -> (out, state)` and a
batch of initial states for `n` environments. Building one may fail (purify without the
control-flow conversion, gymnax not installed): the caller skips it with the reason."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import handwritten


@dataclass
class Impl:
    name: str
    layout: str  # "(4,)" or "scalars"
    build: Callable[[np.ndarray, np.ndarray], tuple[Callable, Any]]  # (states (n, 5), actions) -> (step, batch)


def initial(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n environments: x, x_dot, theta, theta_dot, steps_beyond_terminated, and an action each.
    Spread so that some lanes are past the thresholds, some just fell, some fell long ago: every
    branch of the reward is taken by some lane."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1, 1, size=(n, 4)) * np.array([2.6, 1.0, 0.25, 1.0])
    beyond = rng.choice([-1, -1, 0, 3], size=n)
    return np.concatenate([values, beyond[:, None]], axis=1).astype(np.float32), rng.integers(0, 2, size=n).astype(np.int32)


def _beyond(values: np.ndarray) -> jax.Array:
    return jnp.asarray(values[:, 4].astype(np.int32))


def build_vector_jax(values, actions):
    batch = handwritten.VectorState(jnp.asarray(values[:, :4]), _beyond(values))
    return handwritten.vector_step, batch


def build_scalar_jax(values, actions):
    batch = handwritten.ScalarState(*(jnp.asarray(values[:, i]) for i in range(4)), _beyond(values))
    return handwritten.scalar_step, batch


def build_vector_purify(values, actions):
    from examples.control.cartpole import CartPole

    def one(state, beyond):  # as a user batches environments: every state leaf gets the batch axis
        return CartPole.init()._replace(state=state, steps_beyond_terminated=beyond)

    return CartPole.step, jax.vmap(one)(jnp.asarray(values[:, :4]), _beyond(values))


def build_scalar_purify(values, actions):
    from .classes import CartPoleScalars

    def one(x, x_dot, theta, theta_dot, beyond):
        return CartPoleScalars.init()._replace(x=x, x_dot=x_dot, theta=theta, theta_dot=theta_dot,
                                               steps_beyond_terminated=beyond)

    return CartPoleScalars.step, jax.vmap(one)(*(jnp.asarray(values[:, i]) for i in range(4)), _beyond(values))


def build_gymnax(values, actions):
    """gymnax's CartPole-v1 `step_env`: its dynamics and termination test, without the
    auto-reset that `env.step` adds (which Gymnasium's `step` does not have either)."""
    from gymnax.environments.classic_control.cartpole import CartPole, EnvState

    env = CartPole()
    params = env.default_params
    key = jax.random.key(0)  # step_env does not draw from it

    def step(state, action):
        obs, state, reward, done, info = env.step_env(key, state, action, params)
        return (obs, reward, done, info), state

    fields = dict(zip(("x", "x_dot", "theta", "theta_dot"), (jnp.asarray(values[:, i]) for i in range(4))))
    batch = EnvState(**fields, time=jnp.zeros(len(values), jnp.int32))
    return step, batch


IMPLS = [
    Impl("hand-written JAX", "(4,)", build_vector_jax),
    Impl("purify", "(4,)", build_vector_purify),
    Impl("hand-written JAX", "scalars", build_scalar_jax),
    Impl("purify", "scalars", build_scalar_purify),
    Impl("gymnax", "scalars", build_gymnax),
]


def observe(out: Any) -> dict[str, np.ndarray]:
    """What every implementation must agree on after a step: obs, and terminated (gymnax's
    `done`). The reward is compared between the Gymnasium ports only: gymnax rewards the step
    after the one the pole fell on with 0 (`1 - prev_terminal`), Gymnasium the one after that."""
    obs, *rest = out
    terminated = rest[1]
    return {"obs": np.asarray(obs), "terminated": np.asarray(terminated), "reward": np.asarray(rest[0])}
