"""Equinox rows: `eqx.filter_jit`, and `eqx.partition` + `jax.jit` (the low-overhead loop)."""

from __future__ import annotations

from typing import Any, Callable

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
        box = [tree]

        def call():
            out, box[0] = jitted(args, box[0])
            return out

        return Runner(
            step=call,
            read=lambda: observe(box[0]),
            program=lambda: eqx.filter_make_jaxpr(lambda tree: jitted(args, tree))(box[0])[0],
        )

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
