"""Fields that hold `None` after `__init__` and a value once a method has run (issue 14, item 6):
`self.state = None` in `__init__`, `self.state = jnp.array(...)` in `reset`. Eagerly and under
`jax.jit` this is fine (a new structure is a new trace), but a `lax.scan` or `while_loop` that
carries the state needs one structure, and fails far from the cause. The decorator warns at
decoration with both lines; `purify convert` prints the same note.

What `__init__` leaves in a field follows the methods it calls (`self.reset()`, a property's
setter), through the call resolver's `Method.callees`: the last assignment of the field, in the
order of the lines, in `__init__` or in a method it calls (in theirs, the same way), decides. A
call under an `if` counts as made: the warning is for a field that is None after `__init__`."""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..model import ClassModel, Field, FieldKind, Method
from ..syntax import is_self
from .calls import CallKind
from .facts import facts

MSG = ("self.{attr} is None after __init__ (line {init_line}) and {method} assigns it a value (line {line}): a "
       "jax.lax.scan or while_loop that carries the state needs one structure, so it would fail on the carry")
HINT = "give it an initial value of the shape and dtype {method} gives it, e.g. self.{attr} = jnp.zeros(...) in __init__"


@dataclasses.dataclass(frozen=True)
class NoneThenValue:
    field: Field
    method: Method
    node: ast.stmt  # the method's assignment

    def message(self) -> str:
        return MSG.format(attr=self.field.attr, init_line=getattr(self.field.node, "lineno", "?"),
                          method=self.method.name, line=self.node.lineno)

    def hint(self) -> str:
        return HINT.format(attr=self.field.attr, method=self.method.name)

    def note(self) -> str:
        return f"{self.method.origin.filename}:{self.node.lineno}: {self.message()}\n  hint: {self.hint()}"


def none_then_value(model: ClassModel) -> list[NoneThenValue]:
    """Each state field `__init__` leaves None that a method assigns something else (the first such)."""
    init = model.methods.get("__init__")
    if init is None:
        return []
    out = []
    for f in model.fields.values():
        if f.kind == FieldKind.STATIC or f.child is not None or f.children or not _only_none(init, f.attr):
            continue
        found = _first_value(model, f.attr)
        if found is not None:
            out.append(NoneThenValue(f, *found))
    return out


def _assigns(method: Method, attr: str) -> list[ast.Assign]:
    self_name = method.first_param or "self"
    return [n for n in facts(method.node).of(ast.Assign) if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Attribute) and is_self(t.value, self_name) and t.attr == attr for t in n.targets)]


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class Left(enum.Enum):
    """What running a method leaves in a field."""

    UNCHANGED = "unchanged"
    NONE = "None"
    VALUE = "a value"  # anything but the constant None (purify does not tell what a call returns)


_OWN_CALLS = (CallKind.OWN, CallKind.SUPER)  # the calls that run a method on this object


def _only_none(init: Method, attr: str) -> bool:
    return _left(init, attr, set()) is Left.NONE


def _left(method: Method, attr: str, seen: set[int]) -> Left:
    """The field after `method` runs: its last assignment, its own or in a method it calls."""
    if id(method) in seen:
        return Left.UNCHANGED  # (a method calling itself back: what it leaves is found above)
    seen = seen | {id(method)}
    events: list[tuple[tuple[int, int], Left]] = [
        (_at(n), Left.NONE if _is_none(n.value) else Left.VALUE) for n in _assigns(method, attr)]
    for node in facts(method.node).of(ast.Call, ast.Attribute):  # (what `callees` holds)
        callee = method.callees.get(id(node))
        if callee is not None and callee.kind in _OWN_CALLS:
            left = _either([_left(m, attr, seen) for _, m in callee.targets])
            if left is not Left.UNCHANGED:
                events.append((_at(node), left))
    return max(events, key=lambda e: e[0])[1] if events else Left.UNCHANGED


def _either(lefts: list[Left]) -> Left:
    """What one of several methods leaves (an override or the base's): a value if any may."""
    return Left.VALUE if Left.VALUE in lefts else Left.NONE if Left.NONE in lefts else Left.UNCHANGED


def _at(node: ast.AST) -> tuple[int, int]:
    """Where a statement or call ends: `self.x = self.f()` assigns after the call."""
    return getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0


def _first_value(model: ClassModel, attr: str) -> tuple[Method, ast.stmt] | None:
    for m in model.methods.values():
        if m.kind != "method":
            continue
        for n in _assigns(m, attr):
            if not _is_none(n.value):
                return m, n
    return None
