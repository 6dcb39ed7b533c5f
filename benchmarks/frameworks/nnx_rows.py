"""Flax NNX rows: idiomatic `nnx.jit`, and the documented `nnx.split` + `jax.jit` fast path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from ..harness import Impl
from ..runner import Runner, pure_runner


def nnx_impls(make: Callable[..., Any], args: tuple, observe: Callable[[Any], dict]) -> list[Impl]:
    """`make(**overrides) -> (model, step)`; `step(model, *args)` mutates the model, returns the output."""

    def build_jit(**overrides: Any) -> Runner:
        from flax import nnx

        model, step = make(**overrides)
        jitted = nnx.jit(step, donate_argnums=0)

        def traced(state, *args):  # merge -> nnx.jit(step) -> state: the jit call as a pure function
            inner = nnx.merge(graphdef, state)
            return jitted(inner, *args), nnx.state(inner)

        graphdef = nnx.graphdef(model)
        return Runner(
            step=lambda: jitted(model, *args),
            read=lambda: observe(model),
            program=lambda: jax.make_jaxpr(traced)(nnx.state(model), *args),
        )

    def build_split(**overrides: Any) -> Runner:
        from flax import nnx

        model, step = make(**overrides)
        graphdef, state = nnx.split(model)

        def pure(state, *args):
            model = nnx.merge(graphdef, state)
            out = step(model, *args)
            return out, nnx.state(model)

        return pure_runner(jax.jit(pure, donate_argnums=0), state, args, lambda s: observe(nnx.merge(graphdef, s)))

    return [Impl("nnx.jit", build_jit), Impl("nnx.split+jax.jit", build_split)]


def sgd(model: Any, grads: Any, lr: float) -> None:
    """Manual SGD on the model's nnx.Param variables, as every framework here does."""
    from flax import nnx

    params = nnx.state(model, nnx.Param)
    nnx.update(model, jax.tree.map(lambda p, g: p - lr * g, params, grads))
