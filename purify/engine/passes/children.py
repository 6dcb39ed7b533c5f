"""Children are objects (issue 12, kind 7): inside a pure method a child is its State, a tuple
of its fields, so what Python does with the object must not fall to the tuple.

* `self.child.LIMIT`, `self.child.double` (a property), `self.child.twice(x)` (a static or
  class method) are read from the child's class: `state._cls.LIMIT`, `state._cls.double(state)`
  (the State knows its class, in both outputs);
* protocols that would act on the tuple (`len(self.child)`, `self.child[i]`, `x in self.child`,
  truth tests, iteration, comparisons, arithmetic, `str()`) are refused, with the method call
  to write instead.

A child here is `self.c` (a field holding one), `self.cs[i]` (an item of a list of them) and a
loop variable over `self.cs` (in a `for` or a comprehension).
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..analysis.fields import keyed_children
from ..analysis.loops import loop_children
from ..model import ClassModel, MethodKind
from ..syntax import origin, self_chain
from .base import MethodContext

PROTOCOL_MSG = ("{expr} is a {cls} object in Python, but inside the pure method it is {cls}'s State (a tuple of its "
                "fields), so {what} would act on that tuple")
PROTOCOL_HINT = "call a method of {cls} that computes it, by name: {suggestion}"
_BUILTINS = {
    "len": "__len__", "bool": "__bool__", "iter": "__iter__", "list": "__iter__", "tuple": "__iter__",
    "str": "__str__", "repr": "__repr__", "hash": "__hash__", "sorted": "__iter__", "reversed": "__reversed__",
    "abs": "__abs__", "int": "__int__", "float": "__float__", "next": "__next__", "sum": "__iter__",
    "min": "__iter__", "max": "__iter__", "any": "__iter__", "all": "__iter__", "enumerate": "__iter__",
    "zip": "__iter__", "set": "__iter__", "dict": "__iter__", "format": "__format__",
    "type": "__class__", "isinstance": "__class__",
}


def child_class(ctx: MethodContext, node: ast.AST) -> tuple[str, list[ClassModel]] | None:
    """(how to name its class, its possible classes) when `node` denotes a child object."""
    chain = self_chain(node, ctx.self_name)
    if chain and chain[0][0] == "attr":
        f = ctx.field(str(chain[0][1]))
        if f is not None and f.child is not None and len(chain) == 1:
            model = ctx.resolver.stateful(f.child)
            return ast.unparse(f.child), [model] if model is not None else []
        if f is not None and f.children and len(chain) == 2 and chain[1][0] == "item" \
                and not isinstance(chain[1][1], ast.Slice):  # `self.cs[1:]` is a list of them
            return _items(ctx, f.items)
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        f = _loop_children(ctx).get(node.id)
        if f is not None:
            return _items(ctx, f.items)
    return None


def _items(ctx: MethodContext, exprs: tuple[ast.expr, ...]) -> tuple[str, list[ClassModel]]:
    models = [ctx.resolver.stateful(e) for e in exprs]
    names = sorted({ast.unparse(e) for e in exprs})
    return (names[0] if len(names) == 1 else "child"), [m for m in models if m is not None]


def _loop_children(ctx: MethodContext) -> dict[str, object]:
    """Loop variables (for and comprehensions) over a field holding a list of children."""
    kept = ctx.__dict__.get("_loop_children")
    if kept is not None:
        return kept
    out = {}
    for n in facts(ctx.method.node).of(ast.For, ast.comprehension, nested=True):
        if isinstance(n, (ast.For, ast.comprehension)):
            for c in loop_children(ctx.model.fields, n.iter, n.target, ctx.self_name):
                out[c.var] = c.source.field
    ctx.__dict__["_loop_children"] = out
    return out


CHILD_CACHE_MSG = ("{read} reads a property that changes {cls}'s state (a cache) on an item of a list of children, "
                   "which purify threads only on a child field (`self.child.prop`) and on the object itself")
CHILD_CACHE_HINT = "call a method of {cls} that computes it: {child}.some_method()"


def class_read(ctx: MethodContext, node: ast.Attribute, value: ast.expr) -> ast.expr | None:
    """`child.NAME` for a class constant, a property or a static/class method of the child's class:
    the read on its class (`value` is the child's State expression, already rewritten)."""
    found = child_class(ctx, node.value)
    if found is None or not found[1]:
        return None
    kinds = {_attr_kind(model, node.attr) for model in found[1]}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "property" and any(model.methods[node.attr].writes for model in found[1]):
        if ctx.method.callees.get(id(origin(node))) is not None:
            return None  # `self.kid.prop`, a cache: the calls pass threads it (analysis/calls.py)
        raise ctx.error(node, CHILD_CACHE_MSG.format(read=ast.unparse(node), cls=found[0]),
                        CHILD_CACHE_HINT.format(cls=found[0], child=ast.unparse(node.value)))
    if kind == "property":
        return templates.expr("state._cls.prop(state)", node, state=value, prop=node.attr)
    if kind in ("static", "class", "constant"):
        return templates.expr("state._cls.name", node, state=value, name=node.attr)
    return None


def _attr_kind(model: ClassModel, attr: str) -> str | None:
    if attr in model.fields:
        return None
    m = model.methods.get(attr)
    if m is not None:
        return {MethodKind.PROPERTY: "property", MethodKind.STATIC: "static", MethodKind.CLASS: "class"}.get(m.kind)
    return "constant" if attr in model.class_attrs else None


def check_protocols(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Refuse the uses of a child that Python answers with the object's protocol methods."""
    if not any(f.child is not None or f.children for f in ctx.model.fields.values()):
        return  # no child here (`child_class` finds one only through such a field)
    parents = facts(fn).parents
    for n in facts(fn).of(ast.Attribute, ast.Subscript, ast.Name, nested=True):
        found = child_class(ctx, n)
        if found is None:
            continue
        what, dunder = _protocol_use(n, parents.get(n))
        _check_method_value(ctx, n, found[1], parents)
        if what is not None:
            cls, models = found
            expr = ast.unparse(n)
            defined = any(dunder in m.methods for m in models)
            suggestion = f"{expr}.{dunder}(...)" if defined else f"{expr}.some_method(...) (define it in {cls})"
            raise ctx.error(n, PROTOCOL_MSG.format(expr=expr, cls=cls, what=what),
                            PROTOCOL_HINT.format(cls=cls, suggestion=suggestion))


DICT_ORDER_MSG = ("a dict of children keeps its keys in the order written, but JAX keeps a dict's keys sorted (a State "
                  "that comes back from jax.jit or jax.vmap has them sorted), so a loop over it would visit the "
                  "children in another order than Python")
DICT_ORDER_HINT = "write its keys in sorted order: {fixed}"
DICT_KEYS_MSG = "purify holds a dict of children only when its keys are written out as string constants"
DICT_KEYS_HINT = 'write the dict out, e.g. self.heads = {"a": Dense(2), "b": Dense(3)}, or use a list of children'


def check_dicts(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """A dict of children in __init__: string keys written out (the State's structure is fixed),
    in sorted order (the order JAX hands a dict back in)."""
    if ctx.method.kind != MethodKind.INIT:
        return
    for n in facts(fn).of(ast.DictComp, ast.Dict):
        if isinstance(n, ast.DictComp) and ctx.resolver.stateful(_called(n.value)) is not None:
            raise ctx.error(n, DICT_KEYS_MSG, DICT_KEYS_HINT)
        if not isinstance(n, ast.Dict) or not n.values or not all(
                ctx.resolver.stateful(_called(v)) is not None for v in n.values):
            continue
        if keyed_children(n, ctx.resolver) is None:
            raise ctx.error(n, DICT_KEYS_MSG, DICT_KEYS_HINT)
        keys = [k.value for k in n.keys]  # type: ignore[union-attr]
        if keys != sorted(keys):
            order = sorted(range(len(keys)), key=lambda i: keys[i])
            fixed = "{" + ", ".join(f"{ast.unparse(n.keys[i])}: {ast.unparse(n.values[i])}" for i in order) + "}"  # type: ignore[arg-type]
            raise ctx.error(n, DICT_ORDER_MSG, DICT_ORDER_HINT.format(fixed=fixed))


def _called(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else ast.Constant(None)


METHOD_VALUE_MSG = ("{expr} is used as a value: in Python a bound method of the child object, but inside the pure "
                    "method the child is its State, which has no methods")
METHOD_VALUE_HINT = "call it directly ({expr}(...)), or use purify.grad/value_and_grad({expr})"


def _check_method_value(ctx: MethodContext, n: ast.AST, models: list[ClassModel],
                        parents: dict[ast.AST, ast.AST]) -> None:
    """`f = self.child.step`: a bound method of the child, not called here."""
    parent = parents.get(n)
    if not isinstance(parent, ast.Attribute) or parent.value is not n:
        return
    if not any(m.kind == MethodKind.METHOD for model in models if (m := model.methods.get(parent.attr)) is not None):
        return
    outer = parents.get(parent)
    if isinstance(outer, ast.Call) and outer.func is parent:
        return
    if isinstance(outer, ast.Call) and ctx.resolver.purify_api(outer.func) in ("grad", "value_and_grad"):
        return
    expr = ast.unparse(parent)
    raise ctx.error(parent, METHOD_VALUE_MSG.format(expr=expr), METHOD_VALUE_HINT.format(expr=expr))


# `self.child += x` calls the child's in-place operator (Python falls back to `__add__`).
_AUGMENTED = {ast.Add: "__iadd__", ast.Sub: "__isub__", ast.Mult: "__imul__", ast.MatMult: "__imatmul__",
              ast.Div: "__itruediv__", ast.FloorDiv: "__ifloordiv__", ast.Mod: "__imod__", ast.Pow: "__ipow__",
              ast.BitOr: "__ior__", ast.BitAnd: "__iand__", ast.BitXor: "__ixor__", ast.LShift: "__ilshift__",
              ast.RShift: "__irshift__"}


def _protocol_use(n: ast.AST, parent: ast.AST | None) -> tuple[str | None, str]:
    """(what the use is, the dunder Python would call) or (None, "") for a use that is fine."""
    if isinstance(parent, ast.Subscript) and parent.value is n:
        return f"`{ast.unparse(parent)}`", "__getitem__"
    if isinstance(parent, ast.Call) and n in parent.args and isinstance(parent.func, ast.Name) \
            and parent.func.id in _BUILTINS:
        return f"`{parent.func.id}(...)`", _BUILTINS[parent.func.id]
    if isinstance(parent, ast.Compare):
        operands = [parent.left, *parent.comparators]
        at = next(i for i, o in enumerate(operands) if o is n)
        ops = parent.ops[max(at - 1, 0):at + 1]
        if at > 0 and isinstance(parent.ops[at - 1], (ast.In, ast.NotIn)):
            return "`in`", "__contains__"
        if any(not isinstance(op, (ast.Is, ast.IsNot)) for op in ops):
            return "a comparison", "__eq__"
        return None, ""
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is n:
        return "a truth test", "__bool__"
    if isinstance(parent, ast.comprehension) and n in parent.ifs:
        return "a truth test", "__bool__"
    if isinstance(parent, ast.BoolOp) or isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not):
        return "a truth test", "__bool__"
    if isinstance(parent, ast.AugAssign) and parent.target is n:
        return "an augmented assignment", _AUGMENTED.get(type(parent.op), "__iadd__")
    if isinstance(parent, ast.UnaryOp):
        return "an arithmetic operator", "__neg__"
    if isinstance(parent, (ast.BinOp, ast.AugAssign)):
        return "an arithmetic operator", "__add__"
    if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is n:
        return "iteration", "__iter__"
    if isinstance(parent, ast.Starred):
        return "unpacking", "__iter__"
    if isinstance(parent, ast.FormattedValue):
        return "formatting", "__format__"
    if isinstance(parent, ast.Assign) and parent.value is n and any(
            isinstance(t, (ast.Tuple, ast.List)) for t in parent.targets):
        return "unpacking", "__iter__"
    return None, ""
