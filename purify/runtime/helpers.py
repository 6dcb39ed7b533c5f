"""Helpers that generated code calls. `purify convert` copies their source into the
emitted module (which never imports purify), so each is self-contained."""

from __future__ import annotations

from typing import Any


def _setitem(container: Any, index: Any, value: Any) -> Any:
    """`container[index] = value` without mutating `container`: a new container.

    JAX arrays use `.at[index].set(value)`; NumPy arrays, lists, dicts and tuples
    are copied, so NumPy state ported from eager code keeps working.
    """
    if isinstance(container, dict):
        return {**container, index: value}
    if isinstance(container, tuple):
        items = list(container)
        items[index] = value
        return type(container)(*items) if hasattr(container, "_fields") else tuple(items)
    if isinstance(container, list):
        items = list(container)
        items[index] = value
        return items
    if hasattr(container, "at"):
        return container.at[index].set(value)
    new = container.copy()
    new[index] = value
    return new
