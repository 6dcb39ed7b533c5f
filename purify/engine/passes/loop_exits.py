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

`continue` sets its own flag, cleared at the start of each iteration. In a `for` over `range`, a
`break` guards the whole body (`if _broke: pass else: i = _i; ...`, the loop counting in `_i`)
and the loop is marked (`UNTIL`) so the control-flow pass stops it at the flag, in Python and in
`jax.lax.while_loop` alike (AutoGraph's extra test). A loop's `else:` runs after it, under
`if _broke: pass else:` when it breaks. Loops are lowered when their test or bound may be traced
or an exit stands in an `if` that may be; only the exits that stand in `if`s of the loop's own body
(not in `try`, `with` or an inner loop) are lowered; a loop with any other keeps its Python form.
"""

from __future__ import annotations

import ast

from .. import templates
from ..analysis.facts import facts
from ..transformer import child_nodes
from .base import MethodContext, lower_exit_if, rewrite_inner_blocks
from .control_flow import static_test
from .early_returns import BREAKS, is_range_loop

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
UNTIL = "purify_until"  # the attribute of a lowered `for` naming its break flag (read by control_flow)


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init" or not (ctx.holds(ast.Break, ast.Continue) or getattr(fn, BREAKS, False) or any(
            n.orelse for n in facts(ctx.method.node).of(ast.For, ast.While))):  # type: ignore[attr-defined]
        return  # (the user's exits, those early_returns wrote, loops with an `else:`)
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
        if isinstance(s, ast.While) and self._traced(s, [s.test]):
            return self._while(s)
        if is_range_loop(s) and self._traced(s, s.iter.args):  # type: ignore[attr-defined]
            return self._range(s)  # type: ignore[arg-type]
        return [s]

    def _traced(self, s: ast.While | ast.For, tests: list[ast.expr]) -> bool:
        """May the loop's test or bounds, or the test of an `if` holding one of its exits, be traced?"""
        return not all(static_test(self.ctx, t) for t in tests) or _exit_under_traced_if(self.ctx, s.body)

    def _while(self, s: ast.While) -> list[ast.stmt]:
        kinds = _exits(s.body)
        if None in kinds or not kinds and not s.orelse:
            return [s]
        pre: list[ast.stmt] = []
        flag = ""
        if ast.Continue in kinds:
            s.body = self._lowered(s.body, ast.Continue)
        if ast.Break in kinds:
            flag = self.ctx.fresh_named("_broke")
            pre = templates.stmts(f"{flag} = False", s)
            s.body = _Lower(ast.Break, flag).block(s.body)
            s.test = templates.expr(f"not {flag} and test", s.test, test=templates.moved(s.test))
        return [*pre, s, *_after(s, flag)]

    def _range(self, s: ast.For) -> list[ast.stmt]:
        kinds = _exits(s.body)
        if None in kinds or not kinds and not s.orelse:
            return [s]
        pre: list[ast.stmt] = []
        flag = ""
        if ast.Continue in kinds:
            s.body = self._lowered(s.body, ast.Continue)
        if ast.Break in kinds:
            assert isinstance(s.target, ast.Name)
            flag = self.ctx.fresh_named("_broke")
            counter = self.ctx.fresh_named(f"_{s.target.id}")
            pre = templates.stmts(f"{flag} = False", s)
            # the whole body under the flag; the user's counter set only in iterations that run, so it
            # holds the value it broke at, as Python's would
            guard = templates.stmts(f"if {flag}:\n    pass\nelse:\n    {s.target.id} = {counter}", s)[0]
            assert isinstance(guard, ast.If)
            guard.orelse += _Lower(ast.Break, flag).block(s.body)
            s.target = ast.copy_location(ast.Name(counter, ast.Store()), s.target)
            s.body = [guard]
            setattr(s, UNTIL, flag)
        return [*pre, s, *_after(s, flag)]

    def _lowered(self, body: list[ast.stmt], kind: type) -> list[ast.stmt]:
        flag = self.ctx.fresh_named("_continued")
        start = templates.stmts(f"{flag} = False", body[0])
        return start + _Lower(kind, flag).block(body)


def _after(s: ast.While | ast.For, flag: str) -> list[ast.stmt]:
    """The loop's `else:` as statements after it (under the break flag, when it has one)."""
    orelse, s.orelse = s.orelse, []
    if not orelse or not flag:
        return orelse
    guard = templates.stmts(f"if {flag}:\n    pass\nelse:\n    pass", orelse[0])[0]
    assert isinstance(guard, ast.If)
    guard.orelse = orelse
    return [guard]


def _exit_under_traced_if(ctx: MethodContext, body: list[ast.stmt]) -> bool:
    """Does a `break`/`continue` of this loop stand in an `if` whose test may be traced?"""
    todo: list[tuple[ast.AST, bool]] = [(s, False) for s in body]
    while todo:
        node, traced = todo.pop()
        if isinstance(node, (ast.Break, ast.Continue)):
            if traced:
                return True
            continue
        if isinstance(node, (*_SCOPES, ast.For, ast.AsyncFor, ast.While)):
            continue
        inside = traced or isinstance(node, ast.If) and not static_test(ctx, node.test)
        todo += [(child, inside) for child in child_nodes(node) if isinstance(child, ast.stmt)]
    return False


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
