"""Eager-only methods (engine/eager_only.py) at run time: on an instance, the user's function run
on the real object; on the class, a pure form that raises why it has none.

What such a method assigns to attributes that are not in the State (`self.surf = ...` in
`render`) lives on the instance itself, as it would on the plain object.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any

from ..errors import PurifyError

RUNNING = "_purify_eager_running"  # in an instance's __dict__: how many eager-only calls are running
# The eager instance whose method runs now (set by instances.BoundMethod): a converted method's
# call of an eager-only one runs on it. A context variable: each thread (and task) its own.
RUNNING_INSTANCE: contextvars.ContextVar[Any] = contextvars.ContextVar("purify_running_instance", default=None)

CALL_MSG = ("self.{name}() runs only on instances (purify could not make {name} pure), and this call is reached "
            "{where}, where there is no instance to run it on")
CALL_HINT = ("reach it only on a Python value that is false there (such as `if self.render_mode == \"human\":` "
             "with render_mode None), or call obj.{name}() on the instance after the method returns")


def call_on_instance(name: str, state: Any, args: tuple, kwargs: dict, where: tuple[str, int]) -> tuple[Any, Any]:
    """runtime/control.py `_eager_call`: run the eager-only method `name` on the instance whose
    method runs now, holding `state` (the state as of the call); `(its result, its state after)`."""
    from . import context
    from .branches import _refuse
    from .instances import load, store

    obj = RUNNING_INSTANCE.get()
    if obj is None or not context.top_level() or type(load(obj)) is not type(state):
        if not context.top_level():
            place = "while JAX traces the method"
        elif obj is None:
            place = "in the pure API"
        else:  # a child's method, run by its parent's: the child is no instance of its own here
            place = f"in a method of {type(state)._cls.__name__} run on its part of a {type(obj).__name__}'s state"
        _refuse(where, CALL_MSG.format(name=name, where=place), CALL_HINT.format(name=name))
    store(obj, state)
    out = getattr(obj, name)(*args, **kwargs)
    return out, load(obj)


class EagerOnlyMethod:
    """On the class: a function that raises `error`. On an instance: `fn` bound to it."""

    __slots__ = ("error", "fn", "name", "pure")

    def __init__(self, fn: Callable[..., Any], name: str, error: PurifyError) -> None:
        self.fn, self.name, self.error = fn, name, error

        @functools.wraps(fn)
        def pure(*args: Any, **kwargs: Any) -> Any:
            raise PurifyError(error.bare_msg, hint=error.hint, filename=error.filename, lineno=error.lineno,
                              col=None if error.offset is None else error.offset - 1, end_lineno=error.end_lineno,
                              end_col=None if error.end_offset is None else error.end_offset - 1, text=error.text)

        pure.__purify_eager_only__ = True  # type: ignore[attr-defined]
        pure.__purify_pure__ = pure  # type: ignore[attr-defined]
        self.pure = pure

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.pure
        fn = self.fn

        @functools.wraps(fn)
        def bound(*args: Any, **kwargs: Any) -> Any:
            d = obj.__dict__
            d[RUNNING] = d.get(RUNNING, 0) + 1
            try:
                return fn(obj, *args, **kwargs)
            finally:
                d[RUNNING] -= 1
                if not d[RUNNING]:
                    del d[RUNNING]

        bound.__self__ = obj  # type: ignore[attr-defined]
        bound.__purify_eager_only__ = True  # type: ignore[attr-defined]
        bound.__purify_pure__ = self.pure  # type: ignore[attr-defined]  # raises why it has no pure form
        return bound


def is_eager_only(fn: Any) -> bool:
    """Is `fn` an eager-only method, bound or the class's?"""
    return getattr(fn, "__purify_eager_only__", False) is True


def keeps(obj: Any, name: str) -> bool:
    """Does an assignment of `name` (no State field) go on the instance: an attribute an eager-only
    method of the class assigns, or any one while such a method runs?"""
    info = type(obj).__purify__
    return RUNNING in obj.__dict__ or name in info.eager_attrs


def original(cls: type, attr: str) -> Callable[..., Any] | None:
    """The user's function `attr` as the class (or a decorated base) defined it."""
    for klass in cls.__mro__:
        value = klass.__dict__.get(attr)
        if isinstance(value, EagerOnlyMethod):
            return value.fn
        info = klass.__dict__.get("__purify__")
        if info is not None and attr in info.functions:
            return info.functions[attr]
        if callable(value) and info is None:
            return value
    return None
