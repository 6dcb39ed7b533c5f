"""Eager instances of @stateful classes: `obj.method(...)` runs the pure method on the
instance's State and keeps the new one; `obj.attr` reads the State.

An instance made by the user holds its State. A child read from it (`model.encoder`,
`model.layers[0]`) is a *view*: an instance of the child's class that holds no State of
its own but a path into its parent's, so `model.encoder(x)` runs the child's method and
writes the child's new State back into the parent, as the original objects would.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Callable
from typing import Any

from ..engine.model import field_name
from ..errors import PurifyError
from . import context, donation, eager, partial, views
from .other_objects import _obj_call
from .state import is_state

STATE = "_purify_state"  # where a user-made instance keeps its State
_LOST = "_purify_lost"  # in its place, once a method raised and its state could not be put together
_TRACE = "_purify_trace"  # the trace an instance was made in, if any
_PARENT = "_purify_parent"  # a view's (parent instance, field, index or None)
_SHARED = "_purify_shared"  # [(weakref to a shallow copy or original, {field: what it holds})]


# -- where an instance's State lives ---------------------------------------------


def load(obj: Any) -> Any:
    """The instance's current State (a view reads it from its parent's)."""
    d = obj.__dict__
    if STATE in d:
        return d[STATE]
    if _LOST in d:
        refuse_lost(d)
    parent, field, index = d[_PARENT]
    value = getattr(load(parent), field)
    return value if index is None else value[index]


def store(obj: Any, state: Any) -> None:
    """Replace the instance's State (a view replaces its part of the parent's)."""
    d = obj.__dict__
    if STATE in d:
        if _SHARED in d:
            from . import sharing

            sharing.check_shared_store(obj, d[_SHARED], d[STATE], state)
        d[STATE] = state
        return
    if _LOST in d:
        refuse_lost(d)
    parent, field, index = d[_PARENT]
    whole = load(parent)
    if index is not None:
        state = _with_item(getattr(whole, field), index, state)
    store(parent, whole._replace(**{field: state}))


def refuse_lost(slots: dict[str, Any]) -> None:
    """An instance whose state was lost when a method raised (runtime/partial.py `Lost`)."""
    rebuild, args = slots[_LOST].__reduce__()  # a fresh error each time (one raised twice gathers tracebacks)
    raise rebuild(*args)


def _root(obj: Any) -> Any:
    while _PARENT in obj.__dict__:
        obj = obj.__dict__[_PARENT][0]
    return obj


def root_of(obj: Any) -> Any:
    """The user-made instance whose State holds `obj`'s (itself when it is one)."""
    return _root(obj)


def is_instance(value: Any) -> bool:
    """Is `value` an eager instance (user-made or a view) of a @stateful class?"""
    return "__purify__" in type(value).__dict__ and (STATE in vars(value) or _PARENT in vars(value) or _LOST in vars(value))


def as_state(value: Any) -> Any:
    """Instances become their States, lists of them tuples of States; anything else is kept."""
    if is_instance(value):
        return load(value)
    if isinstance(value, list) and value and all(is_state(as_state(x)) for x in value):
        return tuple(as_state(x) for x in value)
    if isinstance(value, tuple) and not hasattr(value, "_fields") and any(is_state(as_state(x)) for x in value):
        return tuple(as_state(x) for x in value)
    if isinstance(value, dict) and value and all(is_state(as_state(x)) for x in value.values()):
        return {k: as_state(x) for k, x in value.items()}  # a dict of children
    return value


def _view(parent: Any, field: str, index: int | None, state: Any) -> Any:
    obj = object.__new__(type(state)._cls)
    obj.__dict__[_PARENT] = (parent, field, index)
    return obj


def _view_at(parent: Any, field: str, index: int | None, state: Any) -> Any:
    """The one view of the child at (field, index): `p.child is p.child`."""
    return views.cached(parent, (field, index), lambda: _view(parent, field, index, state))


def _standalone(state: Any) -> Any:
    obj = object.__new__(type(state)._cls)
    obj.__dict__[STATE] = state
    return obj


def _replaced_children(obj: Any, method: str, old: Any, new: Any) -> list[tuple[Any, Any]]:
    """The cached child views whose place `method` gave a new object, with their states before."""
    cache = obj.__dict__.get(views._VIEWS)
    if not cache:
        return []
    fields = views.rebound_fields(type(obj).__purify__.model).get(method, frozenset())
    out = []
    for key in [k for k in cache if k[0] in fields and getattr(old, k[0]) is not getattr(new, k[0])]:
        view = cache.pop(key)
        if key[1] != "list" and _PARENT in view.__dict__:
            out.append((view, load(view)))
    return out


