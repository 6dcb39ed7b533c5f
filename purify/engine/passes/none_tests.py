"""Tests against `None` that may meet a value that is None in some lanes only (a `_Maybe`,
runtime/branches.py: a traced `if` left it None in one branch and an array in the other):

    if self.last is not None:              if _not_none(self.last):
        y = self.last + 1          ->          y = _value_of(self.last) + 1
    x if x is not None else d              _value_of(x) if _not_none(x) else d

`_is_none(x)` / `_not_none(x)` are Python's `is` on anything but a `_Maybe` and its traced flag
on one, so the control-flow passes after this one treat such tests as possibly traced (a Python
`is` on a `_Maybe` would be False in every lane: silently wrong). Where the code has tested that
`x` is present (the true branch of `if x is not None`, the `else` of `if x is None`, the code
after `if x is None: return ...`, the operands after `x is not None and`), a read of `x` is
`_value_of(x)`: the array in the lanes that reach it. Narrowing ends at the first statement that may
rebind `x` (for `self.f`, any statement that rebinds `self`: the writes and calls passes before
this one thread the state as `self = ...`); stopping early is safe (a use of a `_Maybe` is
refused at run time), narrowing too far would not be. Tests of static fields and constants keep
Python's `is`. `init` keeps its Python form: it runs on Python values.
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..transformer import child_nodes
from .base import MethodContext
from .control_flow import static_test

IS_NONE, NOT_NONE, VALUE = "_is_none", "_not_none", "_value_of"
HELPERS = (IS_NONE, NOT_NONE, VALUE)  # in runtime/branches.py, found through runtime/control.py
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_EXITS = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init":
        return  # `init` runs on Python values
    if any(_none_operand(ctx, n) is not None for n in facts(ctx.method.node).of(ast.Compare)):  # type: ignore[arg-type]
        _narrow_block(ctx, fn.body)
        _NoneTests(ctx).visit(fn)


def _none_operand(ctx: MethodContext, test: ast.Compare) -> ast.expr | None:
    """`x` of `x is None`, `x is not None` (or `None is x`), when `x` may be traced."""
    if len(test.ops) != 1 or not isinstance(test.ops[0], (ast.Is, ast.IsNot)):
        return None
    left, right = test.left, test.comparators[0]
    operand = left if _is_none_constant(right) else right if _is_none_constant(left) else None
    if operand is None or _is_none_constant(operand) or static_test(ctx, operand):
        return None
    return operand


def _is_none_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


class _NoneTests(ast.NodeTransformer):
    """`x is None` -> `_is_none(x)`, `x is not None` -> `_not_none(x)`."""

    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        operand = _none_operand(self.ctx, node)
        if operand is None:
            return node
        helper = IS_NONE if isinstance(node.ops[0], ast.Is) else NOT_NONE
        self.ctx.helpers.add(helper)
        return templates.expr(f"{helper}(x)", node, x=operand)


# -- narrowing --------------------------------------------------------------------------------

def _key(ctx: MethodContext, node: ast.AST) -> str | None:
    """What narrowing follows: a local (`x`) or a field read through self (`self.f`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == ctx.self_name:
        return f"{ctx.self_name}.{node.attr}"
    return None


def _present_if(ctx: MethodContext, test: ast.expr, truth: bool) -> set[str]:
    """The keys that `test` being `truth` shows are not None: `x is not None` (true), `x is None`
    (false), through `and` (true) and `or` (false)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and truth \
            or isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) and not truth:
        return set().union(*(_present_if(ctx, v, truth) for v in test.values))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _present_if(ctx, test.operand, not truth)
    if isinstance(test, ast.Compare):
        operand = _none_operand(ctx, test)
        key = _key(ctx, operand) if operand is not None else None
        if key is not None and isinstance(test.ops[0], ast.IsNot) == truth:
            return {key}
    return set()


def _narrow_block(ctx: MethodContext, block: list[ast.stmt], keys: frozenset[str] = frozenset()) -> None:
    """Narrow `keys` in `block`, in order, up to the statement that may rebind one (each key
    separately), and the tests found in it in their own regions."""
    live = set(keys)
    for i, s in enumerate(block):
        for key in sorted(live):
            if not _rebinds(ctx, s, key):
                continue
            live.discard(key)
            if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and s.value is not None:
                _narrow_child(ctx, s, "value", {key})  # the value is computed before the binding
            if isinstance(s, ast.AugAssign) and _key(ctx, s.target) == key and isinstance(s.target, ast.Name):
                # `x += v` reads `x` first: `x = _value_of(x) + v`
                load = ast.copy_location(ast.Name(s.target.id, ast.Load()), s.target)
                value = ast.copy_location(ast.BinOp(_value_call(ctx, load), s.op, s.value), s)
                block[i] = s = ast.copy_location(ast.Assign([s.target], value), s)
        _narrow_reads(ctx, s, live)
        _narrow_inner(ctx, s)
        if isinstance(s, ast.If) and s.body and isinstance(s.body[-1], _EXITS):
            # `if x is None: return ...`: x is present after it (unless its `else` rebinds it)
            live |= {k for k in _present_if(ctx, s.test, False) if not _rebinds(ctx, s, k)}


def _narrow_inner(ctx: MethodContext, s: ast.stmt) -> None:
    """The regions of the `if`s and expressions inside `s` (a branch's own tests narrow it)."""
    if isinstance(s, _SCOPES):
        return
    if isinstance(s, ast.If):
        _narrow_block(ctx, s.body, frozenset(_present_if(ctx, s.test, True)))
        _narrow_block(ctx, s.orelse, frozenset(_present_if(ctx, s.test, False)))
    else:
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(s, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                _narrow_block(ctx, inner)
        for part in [*getattr(s, "handlers", []), *getattr(s, "cases", [])]:
            _narrow_block(ctx, part.body)
    for node in child_nodes(s):
        if isinstance(node, ast.expr):
            _narrow_expressions(ctx, node)


def _narrow_expressions(ctx: MethodContext, node: ast.expr) -> None:
    """`a if x is not None else b`, `x is not None and f(x)` (and their `is None` forms)."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, ast.IfExp):
            _narrow_child(ctx, n, "body", _present_if(ctx, n.test, True))
            _narrow_child(ctx, n, "orelse", _present_if(ctx, n.test, False))
        elif isinstance(n, ast.BoolOp):
            truth = isinstance(n.op, ast.And)
            for i, value in enumerate(n.values[:-1]):
                for j in range(i + 1, len(n.values)):
                    _narrow_child(ctx, n, "values", _present_if(ctx, value, truth), j)
        todo.extend(c for c in child_nodes(n) if isinstance(c, ast.expr))


def _rebinds(ctx: MethodContext, s: ast.stmt, key: str) -> bool:
    """May `s` bind `key` again? A local: a store of its name anywhere in `s`. A field: a store
    of `self` (the writes and calls passes thread the state as `self = ...`) or of the attribute."""
    name = key.split(".")[0]
    if "." in key and _replaces_others(s, name, key.split(".", 1)[1]):
        return False
    for n in ast.walk(s):
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, (ast.Store, ast.Del)):
            return True
        if "." in key and isinstance(n, ast.Attribute) and _key(ctx, n) == key and isinstance(n.ctx, ast.Store):
            return True
        if isinstance(n, (ast.NamedExpr, ast.Global, ast.Nonlocal)):
            return True
    return False


def _narrow_child(ctx: MethodContext, parent: ast.AST, field: str, keys: set[str], index: int = -1) -> None:
    """Narrow the reads in `parent.field` (or `parent.field[index]`), itself included."""
    child = getattr(parent, field) if index < 0 else getattr(parent, field)[index]
    replaced = _narrowed(ctx, child, keys) if keys else None
    if replaced is None:
        _narrow_reads(ctx, child, keys)
    elif index < 0:
        setattr(parent, field, replaced)
    else:
        getattr(parent, field)[index] = replaced


def _replaces_others(s: ast.stmt, name: str, attr: str) -> bool:
    """`self = self._replace(other=...)`, as the writes pass writes `self.other = ...`: a new state
    whose field `attr` is the same (its value may read `self.attr`, narrowed with the statement)."""
    value = s.value if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) \
        and s.targets[0].id == name else None
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "_replace"
            and isinstance(value.func.value, ast.Name) and value.func.value.id == name and not value.args
            and all(k.arg is not None and k.arg != attr for k in value.keywords))


def _narrow_reads(ctx: MethodContext, node: ast.AST, keys: set[str]) -> None:
    """Every read of a key in `node` (outside nested functions) becomes `_value_of(<read>)`."""
    if not keys:
        return
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, _SCOPES) and n is not node:
            continue
        for field, value in ast.iter_fields(n):
            if isinstance(value, ast.AST):
                replaced = _narrowed(ctx, value, keys)
                if replaced is not None:
                    setattr(n, field, replaced)
                else:
                    todo.append(value)
            elif isinstance(value, list):
                for j, item in enumerate(value):
                    replaced = _narrowed(ctx, item, keys) if isinstance(item, ast.AST) else None
                    if replaced is not None:
                        value[j] = replaced
                    elif isinstance(item, ast.AST):
                        todo.append(item)


def _narrowed(ctx: MethodContext, node: ast.AST, keys: set[str]) -> ast.expr | None:
    if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load) and _key(ctx, node) in keys:
        return _value_call(ctx, node)
    return None


def _value_call(ctx: MethodContext, read: ast.expr) -> ast.expr:
    ctx.helpers.add(VALUE)
    return templates.expr(f"{VALUE}(x)", read, x=read)
