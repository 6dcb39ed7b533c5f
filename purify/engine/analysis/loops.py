"""Which loop variables name children: the one reading of a loop header over a container of
children, for the call resolver (analysis/calls.py), the protocol checks (passes/children.py)
and the rewrite that threads each child's state by its key (passes/calls.py).

    for layer in self.layers:                        layer   an item, by position
    for layer in self.layers[:-1]:                   layer   (any slice)
    for layer in reversed(self.layers):              layer
    for i, layer in enumerate(self.layers[1:]):      layer
    for a, b in zip(self.layers, self.norms):        a, b    (other iterables may be zipped in)
    for head in self.heads.values():                 head    an item of a dict, by key
    for name, head in self.heads.items():            head

Each such iterable is a `Source`: the rewrite iterates `zip(<its keys>, <it>)`, where its keys
are the same expression over the positions (`range(len(self.layers))[:-1]`) or the dict's keys
(`self.heads.keys()`), so each child's new state goes back to the item it came from.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..model import Field
from ..syntax import dotted, self_chain


class Yields(enum.Enum):
    VALUE = "the child"  # `for c in self.cs`, `.values()`
    PAIR = "(key, child)"  # `.items()`


@dataclasses.dataclass(frozen=True)
class Source:
    """One iterable of children inside a loop header."""

    node: ast.expr  # as written: self.cs, self.cs[1:], reversed(self.cs), self.d.values(), self.d.items()
    base: ast.expr  # the field's expression: self.cs, self.d
    field: Field
    yields: Yields


@dataclasses.dataclass(frozen=True)
class LoopChild:
    """A loop variable that names a child of `source`, and the target it sits in."""

    var: str
    target: ast.expr  # the part of the loop target the source's items bind (`layer`, `(name, head)`)
    source: Source


def loop_children(fields: dict[str, Field], it: ast.expr, target: ast.expr, self_name: str) -> list[LoopChild]:
    """The loop variables of `for target in it` (or a comprehension) that name children."""
    if not self_name:
        return []
    if isinstance(it, ast.Call) and dotted(it.func) == "enumerate" and len(it.args) == 1 \
            and all(k.arg == "start" for k in it.keywords) and _pair(target):
        return loop_children(fields, it.args[0], target.elts[1], self_name)  # type: ignore[attr-defined]
    if isinstance(it, ast.Call) and dotted(it.func) == "zip" and it.args \
            and all(k.arg == "strict" for k in it.keywords) and not any(isinstance(a, ast.Starred) for a in it.args) \
            and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(it.args):
        return [c for a, t in zip(it.args, target.elts) for c in loop_children(fields, a, t, self_name)]
    source = children_source(fields, it, self_name)
    if source is None:
        return []
    if source.yields is Yields.PAIR:
        var = target.elts[1] if _pair(target) else None  # type: ignore[attr-defined]
    else:
        var = target
    return [LoopChild(var.id, target, source)] if isinstance(var, ast.Name) else []


def children_source(fields: dict[str, Field], it: ast.expr, self_name: str) -> Source | None:
    """`it` when it iterates the children of a field (see the module docstring)."""
    node = it
    while isinstance(node, ast.Call) and dotted(node.func) == "reversed" and len(node.args) == 1 and not node.keywords:
        node = node.args[0]
    yields = Yields.VALUE
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args and not node.keywords \
            and node.func.attr in ("values", "items"):
        yields = Yields.PAIR if node.func.attr == "items" else Yields.VALUE
        node = node.func.value
        field = _field(fields, node, self_name)
        return Source(it, node, field, yields) if field is not None and field.keyed else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        node = node.value
    field = _field(fields, node, self_name)
    return Source(it, node, field, yields) if field is not None and not field.keyed else None


def keys_of(source: Source) -> ast.expr:
    """The keys of the items `source` yields, in the same order: `range(len(self.cs))[1:]` for
    `self.cs[1:]`, `reversed(self.d.keys())` for `reversed(self.d.values())`."""
    def rebuilt(node: ast.expr) -> ast.expr:
        if node is source.base:
            return _call("range", _call("len", node)) if not source.field.keyed else node
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.value is source.base:
            return ast.Call(ast.Attribute(source.base, "keys", ast.Load()), [], [])
        if isinstance(node, ast.Call):
            return _call(dotted(node.func) or "reversed", rebuilt(node.args[0]))
        assert isinstance(node, ast.Subscript)
        return ast.Subscript(rebuilt(node.value), node.slice, ast.Load())
    return rebuilt(source.node)


def _call(name: str, arg: ast.expr) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), [arg], [])


def _field(fields: dict[str, Field], node: ast.expr, self_name: str) -> Field | None:
    chain = self_chain(node, self_name)
    if not chain or len(chain) != 1 or chain[0][0] != "attr":
        return None
    f = fields.get(str(chain[0][1]))
    return f if f is not None and f.children else None


def _pair(target: ast.expr) -> bool:
    return isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2
