"""W2 linreg: the seed's linear regression SGD step (000, "Stateful Computations").

128 points, y = 2x - 1 + 0.5 noise, MSE, lr 0.1, w = b = 0 at the start.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..checks import LinRegCheck
from ..frameworks import blox_rows, eqx_rows, haiku_rows, nnx_rows
from ..frameworks.eqx_rows import eqx_impls
from ..frameworks.nnx_rows import nnx_impls
from ..frameworks.purify_rows import purify_impls
from ..harness import Impl
from ..runner import Runner, pure_runner
from .losses import mse

NAME = "linreg"
LR = 0.1


def make_data() -> tuple[jax.Array, jax.Array]:
    """The seed's data, drawn the seed's way."""
    x_key, noise_key = jax.random.split(jax.random.key(42))
    xs = jax.random.normal(x_key, (128, 1))
    noise = jax.random.normal(noise_key, (128, 1)) * 0.5
    return xs, xs * 2 - 1 + noise


DATA = make_data()
CHECK = LinRegCheck(*DATA)


class Params(NamedTuple):
    weight: jax.Array
    bias: jax.Array


def loss(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    return mse(params.weight * x + params.bias, y)


def update(params: Params, x: jax.Array, y: jax.Array) -> tuple[jax.Array, Params]:
    value, grad = jax.value_and_grad(loss)(params, x, y)
    return value, jax.tree.map(lambda p, g: p - LR * g, params, grad)


def build_baseline() -> Runner:
    params = Params(jnp.zeros(()), jnp.zeros(()))
    return pure_runner(jax.jit(update, donate_argnums=0), params, DATA, lambda p: {"w": p.weight, "b": p.bias})


def build_haiku() -> Runner:
    import haiku as hk

    def haiku_loss(x, y):
        w = hk.get_parameter("w", (), init=jnp.zeros)
        b = hk.get_parameter("b", (), init=jnp.zeros)
        return mse(w * x + b, y)

    model = hk.transform_with_state(haiku_loss)
    params, state = model.init(None, *DATA)
    step = haiku_rows.sgd_step(model.apply, LR)
    return pure_runner(step, (params, state, None), DATA, lambda c: {"w": c[0]["~"]["w"], "b": c[0]["~"]["b"]})


def build_blox() -> Runner:
    import blox as bx

    class LinReg(bx.Module):
        def __call__(self, params, x):
            w, params = self.get_param(params, "w", (), jax.nn.initializers.zeros)
            b, params = self.get_param(params, "b", (), jax.nn.initializers.zeros)
            return w * x + b, params

    model = LinReg(bx.Graph("net").child("linreg"))
    _, params = model(bx.Params(), DATA[0])
    step = blox_rows.sgd_step(model, mse, LR)

    def observe(p):
        return {"w": p[model.param_path("w")].value, "b": p[model.param_path("b")].value}

    return pure_runner(step, params.locked(), DATA, observe)


def nnx_model() -> tuple:
    from flax import nnx

    class LinReg(nnx.Module):
        def __init__(self):
            self.w = nnx.Param(jnp.zeros(()))
            self.b = nnx.Param(jnp.zeros(()))

        def __call__(self, x):
            return self.w.value * x + self.b.value

    return LinReg(), nnx_update


def nnx_update(model, x, y):
    from flax import nnx

    value, grads = nnx.value_and_grad(lambda m: mse(m(x), y))(model)
    nnx_rows.sgd(model, grads, LR)
    return value


def eqx_model() -> tuple:
    import equinox as eqx

    class LinReg(eqx.Module):
        w: jax.Array
        b: jax.Array

        def __call__(self, x):
            return self.w * x + self.b

    return LinReg(jnp.zeros(()), jnp.zeros(())), eqx_update


def eqx_update(args, model):
    import equinox as eqx

    x, y = args
    value, grads = eqx.filter_value_and_grad(lambda m: mse(m(x), y))(model)
    return value, eqx_rows.sgd(model, grads, LR)


IMPLS = [
    Impl("baseline", build_baseline),
    *purify_impls("linreg", lambda c: c.LinReg(LR), "update", DATA, lambda s: {"w": s.weight, "b": s.bias}),
    Impl("haiku", build_haiku),
    Impl("blox", build_blox),
    *nnx_impls(nnx_model, DATA, lambda m: {"w": m.w.value, "b": m.b.value}),
    *eqx_impls(eqx_model, DATA, lambda m: {"w": m.w, "b": m.b}),
]