def _with_item(items: Any, index: Any, state: Any) -> Any:
    """A tuple (or a dict) of children's States with the one at `index` replaced."""
    if isinstance(items, dict):
        return {**items, index: state}
    new = list(items)
    new[index] = state
    return tuple(new)


def set_child_item(parent: Any, field: str, attr: str, index: Any, value: Any) -> None:
    """`p.layers[i] = obj` (`p.heads[key] = obj`) on a list (a dict) of children: the new object
    takes the old one's place."""
    state = load(parent)
    items = getattr(state, field)
    if not is_instance(value):
        raise PurifyError(f"{type(parent).__name__}.{attr}[{index}] holds a child, not {type(value).__name__}",
                          hint=f"assign an object of a @purify.stateful class: {attr}[{index}] = Child(...)")
    _check_not_shared(parent, f"{attr}[{index}]", value)
    views.detach_one(parent, (field, index), load, STATE, _PARENT)
    store(parent, state._replace(**{field: _with_item(items, index, load(value))}))
    del value.__dict__[STATE]
    at = index + len(items) if isinstance(index, int) and index < 0 else index
    value.__dict__[_PARENT] = (parent, field, at)
    views.remember(parent, field, value.__dict__[_PARENT][2], value)


# -- descriptors -------------------------------------------------------------------


class StateOf:
    """`obj.__purify_state__`: the instance's State, for helpers that must not import purify
    (`purify.split(obj)` in code that `purify convert` also emits)."""

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            raise AttributeError("__purify_state__")
        return load(obj)


class Method:
    """On the class: the pure function. On an instance: the eager method."""

    __slots__ = ("name", "pure")

    def __init__(self, pure: Callable[..., Any], name: str) -> None:
        self.pure, self.name = pure, name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.pure
        return BoundMethod(obj, self.pure, self.name)


class Property:
    """On the class: the pure read-only function. On an instance: its value; `obj.k = v` runs
    the pure setter `Cls.k_setter` on the instance (`setter`, None for a read-only property)."""

    __slots__ = ("pure", "setter", "writes")

    def __init__(self, pure: Callable[..., Any], writes: bool = False) -> None:
        self.pure, self.setter, self.writes = pure, None, writes

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.pure
        if self.writes:  # a caching property: `Cls.prop(state) -> (value, state)`
            return BoundMethod(obj, self.pure, self.pure.__name__)()
        state = load(obj)
        out = self.pure(state)
        # a child it returns (`return self._rng`) is the child object, as from a method
        return views.live_output(obj, out, state, _view_at, _standalone) if isinstance(out, tuple) else out


class BoundMethod:
    """`obj.method`: calls the pure function on the instance's state and keeps the new state."""

    __slots__ = ("__func__", "__name__", "__self__", "__weakref__")

    def __init__(self, obj: Any, pure: Callable[..., Any], name: str) -> None:
        self.__self__, self.__func__, self.__name__ = obj, pure, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        obj = self.__self__
        if not context.top_level() and _root(obj).__dict__.get(_TRACE) is not context.current_trace():
            cls = type(obj).__name__
            raise PurifyError(
                f"{cls}.{self.__name__} was called on an instance inside a JAX transformation: its state "
                "changes would be traced once and then lost (the counter that returns 1, 1, 1)",
                hint=f"use purify.jit(obj.{self.__name__}) to compile the instance's method, or the pure API: "
                f"out, state = jax.jit({cls}.{self.__name__})(state, ...)")
        old = load(obj)
        running = eager.RUNNING_INSTANCE.set(obj)  # (an eager-only method it calls runs on obj)
        try:
            out, new = self.__func__(old, *args, **kwargs)
        except BaseException as e:  # (no cost on a call that returns)
            _keep_partial(obj, self.__name__, old, partial.recovered(e, self.__func__, old, self.__name__))
            raise
        finally:
            eager.RUNNING_INSTANCE.reset(running)
        replaced = _replaced_children(obj, self.__name__, old, new)
        store(obj, new)
        if donation.may_hold_arrays(args, kwargs):  # `self.w = w`: the caller's w, never purify.jit's to donate
            donation.note_foreign(_root(obj).__dict__, new, (args, kwargs))
        for view, state in replaced:  # the old objects live on, with the state they had
            del view.__dict__[_PARENT]
            view.__dict__[STATE] = state
        return views.live_output(obj, out, new, _view_at, _standalone) if isinstance(out, tuple) else out

    def __repr__(self) -> str:
        return f"<purify method {type(self.__self__).__name__}.{self.__name__} of {self.__self__!r}>"


