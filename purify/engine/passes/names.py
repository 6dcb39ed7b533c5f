"""Attributes of the state get their State field names, in one place, after every other pass:

    self._count        ->  self.count_         (NamedTuple fields cannot start with `_`)
    self.layer._w      ->  self.layer.w_       (a child's State)
    self.layers[i]._w  ->  self.layers[i].w_

Every pass before this one reads and writes attributes as the user wrote them, so none of
them has to look a field up "by either name". The State's own API (`_replace`, `_asdict`,
`_fields`, and purify's `_cls`) keeps its names.
"""

from __future__ import annotations

import ast

from ..analysis.facts import facts
from ..model import field_name
from ..syntax import self_chain
from ..transformer import Transformer
from . import children
from .base import MethodContext

_STATE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_cls", "_params", "_static"})


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    # Only a name with a leading `_` changes, and every attribute of the state in the copy is one
    # the user wrote (the passes before this write them as written): none there, no walk.
    if any(n.__class__ is ast.Attribute and n.attr[:1] == "_" and n.attr not in _STATE_API  # type: ignore[attr-defined]
           for n in facts(ctx.method.node).of(ast.Attribute, nested=True)):
        _Names(ctx).visit(fn)


class _Names(Transformer):
    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        chain = self_chain(node, self.ctx.self_name)  # as written: decided before the inner links are renamed
        rename = bool(chain) and self._is_field(chain) or not chain and self._is_loop_child_field(node)
        self.generic_visit(node)
        if rename:
            node.attr = field_name(node.attr)
        return node

    def _is_loop_child_field(self, node: ast.Attribute) -> bool:
        """`kid._n` where `kid` is a loop variable over a list of children: a field of its State."""
        if not isinstance(node.value, ast.Name) or node.attr in _STATE_API:
            return False
        found = children.child_class(self.ctx, node.value)
        return found is not None and any(node.attr in m.fields for m in found[1])

    def _is_field(self, chain: list) -> bool:
        """Is the last link of `self.<chain>` a field of the state (the class's, or a child's)?"""
        attr = str(chain[-1][1])
        if len(chain) == 1:
            return self.ctx.field(attr) is not None
        return attr not in _STATE_API and self.ctx._is_child_state(chain[:-1])
