"""Static configuration that JAX would get wrong (issue 12, kind 10), refused at `Cls.init`
(the checks are runtime/value_checks.py's, which `purify convert` copies; here they are located).

A static field is pytree metadata: `jax.jit` compiles once per distinct metadata, and "distinct"
is Python's `==` and `hash`. So a value that equals another one but acts differently, or one whose
contents can change without changing its hash, would silently reuse a stale compilation:

* `-0.0` equals `0.0` (and hashes the same): a step compiled for `0.0` runs for `-0.0`;
* an object hashed by identity with attributes (a plain configuration class): its later changes
  do not change its hash, so the compiled step keeps the values it was traced with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine.model import ClassModel, FieldKind
from ..errors import error_at
from . import value_checks as values


def check_static(model: ClassModel, state: Any, is_leaves: Callable[[Any], bool] = lambda v: True) -> None:
    """The static fields, and the opaque ones holding configuration (not leaves: `is_leaves`)."""
    static = [f.name for f in model.fields.values()
              if f.kind == FieldKind.STATIC or f.opaque and not is_leaves(getattr(state, f.name))]
    _raise(model, values._static_finding(state, static))


def check_state_types(model: ClassModel, state: Any) -> None:
    """A dict or list subclass in a field changed in place (`collections.defaultdict(int)`):
    `_setitem` keeps the contents but not the type, so its behaviour would change after the first write."""
    _raise(model, values._subclass_finding(state, [f.name for f in model.changed_in_place()]))


def _raise(model: ClassModel, found: Any) -> None:
    if found is not None:
        node = next(f.node for f in model.fields.values() if f.name == found.field)
        raise error_at(node, model.origin.filename, found.msg, found.hint, model.origin.lines)
