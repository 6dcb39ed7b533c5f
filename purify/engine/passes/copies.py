"""Refuse writes through a value that may be a copy: a slice, an index array, an attribute.

`self.a[0:2][0] = 5` writes into `self.a[0:2]`: on a list that is a new list, so nothing
changes in Python; on a NumPy array it is a view, so `self.a[0]` changes. An index array
(`self.a[[0, 1]][0] = 5`) makes a copy on NumPy, and an attribute of a value (`self.a.T[0, 1]
= v`) is whatever the value's type returns, a view or a new object. The rewrite writes back
through every link, which is right for items (`self.d["k"][0] = v`, `self.a[1][2] = v`) and
for children's fields (`self.enc.w[0] = v`), and wrong, or impossible, for these. The last
link may be a slice: `self.a[0:2] = v` writes into `self.a` itself.
"""

from __future__ import annotations

import ast

from ..analysis.facts import facts
from ..model import ClassModel
from ..syntax import ASSIGNING, Link, self_chain, targets_of
from .base import MethodContext

_SLICE = ("`{target}` writes into {part}, a slice of {whole}: a copy when it holds a list (nothing changes in "
          "Python), a view when it holds a NumPy array (it changes); purify cannot tell which")
_FANCY = "`{target}` writes into {part}, an index array of {whole}: a copy in NumPy, so nothing changes in Python"
_ATTR = ("`{target}` writes through {part}, an attribute of the value in {whole}: a view or a new object, "
         "whatever its type returns, which purify cannot follow")
_HINT = "write the items of {whole} directly (e.g. {whole}[i] = v, or {whole}[0:2] = values)"


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for n in facts(fn).of(*ASSIGNING, ast.For):
        targets = targets_of(n)  # type: ignore[arg-type]
        if isinstance(n, ast.For):
            targets = [n.target]
        for t in targets:
            chain = self_chain(t, ctx.self_name)
            if chain:
                _check_chain(ctx, t, chain)


def _check_chain(ctx: MethodContext, target: ast.expr, chain: list[Link]) -> None:
    model: ClassModel | None = ctx.model
    i, value_from = 0, None  # value_from: the link where a plain value (no child) starts
    while i < len(chain) and value_from is None:
        kind, key, _ = chain[i]
        field = model.fields.get(str(key)) if model is not None and kind == "attr" else None
        if field is None:
            return  # refused elsewhere (no such field), or a static one
        if field.children and i + 1 < len(chain) and chain[i + 1][0] == "item":
            i += 1
            model = ctx.resolver.stateful(field.items[0]) if len(field.items) == 1 else None
        elif field.child is not None:
            model = ctx.resolver.stateful(field.child)
        else:
            value_from = i
            break
        i += 1
        if model is None:
            return  # a child purify cannot see: refused elsewhere
    if value_from is None:
        return
    for j in range(value_from + 1, len(chain) - 1):  # the links written through (the last is written into)
        kind, key, node = chain[j]
        whole = ast.unparse(chain[j - 1][2])
        part = ast.unparse(node)
        if kind == "attr":
            raise ctx.error(node, _ATTR.format(target=ast.unparse(target), part=part, whole=whole),
                            _HINT.format(whole=whole))
        if _is_slice(key):
            raise ctx.error(node, _SLICE.format(target=ast.unparse(target), part=part, whole=whole),
                            _HINT.format(whole=whole))
        if _is_index_array(key):
            raise ctx.error(node, _FANCY.format(target=ast.unparse(target), part=part, whole=whole),
                            _HINT.format(whole=whole))
    last_kind, _, last = chain[-1]
    if last_kind == "attr" and len(chain) - 1 > value_from:
        whole = ast.unparse(chain[-2][2])
        raise ctx.error(last, _ATTR.format(target=ast.unparse(target), part=ast.unparse(last), whole=whole),
                        _HINT.format(whole=whole))


def _is_slice(key: object) -> bool:
    return isinstance(key, ast.Slice) or isinstance(key, ast.Tuple) and any(isinstance(e, ast.Slice) for e in key.elts)


def _is_index_array(key: object) -> bool:
    """`[0, 1]`, `np.array([...])`, a comparison (a mask), or a tuple holding one."""
    if isinstance(key, ast.Tuple):
        return any(_is_index_array(e) for e in key.elts)
    return isinstance(key, (ast.List, ast.ListComp, ast.Compare)) or (
        isinstance(key, ast.Call) and isinstance(key.func, ast.Attribute) and key.func.attr in (
            "array", "asarray", "arange", "nonzero", "where", "argsort"))
