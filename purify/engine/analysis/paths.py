"""State paths: a part of the state named by the way from `self` to it.

`self.d["k"].x` is the path d -> ["k"] -> .x. An item key that is not a constant is unknown
and may equal any key. A path *reaches* another when a change in place of the object at the
second shows through the first (it is the same object or leads to it).
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..model import ClassModel, FieldKind
from ..syntax import self_chain


class LinkKind(enum.Enum):
    ATTR = "attr"
    ITEM = "item"


@dataclasses.dataclass(frozen=True)
class PathLink:
    kind: LinkKind
    key: str | None  # the attribute; an item's constant key (its repr), None when computed

    def may_equal(self, other: PathLink) -> bool:
        if self.kind is not other.kind:
            return False
        return self.key == other.key or self.kind is LinkKind.ITEM and None in (self.key, other.key)


@dataclasses.dataclass(frozen=True)
class StatePath:
    links: tuple[PathLink, ...]

    @property
    def field(self) -> str:
        """The attribute of self the path starts at."""
        return str(self.links[0].key)

    def __len__(self) -> int:
        return len(self.links)

    def prefix(self, n: int) -> StatePath:
        return StatePath(self.links[:n])

    def parent(self) -> StatePath:
        return StatePath(self.links[:-1])

    def item(self) -> StatePath:
        """Any item of the object at this path."""
        return StatePath((*self.links, PathLink(LinkKind.ITEM, None)))

    def reaches(self, mutated: StatePath) -> bool:
        """Does the object at this path see a change in place of the object at `mutated`?"""
        return len(self) <= len(mutated) and all(a.may_equal(m) for a, m in zip(self.links, mutated.links))

    @classmethod
    def of(cls, node: ast.AST, self_name: str, model: ClassModel) -> StatePath | None:
        """The path `node` names (`self.<field>...`) when it is state, else None."""
        chain = self_chain(node, self_name)
        if not chain or chain[0][0] != "attr":
            return None
        field = model.fields.get(str(chain[0][1]))
        if field is None or field.kind == FieldKind.STATIC:
            return None
        return cls(tuple(PathLink(LinkKind.ATTR, str(key)) if kind == "attr" else
                         PathLink(LinkKind.ITEM, repr(key.value) if isinstance(key, ast.Constant) else None)
                         for kind, key, _ in chain))


def is_child(model: ClassModel, path: StatePath) -> bool:
    """Does `path` name one @stateful child object (`self.c`, `self.cs[i]`)?"""
    field = model.fields[path.field]
    return (field.child is not None and len(path) == 1
            or field.children and len(path) == 2 and path.links[1].kind is LinkKind.ITEM)
