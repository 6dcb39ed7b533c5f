"""One object in two places (issue 12, kind 3), checked at `Cls.init` on the actual values.

In Python a list, dict or NumPy array held by a field may also be held by another field, by the
caller who passed it in, by a default argument, a class attribute or a module global: a change
in place through one name shows through every other. The State is a tree of values, and the pure
methods write items by building new containers, so such sharing would silently end at the first
write. purify keeps Python's semantics where nothing is changed in place, and refuses the rest
here, located at the field, with the copy to write instead.

Only fields that some method (or `__init__`) changes in place are looked at, and only mutable
objects (lists, dicts, sets, NumPy arrays; an array and its views count as one object).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..engine.model import ClassModel, Field
from ..errors import PurifyError, error_at
from . import helpers
from .instances import is_instance
from .state import is_state

_MUTABLE = (list, dict, set, np.ndarray)
_recording: list[list[Any]] = []  # one list per Cls.init running: the containers its item writes copied

SHARED_MSG = ("self.{attr} holds {what} that is also {where}: in Python a change in place through one shows "
              "through the other, but the State holds values, so the two would silently part")
SHARED_INSIDE_MSG = ("self.{attr} holds {what} in two places: in Python a change in place through one shows "
                     "through the other, but the State holds values, so the two would silently part")
SHARED_HINT = "give self.{attr} its own copy: `self.{attr} = {copy}`"
SHARED_TWICE_HINT = ("build each part anew, e.g. `[[0, 0] for _ in range(2)]` instead of `[[0, 0]] * 2`, or "
                     "copy it where it is stored the second time")
CHANGED_IN_INIT_MSG = ("__init__ changes in place {what} that is also {where}: Python would change it there too, "
                       "but the pure __init__ builds a new one")
CHILD_TWICE_MSG = ("self.{attr} holds the {cls} object that self.{other} holds too: in Python the two fields are one "
                   "object, but a State is a tree, so one object cannot live in two places")
CHILD_TWICE_HINT = "give each field its own object (e.g. a new {cls}(...)), or keep one field and read it twice"


def _setitem(container: Any, index: Any, value: Any) -> Any:
    """The decorator's `_setitem`: records the container it replaces while a `Cls.init` runs."""
    for kept in _recording:
        kept.append(container)
    return helpers._setitem(container, index, value)


@contextlib.contextmanager
def recording() -> Iterator[list[Any]]:
    """The containers that item writes replaced (Python would have changed them in place)."""
    kept: list[Any] = []
    _recording.append(kept)
    try:
        yield kept
    finally:
        del _recording[next(i for i, x in enumerate(_recording) if x is kept)]  # by identity: [] == []


def _key(value: Any) -> int:
    """One key for an object and every view of it (NumPy arrays share their base's memory)."""
    while isinstance(value, np.ndarray) and value.base is not None:
        value = value.base
    return id(value)


def _mutables(value: Any, depth: int = 0) -> Iterator[Any]:
    """The mutable objects inside a value (States of children are walked too)."""
    if depth > 50:
        return
    if isinstance(value, _MUTABLE):
        yield value
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        return
    for item in items:
        yield from _mutables(item, depth + 1)


def _describe(value: Any) -> tuple[str, str]:
    """(`a list`, what to copy it with)."""
    if isinstance(value, np.ndarray):
        return "a NumPy array", "x.copy()"
    if isinstance(value, dict):
        return "a dict", "dict(x)"
    if isinstance(value, set):
        return "a set", "set(x)"
    return "a list", "list(x)"


def _changed_fields(model: ClassModel) -> list[Field]:
    """The fields some method (or __init__) changes in place (the analysis's mutations)."""
    names = {m.path.field for method in model.methods.values() if method.summary is not None
             for m in method.summary.mutations}
    return [f for f in model.fields.values() if f.attr in names and f.child is None and not f.children]


