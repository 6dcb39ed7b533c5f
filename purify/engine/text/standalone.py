"""The CLI-only rewrites: what needs purify at run time, rewritten for a module without it.

* An object of a @stateful class made in a method (`rng = purify.Rng(seed)`) becomes
  `_Eager(Cls, ...)`, a small class copied into the module (runtime/standalone.py);
* purify.Rng becomes `Rng`, converted and copied into the module (copying.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..emit import ClassParts
from ..model import Resolver
from ..static_resolver import RNG_FILE, StaticResolver
from ..transformer import Transformer


def standalone(parts: ClassParts, resolver: Resolver) -> tuple[bool, bool]:
    """Rewrite the class's statements in place. Returns (uses _Eager, uses Rng)."""
    fix = _Standalone(resolver)
    for s in parts.statements():
        fix.visit(s)
    return fix.eager, fix.rng


class _Standalone(Transformer):
    def __init__(self, resolver: Resolver) -> None:
        self.resolver, self.eager, self.rng = resolver, False, False

    def visit_Call(self, node: ast.Call) -> ast.AST:
        """`Cls(...)` of a @stateful class left in the converted code (an object made in a method)
        -> `_Eager(Cls, ...)`; the constructions of fields are `Cls.init(...)` already."""
        made = isinstance(node.func, (ast.Name, ast.Attribute)) and (
            self.resolver.stateful(node.func) is not None or is_rng(self.resolver, node.func))
        self.generic_visit(node)
        if made:
            self.eager = True
            return ast.copy_location(ast.Call(ast.Name("_Eager", ast.Load()), [node.func, *node.args],
                                              node.keywords), node)
        return node

    def _name(self, node: ast.expr) -> ast.AST:
        if is_rng(self.resolver, node):
            self.rng = True
            return ast.copy_location(ast.Name("Rng", ast.Load()), node)
        return self.generic_visit(node) if isinstance(node, ast.Attribute) else node

    visit_Name = visit_Attribute = _name  # type: ignore[assignment]


def is_rng(resolver: Resolver, node: ast.expr) -> bool:
    """Does `node` name purify.Rng?"""
    if resolver.purify_api(node) == "Rng":
        return True
    if isinstance(resolver, StaticResolver) or not isinstance(node, (ast.Name, ast.Attribute)):
        return False  # the static resolver knows every spelling of purify.Rng
    model = resolver.stateful(node)
    return model is not None and Path(model.origin.filename).resolve() == RNG_FILE.resolve()
