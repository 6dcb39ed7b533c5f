"""Reads through self: fields become State fields, properties and class constants are
looked up on the class, bound-method references become pure closures.

Assignment targets and the callee of a call are left alone here: the writes and
calls passes own those.
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.calls import CallKind
from ..analysis.facts import facts
from ..eager_only import Kind, mark
from ..syntax import ASSIGNING, origin, self_chain, targets_of
from . import children
from .base import Focused, MethodContext

EAGER_CALLED_MSG = ("{cls}.{name} runs only on instances (purify could not make it pure), so {caller}, which "
                    "uses it, cannot be made pure")
EAGER_CALLED_HINT = "call obj.{name}() on the instance after obj.{caller}(...) returns, or make {name} pure"


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    skip: set[int] = set()  # nodes of the user's method (`syntax.origin`)
    for n in facts(ctx.method.node).of(*ASSIGNING, ast.For, ast.Call, nested=True):
        if isinstance(n, ast.stmt):
            for t in targets_of(n):
                _skip_chain(t, skip)
            if isinstance(n, ast.For):
                _skip_chain(n.target, skip)
        if isinstance(n, ast.Call) and ctx.callee(n).kind is CallKind.GRAD:
            _skip_head(n.func.args[0], ctx.self_name, skip)  # type: ignore[attr-defined]
        if isinstance(n, ast.Call) and self_chain(n.func, ctx.self_name):
            _skip_head(n.func, ctx.self_name, skip)
            root = _root_attr(n.func)
            method = ctx.method_named(root.attr)
            if ctx.field(root.attr) is None and (method is None or method.kind == "property" and root is not n.func) \
                    and not (root is n.func and (root.attr in ctx.model.class_attrs or _dunder(root.attr)
                                                 or root.attr in ctx.model.on_instance)):
                skip.discard(id(root))  # `self.space.contains(a)`, `self.nope()`: read like any other self.x
    known = facts(ctx.method.node)
    has_children = any(f.child is not None or f.children for f in ctx.model.fields.values())
    reads = [n for n in known.every if _self_read_to_rewrite(n, ctx, skip)
             or has_children and _child_read(n, ctx, skip)]
    if reads:  # else nothing to rewrite (a child's constants too): no walk of the copy
        _Reads(ctx, skip, known.around(reads)).visit(fn)


def _self_read_to_rewrite(n: ast.AST, ctx: MethodContext, skip: set[int]) -> bool:
    """Is the user's node `n` a read `self.x` this pass rewrites (x not a field)?"""
    return n.__class__ is ast.Attribute and n.value.__class__ is ast.Name and n.value.id == ctx.self_name \
        and ctx.field(n.attr) is None and id(n) not in skip and isinstance(n.ctx, ast.Load)  # type: ignore[attr-defined]


def _child_read(n: ast.AST, ctx: MethodContext, skip: set[int]) -> bool:
    """Is the user's node `n` a read `child.x` that may be on the child's class (children.class_read)?"""
    return n.__class__ is ast.Attribute and id(n) not in skip and isinstance(n.ctx, ast.Load) \
        and children.child_class(ctx, n.value) is not None  # type: ignore[attr-defined]


def _skip_chain(target: ast.AST, skip: set[int]) -> None:
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        skip.add(id(target))
        target = target.value
    if isinstance(target, (ast.Tuple, ast.List)):
        for e in target.elts:
            _skip_chain(e, skip)
    if isinstance(target, ast.Starred):
        _skip_chain(target.value, skip)


def _skip_head(func: ast.AST, self_name: str, skip: set[int]) -> None:
    """Leave the callee chain itself to the calls pass, but keep rewriting its indices."""
    while isinstance(func, (ast.Attribute, ast.Subscript)):
        skip.add(id(func))
        func = func.value


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _root_attr(func: ast.expr) -> ast.Attribute:
    """`self.x` of the callee chain `self.x.y[i].m`."""
    while isinstance(func, (ast.Attribute, ast.Subscript)) and not isinstance(func.value, ast.Name):
        func = func.value
    assert isinstance(func, ast.Attribute)
    return func


def _states_replace(node: ast.Attribute, ctx: MethodContext) -> bool:
    """`self._replace` that `super().__init__(...)` became (convert.py): the State's, not a field's."""
    return node.attr == "_replace" and ctx.field("_replace") is None and isinstance(node.value, ast.Name) \
        and node.value.id == ctx.self_name


class _Reads(Focused):
    def __init__(self, ctx: MethodContext, skip: set[int], around: dict[ast.AST, bool]) -> None:
        self.ctx, self.skip, self.around = ctx, skip, around

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if id(origin(node)) in self.skip or not isinstance(node.ctx, ast.Load) or _states_replace(node, self.ctx):
            self.generic_visit(node)
            return node
        if not (isinstance(node.value, ast.Name) and node.value.id == self.ctx.self_name):
            self.generic_visit(node)
            on_class = children.class_read(self.ctx, node, node.value)  # a child's constant or property
            return on_class if on_class is not None else node
        return self._self_attr(node)

    def _self_attr(self, node: ast.Attribute) -> ast.AST:
        ctx, attr = self.ctx, node.attr
        if ctx.field(attr) is not None:
            return node  # a field: the names pass gives it its State name
        method = ctx.method_named(attr)
        cls = ctx.cls_expr()
        if method is not None and method.kind == "property" and method.writes:
            return node  # a cache: the calls pass threads it like a call of a method that writes
        if method is not None and method.kind == "property":
            return templates.expr("cls_.prop(self)", node, cls_=cls, prop=method.attr(ctx.model.name), self=ctx.self_name)
        if method is not None and method.kind in ("static", "class"):
            return templates.expr("cls_.m", node, cls_=cls, m=method.attr(ctx.model.name))
        if method is not None:
            if method.writes:
                raise ctx.error(node, f"self.{attr} is used as a value, but {attr} changes the state, "
                                "and a bound method that outlives the call would lose those changes",
                                f"call it directly (self.{attr}(...)), or use purify.grad/value_and_grad(self.{attr})")
            return templates.expr("(lambda *args, **kwargs: cls_.m(self, *args, **kwargs)[0])", node,
                                  cls_=cls, m=method.attr(ctx.model.name), self=ctx.self_name)
        if attr == "__class__":
            return templates.expr("cls_", node, cls_=cls)
        if attr in ctx.model.class_attrs:
            return templates.expr("cls_.a", node, cls_=cls, a=attr)
        if attr in ctx.model.eager:
            raise ctx.error(node, EAGER_CALLED_MSG.format(cls=ctx.model.name, name=attr, caller=ctx.method.name),
                            EAGER_CALLED_HINT.format(name=attr, caller=ctx.method.name))
        raise mark(ctx.error(node, f"self.{attr} is neither an attribute set in __init__ nor a method of "
                             f"{ctx.model.name}", f"set self.{attr} in __init__ (or check the spelling)"),
                   Kind.NEW_ATTR_READ, attr)
