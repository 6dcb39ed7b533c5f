"""`purify.jit`, `purify.vmap`, and the field markers `param` / `static`."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import jax

from ..errors import PurifyError
from . import context, eager, helpers
from .donation import FOREIGN, donatable
from .instances import STATE, BoundMethod, is_instance, load, refuse_lost, root_of, store

V = TypeVar("V")


def param(value: V) -> V:
    """Mark a field as a trainable parameter: `self.w = purify.param(jnp.zeros(3))`.

    At run time it returns `value` unchanged; the rewrite records the field as a
    parameter, which `purify.split` separates from the other state.
    """
    return value


def static(value: V) -> V:
    """Mark a field as static configuration (pytree metadata, never traced):
    `self.opt = purify.static(make_optimizer())`. Returns `value` unchanged."""
    return value


def jit(fn: Callable[..., Any], **jit_kwargs: Any) -> Callable[..., Any]:
    """Compile a method of a @stateful instance, threading its state and donating the old buffers.

        fast = purify.jit(counter.count)
        fast()            # runs compiled; counter's state advances

    `fn` may also be a callable instance (its `__call__`), or a pure function (`Cls.method`): then this is `jax.jit` with the
    state (argument 0) donated. Keyword arguments go to `jax.jit`;
    `static_argnums` count the method's own arguments, as in `obj.method(...)`.

    The instance's previous state buffers are donated: arrays taken from
    `purify.state_of(obj)` before a call are invalid after it.
    """
    if not isinstance(fn, BoundMethod) and is_instance(fn):
        fn = fn.__call__  # purify.jit(model): its __call__
    if eager.is_eager_only(fn):  # it runs on the object: compiling it would trace it once
        fn.__purify_pure__()
    if not isinstance(fn, BoundMethod):
        jit_kwargs.setdefault("donate_argnums", 0)
        return jax.jit(fn, **jit_kwargs)
    obj, pure = fn.__self__, fn.__func__
    if "static_argnums" in jit_kwargs:
        nums = jit_kwargs["static_argnums"]
        nums = (nums,) if isinstance(nums, int) else nums
        jit_kwargs["static_argnums"] = tuple(n + 1 for n in nums)
    jit_kwargs.setdefault("donate_argnums", 0)
    compiled = jax.jit(pure, **jit_kwargs)
    call = _jit_on_instance(compiled, obj.__dict__) if STATE in obj.__dict__ else _jit_on_view(compiled, obj)
    if getattr(pure, "_purify_fluent", False):  # `return self`: the object, as the eager call returns
        call = _returning(call, obj)
    functools.update_wrapper(call, pure)
    call.lower = lambda *a, **k: compiled.lower(load(obj), *a, **k)  # type: ignore[attr-defined]
    return call


def _returning(call: Callable[..., Any], obj: Any) -> Callable[..., Any]:
    def fluent(*args: Any, **kwargs: Any) -> Any:
        call(*args, **kwargs)
        return obj
    return fluent


def _jit_on_instance(compiled: Callable[..., Any], slots: dict[str, Any]) -> Callable[..., Any]:
    """The hot path of a user-made instance: its State sits in its __dict__."""
    def call(*args: Any, **kwargs: Any) -> Any:
        if STATE not in slots:  # the object's state was lost when a method raised (runtime/partial.py)
            refuse_lost(slots)
        if FOREIGN in slots:  # arrays the caller gave: donate copies (runtime/donation.py)
            slots[STATE] = donatable(slots, slots[STATE])
        # Forwarding an empty **kwargs costs ~5% of a tiny step in jax.jit's C++ dispatch.
        try:
            if kwargs:
                out, slots[STATE] = compiled(slots[STATE], *args, **kwargs)
            else:
                out, slots[STATE] = compiled(slots[STATE], *args)
        except jax.errors.JaxRuntimeError as e:
            if _DONATED not in str(e):
                raise
            out, slots[STATE] = compiled(slots[STATE], *_copies(args), **_copies(kwargs))
        return out
    return call


# `purify.jit(obj.add)(obj.w)`: an argument that is one of the state's buffers, which the call
# donates. XLA refuses before running anything (the state is intact), so the call runs again
# with copies of the arguments: the same values, as in Python.
_DONATED = "previously donated"


def _copies(args: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: x.copy() if isinstance(x, jax.Array) else x, args)


def _jit_on_view(compiled: Callable[..., Any], obj: Any) -> Callable[..., Any]:
    """A child read from its parent (`purify.jit(model.encoder)`): its State lives in the parent's."""
    def call(*args: Any, **kwargs: Any) -> Any:
        state, root = load(obj), root_of(obj).__dict__
        if FOREIGN in root:
            state = donatable(root, state)
        try:
            out, new = compiled(state, *args, **kwargs)
        except jax.errors.JaxRuntimeError as e:
            if _DONATED not in str(e):
                raise
            out, new = compiled(state, *_copies(args), **_copies(kwargs))
        store(obj, new)
        return out
    return call


