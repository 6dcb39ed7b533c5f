"""purify rows: `purify.jit(obj.method)` on an instance, and `jax.jit(Cls.method, donate_argnums=0)`.

The classes are plain Python classes decorated with `@purify.stateful` in
`benchmarks.workloads.classes.*`; importing that module is what a failing conversion breaks,
so the import happens inside the builders and a failure skips just these rows.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import jax

from ..harness import Impl
from ..runner import Runner, pure_runner


def classes(name: str) -> Any:
    """The module of plain classes for a workload (decorated at import)."""
    return importlib.import_module(f"benchmarks.workloads.classes.{name}")


def purify_impls(
    module: str, make: Callable[..., Any], method: str, args: tuple, observe: Callable, vmapped: bool = False
) -> list[Impl]:
    """`make(classes_module, **overrides)` builds an instance; `observe(state)` reads a Cls.State.

    `vmapped`: the instance holds a batch of states (leading axis) and the method runs per
    lane. purify.vmap takes the pure function, so the rows are then
    `purify.jit(purify.vmap(Cls.m))` and `jax.jit(jax.vmap(Cls.m))`, both on the batched state.
    """
    qualified = f"benchmarks.workloads.classes.{module}"

    def build_eager(**overrides: Any) -> Runner:
        import purify

        obj = make(classes(module), **overrides)
        if vmapped:
            fast = purify.jit(purify.vmap(getattr(type(obj), method)))
            return pure_runner(fast, purify.state_of(obj), args, observe)
        fast = purify.jit(getattr(obj, method))
        traced = jax.jit(getattr(type(obj), method))  # the program purify.jit runs
        return Runner(
            step=lambda: fast(*args),
            read=lambda: observe(purify.state_of(obj)),
            program=lambda: jax.make_jaxpr(traced)(purify.state_of(obj), *args),
        )

    def build_pure(**overrides: Any) -> Runner:
        import purify

        obj = make(classes(module), **overrides)
        pure = getattr(type(obj), method)
        jitted = jax.jit(jax.vmap(pure) if vmapped else pure, donate_argnums=0)
        return pure_runner(jitted, purify.state_of(obj), args, observe)

    eager, pure = ("purify.jit(purify.vmap(Cls.m))", "jax.jit(jax.vmap(Cls.m))") if vmapped else (
        "purify.jit(obj.m)", "jax.jit(Cls.m)")
    return [Impl(eager, build_eager, decorate=qualified), Impl(pure, build_pure, decorate=qualified)]
