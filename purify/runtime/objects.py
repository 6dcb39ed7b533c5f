"""Names on a decorated class that must mean what they mean in Python (issue 12, kind 8):

* default arguments are the values Python evaluated in the class body (`def f(self, k=SCALE)`
  where SCALE is a class attribute), not a second evaluation in the module's scope;
* a field shadows a class attribute of the same name on instances, as an instance attribute does;
* `bump = inc` in the class body is the pure `inc` on the class, as `inc` is.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from ..engine.passes.hygiene import method_aliases
from . import instances


@contextlib.contextmanager
def defaults_deferred(fns: list[ast.FunctionDef]) -> Iterator[None]:
    """Compile the pure functions with `None` where the user wrote default values: Python
    evaluates those in the class body (where class attributes are names), so they are copied
    from the class's own functions afterwards (`python_defaults`)."""
    saved: list[tuple[ast.arguments, list[ast.expr], list[ast.expr | None]]] = []
    for fn in fns:
        a = fn.args
        saved.append((a, a.defaults, a.kw_defaults))
        a.defaults = [ast.copy_location(ast.Constant(None), d) for d in a.defaults]
        a.kw_defaults = [d if d is None else ast.copy_location(ast.Constant(None), d) for d in a.kw_defaults]
    try:
        yield
    finally:
        for a, defaults, kw_defaults in saved:
            a.defaults, a.kw_defaults = defaults, kw_defaults


def python_defaults(cls: type, pure: dict[str, Callable[..., Any]]) -> None:
    """Give each pure function the default values of the user's function it was made from."""
    for attr, fn in pure.items():
        original = _original(cls, "__init__" if attr == "init" else attr)
        if original is None:
            continue
        fn.__defaults__ = original.__defaults__
        fn.__kwdefaults__ = original.__kwdefaults__


def _original(cls: type, attr: str) -> Any:
    """The user's function (or, for an inherited method, the base's pure function)."""
    for klass in cls.__mro__:
        value = klass.__dict__.get(attr)
        if value is None:
            continue
        if isinstance(value, instances.Method):
            return value.pure
        if value is instances.eager_init:  # a decorated base's __init__: its pure init's defaults
            return getattr(klass.__dict__["__purify__"].pure["init"], "__wrapped__", None)
        if isinstance(value, (staticmethod, classmethod)):
            return None
        if isinstance(value, property):
            return value.fget
        return value if hasattr(value, "__defaults__") else None
    return None


class FieldOverClassAttr:
    """A field with the name of a class attribute: on an instance the field's value (an
    instance attribute shadows the class's), on the class the class attribute."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.value
        return instances.getattr_(obj, self.name)


def install_fields_and_aliases(cls: type, info: Any) -> None:
    model = info.model
    for f in model.fields.values():
        attr = f.attr
        if attr.startswith("__") and not attr.endswith("__"):
            attr = f"_{model.name.lstrip('_')}{attr}"
        for klass in cls.__mro__[:-1]:
            value = klass.__dict__.get(attr)
            if attr in klass.__dict__ and not isinstance(value, (instances.Method, instances.Property)):
                setattr(cls, attr, FieldOverClassAttr(attr, value.value if isinstance(value, FieldOverClassAttr)
                                                      else value))
                break
    for alias, name in method_aliases(model.node).items():
        target = cls.__dict__.get(name)
        if isinstance(target, instances.Method):
            setattr(cls, alias, target)
