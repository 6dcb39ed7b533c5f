"""State types: a NamedTuple per class; static fields are pytree metadata.

Classes without static fields stay plain NamedTuples (JAX flattens those in
C++); the others are registered with `jax.tree_util.register_dataclass`, also
flattened in C++, so a purified step costs what a hand-written one does.
"""

from __future__ import annotations

import typing
from typing import Any

import jax

from ..engine.model import StateLayout
from .helpers import _register_state


def make_state_type(layout: StateLayout, module: str, qualname: str) -> type:
    """The State type `purify convert` writes as a class statement (engine/emit.py), made at run time."""
    state = typing.NamedTuple(layout.name, [(f, Any) for f in layout.fields])  # type: ignore[misc]
    state.__module__ = module
    state.__qualname__ = f"{qualname}State"
    state.__doc__ = layout.doc
    if layout.by_value:
        _register_state(state, data_fields=list(layout.data), meta_fields=list(layout.static),
                        opaque_fields=list(layout.opaque))
    elif layout.static:
        jax.tree_util.register_dataclass(state, data_fields=list(layout.data), meta_fields=list(layout.static))
    state._params = layout.params  # type: ignore[attr-defined]
    state._static = layout.static  # type: ignore[attr-defined]
    state.__reduce__ = _reduce  # type: ignore[method-assign]
    return state


def _reduce(state: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a State through its class (`Cls.State`): the State type itself is not a
    module attribute, so pickle could not find it by name (checkpoints use pickle)."""
    return _restore, (type(state)._cls, tuple(state))


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    return cls.State(*values)


def is_state(value: Any) -> bool:
    """Is `value` the State of a @stateful class (ours or one emitted by `purify convert`)?"""
    return isinstance(value, tuple) and hasattr(type(value), "_cls") and hasattr(type(value), "_fields")