_fresh_axis = (f"purify_lane{i}" for i in itertools.count())


def vmap(fn: Callable[..., Any], in_axes: Any = 0, out_axes: Any = 0, *, axis_name: str | None = None,
         **vmap_kwargs: Any) -> Callable[..., Any]:
    """`jax.vmap` that makes `purify.Rng` draw unique randomness in each lane.

    With replicated state (`in_axes=None` for it), every lane's `self.rng()` folds in
    its lane index, while the returned state stays identical across lanes, so
    `out_axes=None` works for it. Inside `Cls.init` no lane is folded in, so
    parameters initialised under `purify.vmap` are the same in every lane.
    """
    if isinstance(fn, BoundMethod):
        raise PurifyError("purify.vmap takes a pure function, not an instance's method",
                          hint=f"vmap the pure API: purify.vmap(Cls.{fn.__name__}, in_axes=(None, 0))(state, xs)")
    name = axis_name or next(_fresh_axis)

    @functools.wraps(fn)
    def in_lane(*args: Any, **kwargs: Any) -> Any:
        with context.in_lane(name):
            return fn(*args, **kwargs)

    return jax.vmap(in_lane, in_axes=in_axes, out_axes=out_axes, axis_name=name, **vmap_kwargs)


def split(state: Any) -> tuple[Any, Any]:
    """Split a state into `(params, rest)`: two states of the same type and nesting.

    `params` holds the fields marked `purify.param(...)` (in nested states too) and
    `None` elsewhere; `rest` holds everything else. If no field anywhere is marked,
    every floating-point array counts as a parameter. Static fields are in both.
    `purify.merge(params, rest)` inverts it. Works on states emitted by
    `purify convert` too.
    """
    return helpers._split(state)


def merge(params: Any, rest: Any) -> Any:
    """Inverse of `purify.split`: one State from `(params, rest)`, taking each field from
    the half where it is not `None`. `purify.merge(*purify.split(state))` equals `state`."""
    return helpers._merge(params, rest)


def value_and_grad(fn: Callable[..., Any], *, has_aux: bool = False, **kwargs: Any) -> Callable[..., Any]:
    """Differentiate a method with respect to its object's parameters.

    Inside a method, `loss, g = purify.value_and_grad(self.loss)(x, y)` (or
    `self.model.loss`) returns the value and gradients shaped like the object's
    State (non-parameter fields `None`); updates the method makes to other state
    (batch statistics, RNG counters) are kept. On an instance's method outside a
    class it does the same on the instance. On any other function it is
    `jax.value_and_grad`.
    """
    if isinstance(fn, BoundMethod):
        return _on_instance(helpers._value_and_grad, fn, has_aux)
    return jax.value_and_grad(fn, has_aux=has_aux, **kwargs)


def grad(fn: Callable[..., Any], *, has_aux: bool = False, **kwargs: Any) -> Callable[..., Any]:
    """Like `purify.value_and_grad`, returning only the gradients (and aux with `has_aux`)."""
    if isinstance(fn, BoundMethod):
        return _on_instance(helpers._grad, fn, has_aux)
    return jax.grad(fn, has_aux=has_aux, **kwargs)


def _on_instance(helper: Callable[..., Any], fn: BoundMethod, has_aux: bool) -> Callable[..., Any]:
    """Run a gradient helper on an instance's state and keep the instance's new state."""
    obj, pure = fn.__self__, fn.__func__

    def eager(*args: Any, **kwargs: Any) -> Any:
        out, new = helper(pure, has_aux, load(obj), *args, **kwargs)
        store(obj, new)
        return out

    return eager
