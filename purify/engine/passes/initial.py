"""`init` builds the State in one constructor call where it can (what `purify.source` and
`purify convert` show is the code the decorator runs):

    self = CounterState(n=None)          ->   return CounterState(n=start)
    self = self._replace(n=start)
    return self

and fields that hold a list of children get a tuple of their states, as a pytree must.
The leading `self = self._replace(a=v)` statements fold when they set fields in the State's
order and their values do not read the state: Python evaluates the constructor's keywords in
that same order, so nothing runs differently.
"""

from __future__ import annotations

import ast

from .. import templates
from ..model import ClassModel
from ..syntax import dotted
from ..transformer import Transformer, walk


def rewrite(fn: ast.FunctionDef, model: ClassModel) -> None:
    children = {f.name for f in model.fields.values() if f.children and not f.keyed}  # a dict of them stays a dict
    if children:
        _ChildTuples(children).visit(fn)
    _fold_init(fn, model)


class _ChildTuples(Transformer):
    """`self._replace(layers=[A.init(), B.init()])` -> `self._replace(layers=(A.init(), B.init()))`."""

    def __init__(self, names: set[str]) -> None:
        self.names = names

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "_replace":
            for kw in node.keywords:
                if kw.arg in self.names:
                    kw.value = _as_tuple(kw.value)
        return node


def _as_tuple(value: ast.expr) -> ast.expr:
    if isinstance(value, ast.Tuple) or (isinstance(value, ast.Call) and dotted(value.func) == "tuple"):
        return value
    if isinstance(value, ast.List):
        return ast.copy_location(ast.Tuple(value.elts, ast.Load()), value)
    if isinstance(value, ast.Call) and dotted(value.func) == "list" and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    elif isinstance(value, ast.ListComp):
        value = ast.copy_location(ast.GeneratorExp(value.elt, value.generators), value)
    return templates.expr("tuple(value)", value, value=templates.moved(value))


def _keyword(name: str, value: ast.expr | None, first: ast.stmt) -> ast.keyword:
    """`name=value` of the folded State constructor, located at its value (or at the constructor
    for a field given None)."""
    value = value if value is not None else ast.copy_location(ast.Constant(None), first)
    return ast.copy_location(ast.keyword(name, value), value)


def _fold_init(fn: ast.FunctionDef, model: ClassModel) -> None:
    body = fn.body
    start = 1 if body and _is_docstring(body[0]) else 0
    if len(body) <= start or not isinstance(body[start], ast.Assign):
        return
    first = body[start]
    if not (len(first.targets) == 1 and isinstance(first.targets[0], ast.Name) and isinstance(first.value, ast.Call)
            and dotted(first.value.func) == model.state_name and not first.value.args):
        return
    state_var = first.targets[0].id
    order = [f.name for f in model.fields.values()]
    values: dict[str, ast.expr] = {}
    pos = -1
    i = start + 1
    while i < len(body):
        kws = _replace_keywords(body[i], state_var)
        if kws is None or any(k.arg is None or k.arg in values or k.arg not in order or order.index(k.arg) <= pos
                              or _uses(k.value, state_var) for k in kws):
            break
        for k in kws:
            values[k.arg] = k.value  # type: ignore[index]
            pos = order.index(k.arg)  # type: ignore[arg-type]
        i += 1
    if not values:
        return
    first.value.keywords = [_keyword(name, values.get(name), first) for name in order]
    rest = body[i:]
    ast.copy_location(first, body[i - 1])  # where the folded statements were: their comments go above it
    if len(rest) == 1 and isinstance(rest[0], ast.Return) and isinstance(rest[0].value, ast.Name) \
            and rest[0].value.id == state_var:
        fn.body = body[:start] + [ast.copy_location(ast.Return(first.value), first)]
    else:
        fn.body = body[:start + 1] + rest


def _replace_keywords(s: ast.stmt, var: str) -> list[ast.keyword] | None:
    """The keywords of `var = var._replace(...)`, else None."""
    if (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
            and s.targets[0].id == var and isinstance(s.value, ast.Call) and not s.value.args
            and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "_replace"
            and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id == var):
        return s.value.keywords
    return None


def _uses(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in walk(node))


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
