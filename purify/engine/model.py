"""What the analysis knows about a class: its fields, its methods, its bases.

Both emitters (runtime compile, CLI unparse) and every rewrite pass read this
model; only `analysis.py` builds it.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..errors import PurifyError
    from .analysis.calls import Callee
    from .analysis.effects import Site, Summary


class FieldKind(str, enum.Enum):
    """What a field is in the State (a `str` enum: compares equal to its value)."""

    STATE = "state"  # a pytree leaf
    STATIC = "static"  # pytree metadata: hashable configuration, never traced
    PARAM = "param"  # a trainable leaf (`purify.param`)


class MethodKind(str, enum.Enum):
    """How the class defines a function (a `str` enum: compares equal to its value)."""

    INIT = "init"
    METHOD = "method"
    PROPERTY = "property"
    STATIC = "static"
    CLASS = "class"

    @property
    def has_self(self) -> bool:
        """Takes the object (its state, in the pure API) as first argument."""
        return self in (MethodKind.INIT, MethodKind.METHOD, MethodKind.PROPERTY)


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
    kind: FieldKind
    node: ast.AST  # its first assignment in __init__, for error locations
    child: ast.expr | None = None  # the @stateful class expression when it holds one instance
    children: bool = False  # holds a tuple of @stateful instances
    items: tuple[ast.expr, ...] = ()  # their classes as written, when __init__ shows every one
    marked_static: bool = False  # written `purify.static(...)`: a value that is not hashable is compared by identity
    keyed: bool = False  # the children sit in a dict, by key (a tuple, by position, otherwise)
    # only __init__ writes it, with an object some library builds (gymnasium's `spaces.Discrete(2)`):
    # state while it holds arrays, configuration (pytree metadata) while it holds a value JAX cannot trace
    opaque: bool = False
    # not created by __init__: a class attribute's None (gymnasium's `_np_random = None` in gym.Env)
    # that a method assigns later; the State starts with None, as the object reads the class's
    from_class: bool = False

    @property
    def name(self) -> str:
        return field_name(self.attr)


@dataclasses.dataclass
class Method:
    """One function of the class body (or of a decorated base, re-converted here)."""

    name: str  # as written in the class body
    node: ast.FunctionDef
    kind: MethodKind
    origin: Origin
    owner: ClassModel  # the class whose body holds it (super() resolves from here)
    # Computed once per class by the analysis (inherited methods get their own, for this class):
    callees: dict[int, Callee] = dataclasses.field(default_factory=dict)  # id(call node) -> what it runs
    summary: Summary | None = None  # what running it does to the state
    # id(node of its own body) -> (the node, what it does there or None), filled once summarised
    sites: dict[int, tuple[ast.AST, Site | None]] | None = None
    # an eager-only method that a converted one calls: the call runs it on the instance (_eager_call)
    on_instance: bool = False

    @functools.cached_property
    def first_param(self) -> str:
        """The name of its first parameter (`self`), or "" when it has none: asked of every method
        by most analyses and checks, found once."""
        a = self.node.args
        first = [*a.posonlyargs, *a.args, *a.kwonlyargs, *(x for x in (a.vararg, a.kwarg) if x is not None)][:1]
        return first[0].arg if first else ""

    @property
    def writes(self) -> bool:
        """Does it change the state, directly or through what it calls?"""
        return self.summary is not None and self.summary.writes

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
    refusals: list[PurifyError] = dataclasses.field(default_factory=list)  # what analysis could not accept
    eager: frozenset[str] = frozenset()  # methods that run only on instances, own and inherited (eager_only.py)
    setters: dict[str, str] = dataclasses.field(default_factory=dict)  # property -> its pure setter's name
    plain: bool = False  # a base class that is not decorated, analysed as if it were (its methods are inherited)
    # eager-only methods the converted ones may call (`self.render()`), by name (engine/eager_only.py)
    on_instance: dict[str, Method] = dataclasses.field(default_factory=dict)

    @property
    def state_name(self) -> str:
        return f"{self.name}State"

    @property
    def layout(self) -> StateLayout:
        """The State type, as both outputs make it (the decorator at run time, `convert` as text)."""
        return StateLayout(self.state_name, f"State of {self.name}.",
                           tuple(f.name for f in self.fields.values()),
                           tuple(f.name for f in self.fields.values() if f.kind == FieldKind.STATIC),
                           tuple(f.name for f in self.fields.values() if f.kind == FieldKind.PARAM),
                           tuple(f.name for f in self.fields.values() if f.kind == FieldKind.STATIC and f.marked_static),
                           tuple(f.name for f in self.fields.values() if f.kind == FieldKind.STATE and f.opaque))

    def fields_of_kind(self, *kinds: str) -> list[Field]:
        return [f for f in self.fields.values() if f.kind in kinds]

    def changed_in_place(self) -> list[Field]:
        """The fields some method (or `__init__`) changes in place (the analysis's mutations),
        children aside: the ones whose values `Cls.init` checks for sharing."""
        names = {m.path.field for method in self.methods.values() if method.summary is not None
                 for m in method.summary.mutations}
        return [f for f in self.fields.values() if f.attr in names and f.child is None and not f.children]


@dataclasses.dataclass(frozen=True)
class StateLayout:
    """One description of a class's State: a NamedTuple of `fields` whose `static` ones are pytree
    metadata (registered with `jax.tree_util.register_dataclass` when there are any)."""

    name: str
    doc: str
    fields: tuple[str, ...]
    static: tuple[str, ...]
    params: tuple[str, ...]
    # static fields marked `purify.static(...)`: registered by `_register_state` (runtime/helpers.py),
    # which compares a value that is not hashable (gymnasium's spaces.Box) by identity
    identity: tuple[str, ...] = ()
    # state fields that may hold configuration (Field.opaque): `_register_state` decides for each value
    opaque: tuple[str, ...] = ()

    @property
    def by_value(self) -> bool:
        """Registered by `_register_state` (runtime/helpers.py), which looks at the values."""
        return bool(self.identity or self.opaque)

    @property
    def data(self) -> tuple[str, ...]:
        """The fields that are pytree leaves."""
        return tuple(f for f in self.fields if f not in self.static)


class Resolver(Protocol):
    """What the engine asks about names it cannot judge from syntax alone.

    The decorator answers by looking names up in the class's globals and
    closures; the CLI answers from the files it converts (it never imports them).
    """

    def stateful(self, node: ast.expr) -> ClassModel | None:
        """The model of the @stateful class that `node` names, if it names one."""

    def purify_api(self, node: ast.expr) -> str | None:
        """The purify API name (`param`, `static`, `grad`, ...) that `node` refers to."""

    # Optional: `plain_class(node) -> ClassModel | None`, the model of an undecorated class whose
    # source the resolver can read, analysed as if it were decorated (a base such as a mixin).
    def plain_class_source(self, node: ast.expr) -> ast.ClassDef | None:
        """The source of the class `node` names when it is one of the user's classes that is not
        @stateful (for the messages that say to decorate it), if purify can read it."""
