"""What the analysis knows about a class: its fields, its methods, its bases.

Both emitters (runtime compile, CLI unparse) and every rewrite pass read this
model; only `analysis.py` builds it.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Protocol


def field_name(attr: str) -> str:
    """The State field for attribute `attr`.

    NamedTuple fields cannot start with an underscore, so leading underscores
    move to the end: `_count` -> `count_`, `__x` -> `x__`.
    """
    stripped = attr.lstrip("_")
    return stripped + "_" * (len(attr) - len(stripped))


@dataclasses.dataclass
class Origin:
    """A file and its lines, for locating errors in code that may come from a base class's file."""

    filename: str
    lines: list[str]


@dataclasses.dataclass
class Field:
    """One state attribute."""

    attr: str  # as written after `self.`
    kind: str  # "state" | "static" | "param"
    node: ast.AST  # its first assignment in __init__, for error locations
    child: ast.expr | None = None  # the @stateful class expression when it holds one instance
    children: bool = False  # holds a tuple of @stateful instances

    @property
    def name(self) -> str:
        return field_name(self.attr)


@dataclasses.dataclass
class Method:
    """One function of the class body (or of a decorated base, re-converted here)."""

    name: str  # as written in the class body
    node: ast.FunctionDef
    kind: str  # "init" | "method" | "property" | "static" | "class"
    origin: Origin
    owner: ClassModel  # the class whose body holds it (super() resolves from here)
    writes: bool = False  # writes state, directly or through calls

    def attr(self, class_name: str) -> str:
        """The name the class stores it under (private names are mangled)."""
        if self.name.startswith("__") and not self.name.endswith("__"):
            return f"_{class_name.lstrip('_')}{self.name}"
        return self.name


@dataclasses.dataclass
class ClassModel:
    """A @stateful class as the engine sees it."""

    name: str
    node: ast.ClassDef
    origin: Origin
    fields: dict[str, Field]  # by attribute, in order of first assignment
    methods: dict[str, Method]  # by name as written, own and inherited
    class_attrs: set[str]  # names assigned in the class body (constants)
    bases: list[ClassModel]  # decorated bases, nearest first
    base_expr: ast.expr | None  # the first base as written, for super()

    @property
    def state_name(self) -> str:
        return f"{self.name}State"

    def fields_of_kind(self, *kinds: str) -> list[Field]:
        return [f for f in self.fields.values() if f.kind in kinds]


class Resolver(Protocol):
    """What the engine asks about names it cannot judge from syntax alone.

    The decorator answers by looking names up in the class's globals and
    closures; the CLI answers from the files it converts (it never imports them).
    """

    def stateful(self, node: ast.expr) -> ClassModel | None:
        """The model of the @stateful class that `node` names, if it names one."""

    def purify_api(self, node: ast.expr) -> str | None:
        """The purify API name (`param`, `static`, `grad`, ...) that `node` refers to."""
