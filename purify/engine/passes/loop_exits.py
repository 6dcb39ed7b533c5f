"""`break` and `continue` in a loop that may be traced become flags, as AutoGraph's
`break_statements` and `continue_statements` converters do, so the control-flow pass can make
the loop a `jax.lax` loop and each `if` around them a `jax.lax.cond`:

    while self.t > 0:                     _broke = False
        if self.t < 1:                    while not _broke and self.t > 0:
            break                             if self.t < 1:
        self.t -= 1                               _broke = True
                                              if _broke:
                                                  pass
                                              else:
                                                  self.t -= 1

`continue` sets its own flag, cleared at the start of each iteration; in a `for` over `range`
only `continue` is lowered (a `for` that breaks stays a Python loop). Only the `break` and
`continue` that stand in `if`s of the loop's own body are lowered (not in `try`, `with` or an
inner loop); a loop with any other keeps its Python form.
"""

from __future__ import annotations

import ast

from .. import templates
from ..transformer import child_nodes
from .base import MethodContext, lower_exit_if, rewrite_inner_blocks
from .control_flow import static_test

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init" or not ctx.holds(ast.Break, ast.Continue):
        return
    fn.body = _Loops(ctx).block(fn.body)


class _Loops:
    def __init__(self, ctx: MethodContext) -> None:
        self.ctx = ctx

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            out += self.stmt(s)
        return out

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if isinstance(s, _SCOPES):
            return [s]
        rewrite_inner_blocks(self, s)
        if isinstance(s, ast.While) and not s.orelse and not static_test(self.ctx, s.test):
            return self._while(s)
        if isinstance(s, ast.For) and not s.orelse and self._traced_range(s) and _exits(s.body) == {ast.Continue}:
            return self._continue_only(s)
        return [s]

    def _while(self, s: ast.While) -> list[ast.stmt]:
        kinds = _exits(s.body)
        if not kinds or None in kinds:
            return [s]
        pre: list[ast.stmt] = []
        if ast.Continue in kinds:
            s.body = self._lowered(s.body, ast.Continue)
        if ast.Break in kinds:
            flag = self.ctx.fresh_named("_broke")
            pre = templates.stmts(f"{flag} = False", s)
            s.body = _Lower(ast.Break, flag).block(s.body)
            s.test = templates.expr(f"not {flag} and test", s.test, test=templates.moved(s.test))
        return [*pre, s]

    def _traced_range(self, s: ast.For) -> bool:
        it = s.iter
        return (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
                and not all(static_test(self.ctx, a) for a in it.args))

    def _continue_only(self, s: ast.For) -> list[ast.stmt]:
        s.body = self._lowered(s.body, ast.Continue)
        return [s]

    def _lowered(self, body: list[ast.stmt], kind: type) -> list[ast.stmt]:
        flag = self.ctx.fresh_named("_continued")
        start = templates.stmts(f"{flag} = False", body[0])
        return start + _Lower(kind, flag).block(body)


def _exits(body: list[ast.stmt]) -> set:
    """The kinds of `break`/`continue` of this loop in its body; None among them for one that
    stands where it cannot be lowered (in a `try`, `with` or `match`)."""
    found: set = set()
    todo: list[tuple[ast.AST, bool]] = [(s, True) for s in body]
    while todo:
        node, plain = todo.pop()
        if isinstance(node, (ast.Break, ast.Continue)):
            found.add(type(node) if plain else None)
            continue
        if isinstance(node, (*_SCOPES, ast.For, ast.AsyncFor, ast.While)):
            continue  # an inner loop's exits are its own
        inside = plain and isinstance(node, ast.If)
        todo += [(child, inside) for child in child_nodes(node) if isinstance(child, ast.stmt)]
    return found


class _Lower:
    """`break`/`continue` of one kind -> `flag = True`, the rest of each block under the flag."""

    def __init__(self, kind: type, flag: str) -> None:
        self.kind, self.flag = kind, flag

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, s in enumerate(stmts):
            if isinstance(s, self.kind):
                out += templates.stmts(f"{self.flag} = True", s)
                return out  # what follows never runs
            if isinstance(s, ast.If) and any(isinstance(n, self.kind) for n in _own_if(s)):
                return out + lower_exit_if(self, s, stmts[i + 1:], self.flag)
            out.append(s)
        return out


def _own_if(s: ast.If) -> list[ast.AST]:
    """The nodes of an `if` outside inner loops and scopes (whose exits are not this loop's)."""
    out, todo = [], [s]
    while todo:
        n = todo.pop()
        out.append(n)
        if n is s or not isinstance(n, (*_SCOPES, ast.For, ast.AsyncFor, ast.While)):
            todo.extend(child_nodes(n))
    return out
