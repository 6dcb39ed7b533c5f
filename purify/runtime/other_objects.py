"""Objects of the class other than self (engine/passes/others.py): an argument `other` is an
object on an instance (`m1 += m2`) and a State in the pure API (`Mean.__iadd__(s1, s2)`); these
helpers read it, or call its methods, either way. Copied by `purify convert` like the helpers of
runtime/control.py, which imports them.
"""

from __future__ import annotations

import sys
from typing import Any

import jax

from .branches import _refuse


def _obj_field(obj: Any, name: str) -> Any:
    """`obj._x`: the State's field `x_`, or the object's attribute."""
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        return getattr(obj, name)
    return getattr(obj, name.lstrip("_") + "_" * (len(name) - len(name.lstrip("_"))))


def _obj_property(obj: Any, name: str) -> Any:
    """`obj.prop`: the property of the State's class, or the object's attribute."""
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        return getattr(obj, name)
    return getattr(type(obj)._cls, name)(obj)


def _obj_call(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """`obj.name(...)`: the method of the State's class on the State, or the object's method. A
    method that changes the argument's state is refused: the pure method cannot hand that state
    back to the caller (and the object's own method would change it on an instance only)."""
    where = sys._getframe(1).f_code.co_filename, sys._getframe(1).f_lineno
    if not (isinstance(obj, tuple) and hasattr(type(obj), "_cls")):
        before = getattr(obj, "__purify_state__", None)
        out = getattr(obj, name)(*args, **kwargs)
        after = getattr(obj, "__purify_state__", None)
        changed = before is not None and not _same_leaves(before, after)
    else:
        out, after = getattr(type(obj)._cls, name)(obj, *args, **kwargs)
        changed = not _same_leaves(obj, after)
    if changed:
        cls = type(after).__name__.removesuffix("State")
        _refuse(where, f"{cls}.{name} changes the state of an argument of the method, which the pure method "
                "cannot hand back to the caller", f"call {name} on the object where it lives (the caller), "
                "or return what the method computes and let the caller update its object")
    return out


def _same_leaves(a: Any, b: Any) -> bool:
    left, right = jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)
    return len(left) == len(right) and all(x is y for x, y in zip(left, right))