def _keep_partial(obj: Any, name: str, old: Any, new: Any) -> None:
    """Python keeps the changes a method made before it raised: the state they made (None: the
    state from before the call, which the object holds)."""
    if new is None:
        return
    if isinstance(new, partial.Lost):  # (its views read through it, and refuse too)
        root = _root(obj).__dict__
        root.pop(STATE, None)
        root[_LOST] = new.error
        return
    replaced = _replaced_children(obj, name, old, new)
    store(obj, new)
    for view, state in replaced:
        del view.__dict__[_PARENT]
        view.__dict__[STATE] = state


partial.stop_at(BoundMethod.__call__.__code__, _obj_call.__code__)  # (another object's call: its own state)


# -- the instance's __init__, __getattr__, __setattr__ -------------------------------


def eager_init(self: Any, *args: Any, **kwargs: Any) -> None:
    state = self.__dict__[STATE] = type(self).init(*args, **kwargs)
    _adopt_passed(self, state, (*args, *kwargs.values()))
    donation.note_foreign(self.__dict__, state, (args, kwargs))
    if not context.top_level():
        # Made inside a trace (e.g. a local Rng in __init__ under jax.jit(Model.init)):
        # its changes live and die with that trace, so its methods may run there.
        self.__dict__[_TRACE] = context.current_trace()


def _demangled(obj: Any, name: str) -> str:
    """`_M__secret` read from outside the class is the field written `self.__secret` in M."""
    for klass in type(obj).__mro__[:-1]:
        prefix = f"_{klass.__name__.lstrip('_')}__"
        if name.startswith(prefix) and len(name) > len(prefix) and not name.endswith("__"):
            return "__" + name[len(prefix):]
    return name


def getattr_(self: Any, name: str) -> Any:
    if name.startswith("__") and name.endswith("__") or not is_instance(self):
        raise AttributeError(name)
    key = field_name(_demangled(self, name))
    try:
        value = getattr(load(self), key)
    except AttributeError:
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}") from None
    if is_state(value):  # a child: a view that writes back into this instance
        return _view_at(self, key, None, value)
    if isinstance(value, tuple) and not hasattr(value, "_fields") and value and all(map(is_state, value)):
        items = [_view_at(self, key, i, v) for i, v in enumerate(value)]
        if not views.holds_list(type(self).__purify__.model, _demangled(self, name)):
            return tuple(items)
        return views.cached(self, (key, "list"), lambda: views.ChildList(self, key, name, items))
    if isinstance(value, dict) and value and all(map(is_state, value.values())):
        keyed = {k: _view_at(self, key, k, v) for k, v in value.items()}
        return views.cached(self, (key, views.ChildDict), lambda: views.ChildDict(self, key, name, keyed))
    return value


def _property(obj: Any, name: str) -> Property | None:
    for klass in type(obj).__mro__:
        value = klass.__dict__.get(name)
        if value is not None:
            return value if isinstance(value, Property) else None
    return None


def setattr_(self: Any, name: str, value: Any) -> None:
    prop = _property(self, name)
    if prop is not None:  # as Python does with a property: its setter, or AttributeError
        if prop.setter is None:
            raise AttributeError(f"property {name!r} of {type(self).__name__!r} object has no setter")
        BoundMethod(self, prop.setter, prop.setter.__name__)(value)
        return
    state = load(self)
    key = field_name(_demangled(self, name))
    _check_not_shared(self, name, value)
    if key not in state._fields and eager.keeps(self, name):
        self.__dict__[name] = value  # what an eager-only method made, kept on the instance as Python would
        return
    if key not in state._fields:
        raise PurifyError(f"{type(self).__name__} has no state field {name!r}: the state's structure is fixed "
                          f"after __init__ (fields: {', '.join(state._fields) or 'none'})",
                          hint=f"create self.{name} in __init__")
    _check_static(self, _demangled(self, name), value)
    for _, fields in vars(_root(self)).get(_SHARED, ()):
        if _root(self) is self:
            fields.pop(key, None)  # rebinding a field of a copy ends the sharing, as in Python
    views.detach(self, key, load, STATE, _PARENT)
    store(self, state._replace(**{key: as_state(value)}))
    donation.note_foreign(_root(self).__dict__, load(self), as_state(value))
    _adopt(self, key, value)


STATIC_MSG = ("{cls}.{attr} is static configuration (__init__ sets it from plain configuration and no method "
              "writes it), so compiled functions keep the value they were traced with, but it would hold an array")
STATIC_HINT = "make it state in __init__ (self.{attr} = jnp.asarray(...), or None until it is assigned)"


