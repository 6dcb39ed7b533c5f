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

from ..engine.model import ClassModel, Field
from ..errors import PurifyError, error_at
from . import helpers
from . import value_checks as values
from .instances import is_instance
from .state import is_state

_recording: list[list[Any]] = []  # one list per Cls.init running: the containers its item writes copied

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


def check(model: ClassModel, cls: type, pure_init: Any, state: Any, args: tuple[Any, ...],
          kwargs: dict[str, Any], globals_: dict[str, Any], replaced: list[Any]) -> None:
    """Refuse a mutable object of a field changed in place that is held in two places."""
    _check_children_once(model, state, args, kwargs)
    changed = {f.name for f in model.changed_in_place()}
    if not changed and not replaced:
        return
    found = values._shared_finding(state, changed, values._outside_values(cls, pure_init, args, kwargs, globals_))
    if found is not None:
        _raise(model, _field(model, found.field).node, found.msg, found.hint)
    if not replaced:
        return
    gone = {values._mutable_key(obj): obj for obj in replaced}
    held = {values._mutable_key(obj): f for f in model.fields.values() for obj in values._mutables(getattr(state, f.name))}
    for where, value in values._outside_values(cls, pure_init, args, kwargs, globals_):
        for obj in values._mutables(value):
            if values._mutable_key(obj) in gone:
                _raise_changed_in_init(model, gone[values._mutable_key(obj)], where)
    for key, obj in gone.items():
        if key in held:
            _raise_changed_in_init(model, obj, f"held by self.{held[key].attr}")


def _field(model: ClassModel, name: str) -> Field:
    """The field of State field `name`."""
    return next(f for f in model.fields.values() if f.name == name)


def _raise_changed_in_init(model: ClassModel, obj: Any, where: str) -> None:
    init = model.methods["__init__"]
    changed = sorted({m.path.field for m in (init.summary.mutations if init.summary else ())})
    field = model.fields.get(changed[0]) if changed else None
    what, copy = values._mutable_kind(obj)
    attr = field.attr if field is not None else "x"
    _raise(model, field.node if field is not None else init.node,
           CHANGED_IN_INIT_MSG.format(what=what, where=where), values._SHARED_HINT.format(attr=attr, copy=copy))


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
    for f in model.changed_in_place():
        found = next(values._mutables(getattr(state, f.name)), None)
        if found is not None:
            out[f.name] = values._mutable_kind(found)[0].split()[-1]
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
