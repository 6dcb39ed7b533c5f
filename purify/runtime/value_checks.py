"""The checks of the values a new State holds, run by `Cls.init`, in both outputs.

Some values a class's `__init__` stores would make the pure methods silently part from Python:

* one list, dict, set or NumPy array in two places (issue 12, kind 3): a field changed in place
  that holds an object another field holds too, or the caller, a default argument, a class
  attribute or a module global: in Python a change in place through one name shows through the
  other, but the State is a tree of values, so the two would part at the first write;
* static configuration JAX would get wrong (kind 10): `-0.0` equals `0.0` for JAX's compilation
  cache, and an object hashed by identity keeps the attributes it was traced with;
* a dict or list subclass in a field changed in place (`defaultdict`): the pure methods write
  items by building plain containers, so it would change behaviour after the first write.

The decorator runs these (runtime/sharing.py and runtime/config.py locate a finding at the field,
with purify's error); `purify convert` copies this file's definitions into converted modules,
where `_checks_init` wraps each `init`: so both outputs refuse the same values. Self-contained
(nothing of purify is imported) for that reason.
"""

import math
import types

import numpy as _np  # (a private name: converted modules often bind `np` to jax.numpy)

# What each check says (`{attr}`: the attribute as written after `self.`).
_SHARED_MSG = ("self.{attr} holds {what} that is also {where}: in Python a change in place through one shows "
               "through the other, but the State holds values, so the two would silently part")
_SHARED_INSIDE_MSG = ("self.{attr} holds {what} in two places: in Python a change in place through one shows "
                      "through the other, but the State holds values, so the two would silently part")
_SHARED_HINT = "give self.{attr} its own copy: `self.{attr} = {copy}`"
_SHARED_TWICE_HINT = ("build each part anew, e.g. `[[0, 0] for _ in range(2)]` instead of `[[0, 0]] * 2`, or "
                      "copy it where it is stored the second time")
_NEGATIVE_ZERO_MSG = ("self.{attr} is static configuration holding -0.0, which equals 0.0 for JAX's compilation "
                      "cache: a step compiled for 0.0 would be reused for -0.0")
_NEGATIVE_ZERO_HINT = "make it state, so it is traced as a value: self.{attr} = jnp.asarray({value})"
_IDENTITY_HASHED_MSG = ("self.{attr} is static configuration holding a {cls} object, which is hashed by identity: "
                        "a compiled step keeps the values it was traced with, and later changes to its attributes "
                        "are ignored")
_IDENTITY_HASHED_HINT = ("store the values it holds (self.{short} = cfg.scale), or make its class immutable "
                         "(@dataclasses.dataclass(frozen=True)), so a change is a new object")
_SUBCLASS_MSG = ("self.{attr} holds a {cls}, but the pure methods write items by building plain {base}s, so after "
                 "the first write it would be a plain {base} ({what})")
_SUBCLASS_HINT = "use a plain {base}: {example}"
_SUBCLASS_BEHAVIOUR = types.MappingProxyType({  # the class's name -> (what changes, what to write)
    "defaultdict": ("missing keys would raise KeyError",
                    "self.{attr}[k] = self.{attr}.get(k, 0) + 1 instead of self.{attr}[k] += 1"),
    "Counter": ("missing keys would raise KeyError", "self.{attr}[k] = self.{attr}.get(k, 0) + 1")})


class _Finding:
    """A value `Cls.init` refuses: the State field holding it, what is wrong, what to write."""

    __slots__ = ("field", "hint", "msg")

    def __init__(self, field, msg, hint):
        self.field, self.msg, self.hint = field, msg, hint


def _attr_of(field):
    """The attribute a State field stands for: `count_` -> `_count` (the inverse of the State's names)."""
    stripped = field.rstrip("_")
    return "_" * (len(field) - len(stripped)) + stripped


def _mutable_key(value):
    """One key for an object and every view of it (NumPy arrays share their base's memory)."""
    while isinstance(value, _np.ndarray) and value.base is not None:
        value = value.base
    return id(value)


def _mutables(value, depth=0):
    """The mutable objects inside a value (States of children are walked too)."""
    if depth > 50:
        return
    if isinstance(value, (list, dict, set, _np.ndarray)):
        yield value
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        return
    for item in items:
        yield from _mutables(item, depth + 1)


def _mutable_kind(value):
    """(`a list`, what to copy it with)."""
    if isinstance(value, _np.ndarray):
        return "a NumPy array", "x.copy()"
    if isinstance(value, dict):
        return "a dict", "dict(x)"
    if isinstance(value, set):
        return "a set", "set(x)"
    return "a list", "list(x)"


def _outside_values(cls, init, args, kwargs, globals_):
    """(where, value) for every value from outside the new object that `__init__` could store."""
    for value in (*args, *kwargs.values()):
        yield "held by the caller (an argument of the constructor)", value
    for value in (*(init.__defaults__ or ()), *(init.__kwdefaults__ or {}).values()):
        yield "a default value of a parameter of __init__ (made once, shared by every call)", value
    for klass in cls.__mro__[:-1]:
        for name, value in vars(klass).items():
            if isinstance(value, (list, dict, set, _np.ndarray, tuple)):
                yield f"the class attribute {klass.__name__}.{name} (shared by every instance)", value
    for name, value in globals_.items():
        if isinstance(value, (list, dict, set, _np.ndarray)) or isinstance(value, tuple) and not hasattr(value, "_fields"):
            yield f"the module's global {name}", value


