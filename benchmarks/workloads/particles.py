"""W5 particles: 100,000 particle integrators (x += v dt), one step each, under each
framework's vmap. The per-lane step is trivial, so this measures how a framework's state
batches: a vmapped step over a batch of states, not a Python loop over objects."""

from __future__ import annotations

from typing import NamedTuple

import jax
import numpy as np

from ..checks import ParticlesCheck
from ..frameworks.eqx_rows import eqx_impls
from ..frameworks.nnx_rows import nnx_impls
from ..frameworks.purify_rows import purify_impls
from ..harness import Impl
from ..runner import Runner, pure_runner

NAME = "particles"
LANES = 100_000
DT = 0.01


def make_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return rng.normal(size=LANES).astype(np.float32), rng.normal(size=LANES).astype(np.float32)


X0, V0 = make_data()
CHECK = ParticlesCheck(X0, V0, DT)


class Particle(NamedTuple):
    x: jax.Array
    v: jax.Array


def advance(p: Particle) -> tuple[jax.Array, Particle]:
    x = p.x + p.v * DT
    return x, Particle(x, p.v)


def build_baseline() -> Runner:
    step = jax.jit(jax.vmap(advance), donate_argnums=0)
    return pure_runner(step, Particle(jax.numpy.asarray(X0), jax.numpy.asarray(V0)), (), lambda p: {"x": p.x})


def build_haiku() -> Runner:
    import haiku as hk

    def haiku_advance():
        x = hk.get_state("x") + hk.get_state("v") * DT
        hk.set_state("x", x)
        return x

    model = hk.transform_with_state(haiku_advance)
    state = {"~": {"x": jax.numpy.asarray(X0), "v": jax.numpy.asarray(V0)}}  # a batch of per-lane states
    step = jax.jit(jax.vmap(lambda state: model.apply({}, state, None)), donate_argnums=0)
    return pure_runner(step, state, (), lambda s: {"x": s["~"]["x"]})


def build_blox() -> Runner:
    import blox as bx

    class Particle(bx.Module):
        def __call__(self, params):
            x, v = self.get_param(params, "x")[0], self.get_param(params, "v")[0]
            x = x + v * DT
            return x, self.set_param(params, "x", x)

    particle = Particle(bx.Graph("net").child("particle"))
    params = bx.Params()
    for name, value in (("x", X0), ("v", V0)):  # loaded directly, as the Params docs show for weights
        params[particle.param_path(name)] = bx.Param(jax.numpy.asarray(value), trainable=False)
    step = jax.jit(jax.vmap(particle), donate_argnums=0)
    return pure_runner(step, params.locked(), (), lambda p: {"x": p[particle.param_path("x")].value})


def nnx_particles() -> tuple:
    from flax import nnx

    class Particle(nnx.Module):
        def __init__(self, x, v):
            self.x = nnx.Variable(x)
            self.v = nnx.Variable(v)

        def __call__(self):
            self.x.value = self.x.value + self.v.value * DT
            return self.x.value

    particles = nnx.vmap(Particle)(jax.numpy.asarray(X0), jax.numpy.asarray(V0))
    return particles, nnx.vmap(Particle.__call__)


def eqx_particles() -> tuple:
    import equinox as eqx

    class Particle(eqx.Module):
        x: jax.Array
        v: jax.Array

        def advance(self):
            x = self.x + self.v * DT
            return x, Particle(x, self.v)

    def step(args, particles):
        return eqx.filter_vmap(Particle.advance)(particles)

    return eqx.filter_vmap(Particle)(jax.numpy.asarray(X0), jax.numpy.asarray(V0)), step


IMPLS = [
    Impl("baseline", build_baseline),
    *purify_impls(
        "particles", lambda c: c.Particle(jax.numpy.asarray(X0), jax.numpy.asarray(V0), DT), "advance", (),
        lambda s: {"x": s.x}, vmapped=True,
    ),
    Impl("haiku", build_haiku),
    Impl("blox", build_blox),
    *nnx_impls(nnx_particles, (), lambda m: {"x": m.x.value}),
    *eqx_impls(eqx_particles, (), lambda p: {"x": p.x}),
]
