"""The CLI-only rewrites: what needs purify at run time, rewritten for a module without it.

* An object of a @stateful class made in a method (`rng = purify.Rng(seed)`) becomes
  `_Eager(Cls, ...)`, a small class copied into the module (runtime/standalone.py);
* purify.Rng becomes `Rng`, converted and copied into the module (copying.py).

The same walk of the emitted code also collects what `purify convert` asks of it next: the names
it reads (for the imports to add) and whether a purify name is left in it (refused) - one walk
of each class's code instead of one per question.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from ..emit import ClassParts
from ..model import Resolver
from ..static_resolver import RNG_FILE, StaticResolver
from ..transformer import node_fields


@dataclasses.dataclass
class StandaloneCode:
    """What the walk found in the rewritten code of one class."""

    eager: bool = False  # it calls _Eager
    rng: bool = False  # it reads Rng
    loads: set[str] = dataclasses.field(default_factory=set)  # the names it reads (ast.Load)
    purify_left: bool = False  # a name bound to purify is still in it (the caller says where)
    # the names the rewrite wrote (`Rng`, `_Eager`, by id): the module's own, though the user's
    # file may bind the same name to purify (`from purify import Rng`)
    written: set[int] = dataclasses.field(default_factory=set)


def standalone(parts: ClassParts, resolver: Resolver, purify_names: frozenset[str] = frozenset()) -> StandaloneCode:
    """Rewrite the class's statements in place (see the module docstring); `purify_names`: the
    names the module binds to purify or its API, looked for in the rewritten code."""
    walk = _Standalone(resolver, purify_names)
    for s in parts.statements():
        walk.visit(s)
    return walk.found


class _Standalone:
    """A walk that rewrites in place (it never drops or splices a node, so it replaces a child
    only where one changes, unlike a Transformer that sets every field)."""

    def __init__(self, resolver: Resolver, purify_names: frozenset[str]) -> None:
        self.resolver, self.purify_names, self.found = resolver, purify_names, StandaloneCode()
        # The static resolver answers purify.Rng only for a name bound to purify's Rng (`Rng`, `R`
        # of `from purify import Rng as R`) or `<module>.Rng`: the other names need no question.
        info = resolver.info if isinstance(resolver, StaticResolver) else None
        self._rng_names = None if info is None else frozenset(n for n, api in info.purify_names.items()
                                                              if api == "Rng")

    def visit(self, node: ast.AST) -> ast.AST:
        kind = node.__class__
        if kind is ast.Constant:
            return node  # (no node below it)
        if kind is ast.Name or kind is ast.Attribute:
            return self._name(node)  # type: ignore[arg-type]
        made = kind is ast.Call and isinstance(node.func, (ast.Name, ast.Attribute)) and (  # type: ignore[attr-defined]
            self.resolver.stateful(node.func) is not None or is_rng(self.resolver, node.func))  # type: ignore[attr-defined]
        self._children(node)
        if made:  # `Cls(...)` of a @stateful class left in the converted code (an object made in a
            # method) -> `_Eager(Cls, ...)`; the constructions of fields are `Cls.init(...)` already
            self.found.eager = True
            return ast.copy_location(ast.Call(self._read("_Eager"), [node.func, *node.args],  # type: ignore[attr-defined]
                                              node.keywords), node)  # type: ignore[attr-defined]
        return node

    def _children(self, node: ast.AST) -> None:
        for field in node_fields(node.__class__):
            value = getattr(node, field, None)
            if value.__class__ is list:
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        new = self.visit(item)
                        if new is not item:
                            value[i] = new
            elif isinstance(value, ast.AST):
                new = self.visit(value)
                if new is not value:
                    setattr(node, field, new)

    def _name(self, node: ast.Name | ast.Attribute) -> ast.AST:
        if self._may_be_rng(node) and is_rng(self.resolver, node):
            self.found.rng = True
            return ast.copy_location(self._read("Rng"), node)
        if node.__class__ is ast.Attribute:
            self._children(node)
        else:
            self._saw(node)  # type: ignore[arg-type]
        return node

    def _may_be_rng(self, node: ast.Name | ast.Attribute) -> bool:
        if self._rng_names is None:
            return True
        return node.attr == "Rng" if node.__class__ is ast.Attribute else node.id in self._rng_names  # type: ignore[union-attr]

    def _read(self, name: str) -> ast.Name:
        """A read of what the rewrite copies into the module (`Rng`, `_Eager`): a name of the
        output's own, even where the user's file bound it to purify (`from purify import Rng`)."""
        new = ast.Name(name, ast.Load())
        self.found.loads.add(name)
        self.found.written.add(id(new))
        return new

    def _saw(self, name: ast.Name) -> None:
        if name.ctx.__class__ is ast.Load:
            self.found.loads.add(name.id)
        if name.id in self.purify_names:
            self.found.purify_left = True


def is_rng(resolver: Resolver, node: ast.expr) -> bool:
    """Does `node` name purify.Rng?"""
    if resolver.purify_api(node) == "Rng":
        return True
    if isinstance(resolver, StaticResolver) or not isinstance(node, (ast.Name, ast.Attribute)):
        return False  # the static resolver knows every spelling of purify.Rng
    model = resolver.stateful(node)
    return model is not None and Path(model.origin.filename).resolve() == RNG_FILE.resolve()