def _shared_finding(state, changed, outside):
    """A mutable object of a field changed in place (`changed`: State field names) held in a second
    place: another field, or one of `outside` ((where, value) pairs, read only when needed)."""
    if not changed:
        return None
    seen = {}  # key of an object -> the first field holding it
    for field in state._fields:
        for obj in _mutables(getattr(state, field)):
            key = _mutable_key(obj)
            first = seen.get(key)
            if first is not None and (field in changed or first in changed):
                return _shared(field, first, obj)
            seen.setdefault(key, field)
    mine = {key: field for key, field in seen.items() if field in changed}
    for where, value in outside if mine else ():
        for obj in _mutables(value):
            field = mine.get(_mutable_key(obj))
            if field is not None:
                what, copy = _mutable_kind(obj)
                attr = _attr_of(field)
                return _Finding(field, _SHARED_MSG.format(attr=attr, what=what, where=where),
                                _SHARED_HINT.format(attr=attr, copy=copy))
    return None


def _shared(field, first, obj):
    what, copy = _mutable_kind(obj)
    attr = _attr_of(field)
    if first == field:
        return _Finding(field, _SHARED_INSIDE_MSG.format(attr=attr, what=what),
                        _SHARED_TWICE_HINT)
    return _Finding(field, _SHARED_MSG.format(attr=attr, what=what, where=f"held by self.{_attr_of(first)}"),
                    _SHARED_HINT.format(attr=attr, copy=copy))


def _items(value, depth=0):
    yield value
    if isinstance(value, (tuple, frozenset)) and depth < 20:
        for item in value:
            yield from _items(item, depth + 1)


def _identity_hashed(value):
    """An object with attributes of its own whose hash ignores them."""
    if callable(value) or isinstance(value, (type, types.ModuleType)):
        return False
    return type(value).__hash__ is object.__hash__ and bool(getattr(value, "__dict__", None))


def _static_finding(state, static):
    """Static configuration (`static`: State field names) that JAX's compilation cache would confuse."""
    for field in static:
        attr = _attr_of(field)
        for item in _items(getattr(state, field)):
            if isinstance(item, float) and item == 0.0 and math.copysign(1.0, item) < 0:
                return _Finding(field, _NEGATIVE_ZERO_MSG.format(attr=attr),
                                _NEGATIVE_ZERO_HINT.format(attr=attr, value=repr(item)))
            if _identity_hashed(item):
                return _Finding(field, _IDENTITY_HASHED_MSG.format(attr=attr, cls=type(item).__name__),
                                _IDENTITY_HASHED_HINT.format(short=attr.lstrip("_") or attr))
    return None


def _containers(value, depth=0):
    if isinstance(value, (dict, list)):
        yield value
    if depth < 20 and isinstance(value, (dict, list, tuple)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item, depth + 1)


def _subclass_finding(state, fields):
    """A dict or list subclass in one of `fields` (State field names), which item writes would lose."""
    for field in fields:
        for item in _containers(getattr(state, field)):
            base = dict if isinstance(item, dict) else list
            if type(item) is base:
                continue
            attr, name = _attr_of(field), type(item).__name__
            what, example = _SUBCLASS_BEHAVIOUR.get(
                name, ("it would lose what its class adds", "self.{attr} = " + base.__name__ + "(...)"))
            return _Finding(field, _SUBCLASS_MSG.format(attr=attr, cls=name, base=base.__name__, what=what),
                            _SUBCLASS_HINT.format(base=base.__name__, example=example.format(attr=attr)))
    return None


def _unshared(*changed):
    """The check of `_checks_init` for the fields changed in place (`changed`, State fields): no
    mutable object of theirs in a second place, and no dict or list subclass."""

    def check(state, init, args, kwargs):
        outside = _outside_values(type(state)._cls, init, args, kwargs, init.__globals__)
        return _subclass_finding(state, changed) or _shared_finding(state, set(changed), outside)

    return check


def _static_config(*static):
    """The check of `_checks_init` for the static fields (`static`, State fields)."""

    def check(state, init, args, kwargs):
        return _static_finding(state, static)

    return check


def _checks_init(*checks):
    """A converted module's `init`, checked as the decorator's `Cls.init` is (`checks`: this
    module's `_static_config(...)`, `_unshared(...)`), refused with a TypeError that names the
    file and line of the call of `init`, what is wrong and what to write instead."""
    import functools
    import sys

    def wrap(init):
        @functools.wraps(init)
        def checked(*args, **kwargs):
            state = init(*args, **kwargs)
            for check in checks:
                found = check(state, init, args, kwargs)
                if found is not None:
                    caller = sys._getframe(1)
                    raise TypeError(f"{caller.f_code.co_filename}:{caller.f_lineno}: {found.msg}\n"
                                    f"  hint: {found.hint}")
            return state

        return checked

    return wrap
