"""Writes through self become new states:

    self.n += 1            ->  self = self._replace(n=self.n + 1)
    self.x[i] = v          ->  self = self._replace(x=_setitem(self.x, i, v))
    self.a, self.b = b, a  ->  _a1, _b2 = b, a
                               self = self._replace(a=_a1, b=_b2)

`_setitem` (runtime/helpers.py) is `container.at[i].set(v)` for JAX arrays and a
copy-and-set for NumPy arrays, dicts, lists and tuples.
"""

from __future__ import annotations

import ast

from .. import templates
from ..model import field_name
from ..syntax import Link, clone, self_chain
from ..transformer import walk
from .base import MethodContext, StatementPass

SETITEM = "_setitem"


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    fn.body = WritesPass(ctx).block(fn.body)


class WritesPass(StatementPass):
    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return [s]  # writes in nested scopes were refused
        if isinstance(s, ast.Assign) and any(self._touches_self(t) for t in s.targets):
            return self._assign(s)
        chain = self._chain(getattr(s, "target", None))
        if isinstance(s, ast.AugAssign) and chain:
            pre: list[ast.stmt] = []  # Python evaluates the target's indices once, before the value
            chain = [self._fix_index(link, pre, s) for link in chain]
            load = self.ctx.load_chain(chain)
            return pre + self._write(chain, templates.located(ast.BinOp(load, s.op, s.value), s), s)
        if isinstance(s, ast.AnnAssign) and chain:
            return [] if s.value is None else self._write(chain, s.value, s)
        for name in ("body", "orelse", "finalbody"):
            if isinstance(getattr(s, name, None), list):
                setattr(s, name, self.block(getattr(s, name)))
        for h in getattr(s, "handlers", []):
            h.body = self.block(h.body)
        for case in getattr(s, "cases", []):
            case.body = self.block(case.body)
        return [s]

    def _chain(self, target: ast.AST | None) -> list[Link] | None:
        return self_chain(target, self.ctx.self_name) if target is not None else None

    def _touches_self(self, target: ast.AST) -> bool:
        return any(self._chain(n) for n in walk(target) if isinstance(n, (ast.Attribute, ast.Subscript))
                   and isinstance(getattr(n, "ctx", None), ast.Store))

    def _assign(self, s: ast.Assign) -> list[ast.stmt]:
        if len(s.targets) == 1 and self._chain(s.targets[0]):
            return self._write(self._chain(s.targets[0]), s.value, s)  # type: ignore[arg-type]
        # Tuple targets or chained `a = self.x = v`: bind temporaries, then write in order.
        pending: list[tuple[list[Link], ast.expr]] = []
        targets = [self._temps(t, pending) for t in s.targets]
        out: list[ast.stmt] = [ast.copy_location(ast.Assign(targets, s.value), s)]
        for chain, temp in pending:
            out.extend(self._write(chain, temp, s))
        return _merge_replaces(out, self.ctx.self_name)

    def _temps(self, target: ast.expr, pending: list[tuple[list[Link], ast.expr]]) -> ast.expr:
        chain = self._chain(target)
        if chain:
            name = self.ctx.fresh(str(chain[-1][1]) if chain[-1][0] == "attr" else "v")
            pending.append((chain, ast.Name(name, ast.Load())))
            return ast.copy_location(ast.Name(name, ast.Store()), target)
        if isinstance(target, (ast.Tuple, ast.List)):
            target.elts = [self._temps(e, pending) for e in target.elts]
        elif isinstance(target, ast.Starred):
            target.value = self._temps(target.value, pending)
        return target

    def _write(self, chain: list[Link], value: ast.expr, origin: ast.stmt) -> list[ast.stmt]:
        pre: list[ast.stmt] = []
        if any(kind == "item" and not simple_index(key) for kind, key, _ in chain):
            # Python evaluates the value before the target's indices: keep that order.
            tmp = self.ctx.fresh("v")
            pre += templates.stmts("tmp = value", origin, tmp=tmp, value=templates.moved(value))
            value = ast.Name(tmp, ast.Load())
            chain = [self._fix_index(link, pre, origin) for link in chain]
        if len(chain) == 1 and chain[0][0] == "attr":  # `self.x = v`, the common write: one template
            _, key, node = chain[0]
            self._check_field(str(key), node)
            return pre + templates.stmts("self = self._replace(name=new)", origin, self=self.ctx.self_name,
                                         name=field_name(str(key)), new=templates.moved(value))
        new_state = self._rebuild(self.ctx.self_load(), chain, value, origin, top=True)
        return pre + templates.stmts("self = new", origin, self=self.ctx.self_name, new=templates.moved(new_state))

    def _check_field(self, attr: str, node: ast.AST) -> None:
        if self.ctx.field(attr) is None:
            raise self.ctx.error(node, f"self.{attr} is not an attribute set in __init__",
                                 f"add `self.{attr} = <initial value>` to __init__")

    def _fix_index(self, link: Link, pre: list[ast.stmt], origin: ast.stmt) -> Link:
        kind, key, node = link
        if kind == "item" and not simple_index(key):
            tmp = self.ctx.fresh("i")
            pre += templates.stmts("tmp = key", origin, tmp=tmp, key=key)
            return ("item", ast.Name(tmp, ast.Load()), node)
        return link

    def _rebuild(self, base: ast.expr, chain: list[Link], value: ast.expr, origin: ast.AST, top: bool) -> ast.expr:
        if not chain:
            return value
        (kind, key, node), rest = chain[0], chain[1:]
        if kind == "attr":
            name = field_name(str(key)) if top or self._is_state(base) else str(key)  # the `_replace` keyword
            if top:
                self._check_field(str(key), node)
            inner = ast.Attribute(clone(base), str(key), ast.Load())  # as written: the names pass renames it
            new = self._rebuild(inner, rest, value, origin, top=False)
            return templates.expr("base._replace(name=new)", origin, base=templates.moved(base), name=name,
                                  new=templates.moved(new))
        assert isinstance(key, ast.expr)
        inner = ast.Subscript(clone(base), clone(key), ast.Load())
        new = self._rebuild(inner, rest, value, origin, top=False)
        self.ctx.helpers.add(SETITEM)
        return templates.expr(f"{SETITEM}(base, key, new)", origin, base=templates.moved(base), key=templates.moved(key),
                              new=templates.moved(new))

    def _is_state(self, base: ast.expr) -> bool:
        """Is `base` (a load chain) a child's State, whose fields use state names?"""
        chain = self_chain(base, self.ctx.self_name)
        if not chain:
            return False
        f = self.ctx.field(_attr_of(chain[0]))
        if f is None:
            return False
        return (len(chain) == 1 and f.child is not None) or (len(chain) == 2 and f.children and chain[1][0] == "item")