def _check_static(obj: Any, attr: str, value: Any) -> None:
    """A static field assigned on an instance: a new configuration value retraces (it is part of
    the State's structure); an array cannot be metadata and is refused here, where it is assigned,
    not at the next compiled call (or, worse, compared stale)."""
    f = type(obj).__purify__.model.fields.get(attr)
    if f is None or f.kind != "static":
        return
    import jax
    import numpy as np

    if not any(isinstance(x, (jax.Array, np.ndarray)) for x in jax.tree_util.tree_leaves(value)):
        return
    raise PurifyError(STATIC_MSG.format(cls=type(obj).__name__, attr=attr), hint=STATIC_HINT.format(attr=attr))


def _check_not_shared(obj: Any, name: str, value: Any) -> None:
    items = value if isinstance(value, (list, tuple)) and not hasattr(value, "_fields") else \
        list(value.values()) if isinstance(value, dict) else [value]
    for item in items:
        if is_instance(item) and (_PARENT in vars(item) or _root(obj) is item):
            raise PurifyError(
                f"{type(obj).__name__}.{name} would share its {type(item).__name__} object with another field: "
                "a State is a tree, so one object cannot live in two places",
                hint=f"give it its own object (e.g. a new {type(item).__name__}(...)), or copy the state: "
                f"purify.set_state(obj.{name}, purify.state_of(other))")


def _adopt(parent: Any, field: str, value: Any) -> None:
    """After `model.encoder = enc`, `enc` and `model.encoder` are one object in Python: `enc`
    becomes a view of the field, so `enc(x)` changes the model as it did before."""
    items = [(None, value)] if is_instance(value) else (
        list(enumerate(value)) if isinstance(value, (list, tuple)) and not hasattr(value, "_fields") else [])
    for index, item in items:
        if is_instance(item):
            del item.__dict__[STATE]
            item.__dict__[_PARENT] = (parent, field, index)
            views.remember(parent, field, index, item)


def _adopt_passed(obj: Any, state: Any, args: tuple[Any, ...]) -> None:
    """`P(k)` storing the object `k` as a child: in Python the caller's `k` and `p.k` are one
    object from then on, so `k` becomes a view of the field (as after `p.k = k`)."""
    passed = {id(d[STATE]): a for a in args if is_instance(a) and STATE in (d := vars(a))}
    if not passed:
        return
    for field, value in zip(state._fields, state):
        items = list(enumerate(value)) if isinstance(value, tuple) and not is_state(value) else [(None, value)]
        for index, item in items:
            child = passed.get(id(item))
            if child is not None and is_state(item):
                del child.__dict__[STATE]
                child.__dict__[_PARENT] = (obj, field, index)


def copy_(self: Any) -> Any:
    """`copy.copy(obj)`: a new object with the same State (a child's copy leaves its parent)."""
    from . import sharing  # (sharing imports this module)

    state = load(self)
    new = object.__new__(type(self))
    new.__dict__[STATE] = state
    shared = sharing.shared_by_copy(self, state)
    if shared:  # Python's copy shares these with the original: a later change to one is refused
        root = _root(self) if _PARENT in vars(self) else self
        root.__dict__.setdefault(_SHARED, []).append((weakref.ref(new), shared))
        new.__dict__[_SHARED] = [(weakref.ref(root), shared)]  # one dict: rebinding on either side ends it
    return new


def deepcopy_(self: Any, memo: dict[int, Any]) -> Any:
    """`copy.deepcopy(obj)`: a new object with a deep copy of the State."""
    new = object.__new__(type(self))
    memo[id(self)] = new
    new.__dict__[STATE] = copy.deepcopy(load(self), memo)
    return new


# -- public ------------------------------------------------------------------------


def state_of(obj: Any) -> Any:
    """The current State of a @stateful instance (a NamedTuple pytree).

    For a child read from its parent (`purify.state_of(model.encoder)`), the child's part of
    the parent's State.

    Raises:
        PurifyError: `obj` is not an instance of a `@purify.stateful` class.
    """
    if not is_instance(obj):
        raise PurifyError(f"{type(obj).__name__} object is not an instance of a @purify.stateful class",
                          hint="decorate its class with @purify.stateful")
    return load(obj)


def set_state(obj: Any, state: Any) -> None:
    """Replace a @stateful instance's state (e.g. with one restored from a checkpoint).

    Raises:
        PurifyError: `obj` is not an instance of a `@purify.stateful` class, or `state` is
            not a State of its class.
    """
    state_of(obj)
    if type(state) is not type(obj).State:
        raise PurifyError(f"expected a {type(obj).State.__name__}, got {type(state).__name__}")
    store(obj, state)
    donation.note_foreign(_root(obj).__dict__, state, state)
