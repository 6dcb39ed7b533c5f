"""Fields that hold `None` after `__init__` and a value once a method has run (issue 14, item 6):
`self.state = None` in `__init__`, `self.state = jnp.array(...)` in `reset`. Eagerly and under
`jax.jit` this is fine (a new structure is a new trace), but a `lax.scan` or `while_loop` that
carries the state needs one structure, and fails far from the cause. The decorator warns at
decoration with both lines; `purify convert` prints the same note."""

from __future__ import annotations

import ast
import dataclasses

from ..model import ClassModel, Field, FieldKind, Method
from ..syntax import arg_names, is_self
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
    self_name = (arg_names(method.node) or ["self"])[0]
    return [n for n in facts(method.node).own if isinstance(n, ast.Assign) and any(
        isinstance(t, ast.Attribute) and is_self(t.value, self_name) and t.attr == attr for t in n.targets)]


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _only_none(init: Method, attr: str) -> bool:
    values = [n.value for n in _assigns(init, attr)]
    return bool(values) and all(_is_none(v) for v in values)


def _first_value(model: ClassModel, attr: str) -> tuple[Method, ast.stmt] | None:
    for m in model.methods.values():
        if m.kind != "method":
            continue
        for n in _assigns(m, attr):
            if not _is_none(n.value):
                return m, n
    return None
