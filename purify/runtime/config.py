"""Static configuration that JAX would get wrong (issue 12, kind 10), refused at `Cls.init`.

A static field is pytree metadata: `jax.jit` compiles once per distinct metadata, and "distinct"
is Python's `==` and `hash`. So a value that equals another one but acts differently, or one whose
contents can change without changing its hash, would silently reuse a stale compilation:

* `-0.0` equals `0.0` (and hashes the same): a step compiled for `0.0` runs for `-0.0`;
* an object hashed by identity with attributes (a plain configuration class): its later changes
  do not change its hash, so the compiled step keeps the values it was traced with.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Iterator
from typing import Any

from ..engine.model import ClassModel, FieldKind
from ..errors import error_at

NEGATIVE_ZERO_MSG = ("self.{attr} is static configuration holding -0.0, which equals 0.0 for JAX's compilation "
                     "cache: a step compiled for 0.0 would be reused for -0.0")
NEGATIVE_ZERO_HINT = "make it state, so it is traced as a value: self.{attr} = jnp.asarray({value})"
MUTABLE_MSG = ("self.{attr} is static configuration holding a {cls} object, which is hashed by identity: "
               "a compiled step keeps the values it was traced with, and later changes to its attributes are "
               "ignored")
MUTABLE_HINT = ("store the values it holds (self.{attr_short} = cfg.scale), or make its class immutable "
                "(@dataclasses.dataclass(frozen=True)), so a change is a new object")


def _items(value: Any, depth: int = 0) -> Iterator[Any]:
    yield value
    if isinstance(value, (tuple, frozenset)) and depth < 20:
        for item in value:
            yield from _items(item, depth + 1)


def _identity_hashed(value: Any) -> bool:
    """An object with attributes of its own whose hash ignores them."""
    if callable(value) or isinstance(value, (type, types.ModuleType)):
        return False
    return type(value).__hash__ is object.__hash__ and bool(getattr(value, "__dict__", None))


def check_static(model: ClassModel, state: Any, is_leaves: Callable[[Any], bool] = lambda v: True) -> None:
    """The static fields, and the opaque ones holding configuration (not leaves: `is_leaves`)."""
    for f in model.fields.values():
        if f.kind != FieldKind.STATIC and not (f.opaque and not is_leaves(getattr(state, f.name))):
            continue
        for item in _items(getattr(state, f.name)):
            if isinstance(item, float) and item == 0.0 and math.copysign(1.0, item) < 0:
                raise error_at(f.node, model.origin.filename, NEGATIVE_ZERO_MSG.format(attr=f.attr),
                               NEGATIVE_ZERO_HINT.format(attr=f.attr, value=repr(item)), model.origin.lines)
            if _identity_hashed(item):
                raise error_at(f.node, model.origin.filename,
                               MUTABLE_MSG.format(attr=f.attr, cls=type(item).__name__),
                               MUTABLE_HINT.format(attr_short=f.attr.lstrip("_") or f.attr), model.origin.lines)


SUBCLASS_MSG = ("self.{attr} holds a {cls}, but the pure methods write items by building plain {base}s, so after "
                "the first write it would be a plain {base} ({what})")
SUBCLASS_HINT = "use a plain {base}: {example}"
_BEHAVIOUR = {"defaultdict": ("missing keys would raise KeyError",
                              "self.{attr}[k] = self.{attr}.get(k, 0) + 1 instead of self.{attr}[k] += 1"),
              "Counter": ("missing keys would raise KeyError",
                          "self.{attr}[k] = self.{attr}.get(k, 0) + 1")}


def check_state_types(model: ClassModel, state: Any) -> None:
    """A dict or list subclass in a state field (`collections.defaultdict(int)`): `_setitem` keeps
    the contents but not the type, so its behaviour would change after the first write."""
    for f in model.fields.values():
        if f.kind == FieldKind.STATIC:
            continue
        for item in _containers(getattr(state, f.name)):
            base = dict if isinstance(item, dict) else list
            if type(item) is base:
                continue
            name = type(item).__name__
            what, example = _BEHAVIOUR.get(name, ("it would lose what its class adds",
                                                  "self.{attr} = " + base.__name__ + "(...)"))
            raise error_at(f.node, model.origin.filename,
                           SUBCLASS_MSG.format(attr=f.attr, cls=name, base=base.__name__, what=what),
                           SUBCLASS_HINT.format(base=base.__name__, example=example.format(attr=f.attr)),
                           model.origin.lines)


def _containers(value: Any, depth: int = 0) -> Iterator[Any]:
    if isinstance(value, (dict, list)):
        yield value
    if depth < 20 and isinstance(value, (dict, list, tuple)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item, depth + 1)
