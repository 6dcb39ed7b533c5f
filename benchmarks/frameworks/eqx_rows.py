"""Equinox rows: `eqx.filter_jit`, and `eqx.partition` + `jax.jit` (the low-overhead loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from ..harness import Impl
from ..runner import Runner, pure_runner


def eqx_impls(make: Callable[..., Any], args: tuple, observe: Callable[[Any], dict]) -> list[Impl]:
    """`make(**overrides) -> (tree, step)`: the tree is a model or (model, state), and
    `step(args, tree) -> (out, tree)`.

    The batch comes first so that `donate="all-except-first"` donates the whole tree.
    """

    def build_filter_jit(**overrides: Any) -> Runner:
        import equinox as eqx

        tree, step = make(**overrides)
        jitted = eqx.filter_jit(step, donate="all-except-first")

        def trace(fn: Callable) -> Callable:
            return lambda *a: eqx.filter_make_jaxpr(fn)(*a)[0]

        return pure_runner(lambda tree, *args: jitted(args, tree), tree, args, observe, trace)

    def build_partition(**overrides: Any) -> Runner:
        import equinox as eqx

        tree, step = make(**overrides)
        params, static = eqx.partition(tree, eqx.is_array)

        def pure(params, *args):
            out, tree = step(args, eqx.combine(params, static))
            return out, eqx.filter(tree, eqx.is_array)

        return pure_runner(jax.jit(pure, donate_argnums=0), params, args, lambda p: observe(eqx.combine(p, static)))

    return [Impl("eqx.filter_jit", build_filter_jit), Impl("eqx.partition+jax.jit", build_partition)]


def sgd(model: Any, grads: Any, lr: float) -> Any:
    """Manual SGD on the differentiated leaves (grads are None elsewhere)."""
    import equinox as eqx

    return eqx.apply_updates(model, jax.tree.map(lambda g: -lr * g, grads))