def _outside(cls: type, pure_init: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
             globals_: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(where, value) for every value from outside the new object that __init__ could store."""
    for value in (*args, *kwargs.values()):
        yield "held by the caller (an argument of the constructor)", value
    for value in (*(pure_init.__defaults__ or ()), *(pure_init.__kwdefaults__ or {}).values()):
        yield "a default value of a parameter of __init__ (made once, shared by every call)", value
    for klass in cls.__mro__[:-1]:
        for name, value in vars(klass).items():
            if isinstance(value, (*_MUTABLE, tuple)):
                yield f"the class attribute {klass.__name__}.{name} (shared by every instance)", value
    for name, value in globals_.items():
        if isinstance(value, _MUTABLE) or isinstance(value, tuple) and not hasattr(value, "_fields"):
            yield f"the module's global {name}", value


def check(model: ClassModel, cls: type, pure_init: Any, state: Any, args: tuple[Any, ...],
          kwargs: dict[str, Any], globals_: dict[str, Any], replaced: list[Any]) -> None:
    """Refuse a mutable object of a field changed in place that is held in two places."""
    _check_children_once(model, state, args, kwargs)
    changed = _changed_fields(model)
    if not changed and not replaced:
        return
    seen: dict[int, tuple[Field, Any]] = {}
    for f in model.fields.values():
        for obj in _mutables(getattr(state, f.name)):
            key = _key(obj)
            if key in seen and (f in changed or seen[key][0] in changed):
                first = seen[key][0]
                what = _describe(obj)[0]
                if first is f:
                    _raise(model, f.node, SHARED_INSIDE_MSG.format(attr=f.attr, what=what), SHARED_TWICE_HINT)
                _raise(model, f.node, SHARED_MSG.format(attr=f.attr, what=what, where=f"held by self.{first.attr}"),
                       SHARED_HINT.format(attr=f.attr, copy=_describe(obj)[1]))
            seen.setdefault(key, (f, obj))
    mine = {k: v for k, v in seen.items() if v[0] in changed}
    gone = {_key(obj): obj for obj in replaced}
    if not mine and not gone:
        return
    for where, value in _outside(cls, pure_init, args, kwargs, globals_):
        for obj in _mutables(value):
            key = _key(obj)
            if key in mine:
                f = mine[key][0]
                what, copy = _describe(obj)
                _raise(model, f.node, SHARED_MSG.format(attr=f.attr, what=what, where=where),
                       SHARED_HINT.format(attr=f.attr, copy=copy))
            if key in gone:
                _raise_changed_in_init(model, gone[key], where)
    for key, obj in gone.items():
        if key in seen:
            _raise_changed_in_init(model, obj, f"held by self.{seen[key][0].attr}")


def _raise_changed_in_init(model: ClassModel, obj: Any, where: str) -> None:
    init = model.methods["__init__"]
    changed = sorted({m.path.field for m in (init.summary.mutations if init.summary else ())})
    field = model.fields.get(changed[0]) if changed else None
    what, copy = _describe(obj)
    attr = field.attr if field is not None else "x"
    _raise(model, field.node if field is not None else init.node,
           CHANGED_IN_INIT_MSG.format(what=what, where=where), SHARED_HINT.format(attr=attr, copy=copy))


def _check_children_once(model: ClassModel, state: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """One child object passed in and stored in two fields (`self.a = k; self.b = k`)."""
    passed = {id(a.__dict__.get("_purify_state", a)): a for a in (*args, *kwargs.values()) if is_instance(a)}
    if not passed:
        return
    held: dict[int, Field] = {}
    for f in model.fields.values():
        value = getattr(state, f.name)
        for item in (value if isinstance(value, tuple) and not is_state(value) else (value,)):
            if is_state(item) and id(item) in passed:
                if id(item) in held:
                    cls = type(passed[id(item)]).__name__
                    _raise(model, f.node, CHILD_TWICE_MSG.format(attr=f.attr, cls=cls, other=held[id(item)].attr),
                           CHILD_TWICE_HINT.format(cls=cls))
                held[id(item)] = f


def _raise(model: ClassModel, node: Any, msg: str, hint: str) -> None:
    raise error_at(node, model.origin.filename, msg, hint, model.origin.lines)



SHARED_COPY_MSG = ("this changes self.{attr} of a {cls} object that shares it with a shallow copy (copy.copy): in "
                   "Python both objects hold the one {what}, so both would see the change, but each State is a "
                   "separate tree of values")
SHARED_COPY_HINT = ("use copy.deepcopy(obj) for an independent copy, or give the copy its own value first "
                    "(copy.{attr} = ...)")


def shared_by_copy(obj: object, state: Any) -> dict[str, str]:
    """The fields a shallow copy of `obj` shares with it in Python (field -> what it holds): its
    children, and the mutable containers of fields changed in place."""
    model = type(obj).__purify__.model  # type: ignore[attr-defined]
    out = {}
    for f in model.fields.values():
        value = getattr(state, f.name)
        items = value if isinstance(value, tuple) and not is_state(value) else (value,)
        if items and any(is_state(item) for item in items):
            out[f.name] = "child object" if is_state(value) else "child objects"
    for f in _changed_fields(model):
        found = next(_mutables(getattr(state, f.name)), None)
        if found is not None:
            out[f.name] = _describe(found)[0].split()[-1]
    return out


def check_shared_store(obj: object, sharers: list[tuple[Any, dict[str, str]]], old: Any, new: Any) -> None:
    """Refuse a change to a field that a live shallow copy (or its original) shares with `obj`."""
    for ref, fields in sharers:
        if ref() is None:
            continue
        for name, what in fields.items():
            if getattr(old, name) is not getattr(new, name):
                attr = next(f.attr for f in type(obj).__purify__.model.fields.values()  # type: ignore[attr-defined]
                            if f.name == name)
                raise PurifyError(SHARED_COPY_MSG.format(attr=attr, cls=type(obj).__name__, what=what),
                                  hint=SHARED_COPY_HINT.format(attr=attr))