def _attr_of(link: Link) -> str:
    """The attribute as written, from a link that may already use the state name."""
    return str(link[1])


def simple_index(key: object) -> bool:
    """An index read again costs and changes nothing: a name or a constant (`-1` too)."""
    return isinstance(key, (ast.Constant, ast.Name)) or (
        isinstance(key, ast.UnaryOp) and isinstance(key.operand, ast.Constant))


def _merge_replaces(stmts: list[ast.stmt], self_name: str) -> list[ast.stmt]:
    """Fold consecutive `self = self._replace(a=...)` into one `_replace(a=..., b=...)`."""
    out: list[ast.stmt] = []
    for s in stmts:
        prev = out[-1] if out else None
        if prev is not None and _plain_replace(prev, self_name) and _plain_replace(s, self_name):
            keys = {k.arg for k in prev.value.keywords}  # type: ignore[attr-defined]
            new = s.value.keywords  # type: ignore[attr-defined]
            if not keys & {k.arg for k in new} and not any(_reads(k.value, self_name) for k in new):
                prev.value.keywords.extend(new)  # type: ignore[attr-defined]
                continue
        out.append(s)
    return out


def _plain_replace(s: ast.stmt, self_name: str) -> bool:
    return (isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)
            and isinstance(s.value.func, ast.Attribute) and s.value.func.attr == "_replace"
            and isinstance(s.value.func.value, ast.Name) and s.value.func.value.id == self_name)


def _reads(node: ast.AST, self_name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == self_name for n in walk(node))
