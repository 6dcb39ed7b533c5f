"""Trace-time context: are we inside `Cls.init`, and which `purify.vmap` lanes are active.

Read while JAX traces (never inside compiled code), so it costs nothing per step.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_local = threading.local()


def lanes() -> tuple[str, ...]:
    """Axis names of the enclosing `purify.vmap` calls, outermost first."""
    return getattr(_local, "lanes", ())


def initializing() -> bool:
    return getattr(_local, "init_depth", 0) > 0


@contextlib.contextmanager
def in_lane(axis_name: str) -> Iterator[None]:
    old = lanes()
    _local.lanes = (*old, axis_name)
    try:
        yield
    finally:
        _local.lanes = old


@contextlib.contextmanager
def in_init() -> Iterator[None]:
    _local.init_depth = getattr(_local, "init_depth", 0) + 1
    try:
        yield
    finally:
        _local.init_depth -= 1


def top_level() -> bool:
    """True outside every JAX trace (jit, vmap, grad, scan...)."""
    from jax._src import core  # private: JAX has no public "am I tracing" query

    ctx = core.trace_ctx
    if hasattr(ctx, "is_top_level"):
        return bool(ctx.is_top_level())
    return isinstance(ctx.trace, core.EvalTrace)


def current_trace() -> object:
    """The innermost JAX trace (compared by identity only)."""
    from jax._src import core

    return core.trace_ctx.trace
