"""Returns inside an `if` whose test may be traced become one exit with a flag, as AutoGraph's
`return_statements` converter does, so that the control-flow pass can make each `if` a
`jax.lax.cond`:

    if self.bad >= self.patience:         _returned, _value = False, _Undefined('_value', fill=True)
        return True                       if self.bad >= self.patience:
    self.bad += 1                             _returned, _value = True, True
    return False                          if _returned:
                                              pass
                                          else:
                                              self = self._replace(bad=self.bad + 1)
                                              _returned, _value = True, False
                                          return _value

The code after an `if` that may return runs under `if _returned: pass else: ...` (a flag that
may be traced itself). A return inside a `while` or a `for` over `range(...)` sets the flag and
the value and `break`s (loop_exits lowers that `break` in turn); the code after the loop runs
under the flag, and after an inner loop inside an outer one `if _returned: break` leaves the outer
one too. Only methods whose returns all stand in `if`s and such loops (not in `try`, `with`,
`match` or other loops) are lowered; the others keep their Python returns (control_flow then
refuses a traced test of an `if` holding one, at the `if`).
"""

from __future__ import annotations

import ast

from .. import templates
from ..transformer import child_nodes
from .base import MethodContext, lower_exit_if
from .control_flow import UNDEFINED, static_test

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
BREAKS = "purify_breaks"  # the attribute of a method whose returns in loops became `break`s


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if ctx.method.kind == "init" or not ctx.holds(ast.If, ast.While, ast.For) or not _lowerable(ctx, fn.body):
        return
    flag, value = ctx.fresh_named("_returned"), ctx.fresh_named("_value")
    body = list(fn.body)
    if not isinstance(body[-1], (ast.Return, ast.Raise)):
        body.append(ast.copy_location(ast.Return(None), body[-1]))  # falling off the end returns None
    ctx.helpers.add(UNDEFINED)
    start = templates.stmts(f"{flag}, {value} = False, {UNDEFINED}({value!r}, fill=True)", fn.body[0])
    doc = body[:1] if _is_docstring(body[0]) else []
    end = templates.stmts(f"return {value}", body[-1])
    lower = _Lower(flag, value)
    fn.body = doc + start + lower.block(body[len(doc):]) + end
    if lower.breaks:
        setattr(fn, BREAKS, True)  # loop_exits lowers the breaks it wrote


def _lowerable(ctx: MethodContext, body: list[ast.stmt]) -> bool:
    """Does a return stand in an `if` that may be traced, with every return reached through `if`s
    alone?"""
    traced = False
    todo: list[tuple[ast.AST, bool]] = [(s, False) for s in body]
    while todo:
        node, in_traced_if = todo.pop()
        if isinstance(node, ast.Return):
            traced |= in_traced_if
            continue
        if isinstance(node, ast.If):
            inside = in_traced_if or not static_test(ctx, node.test)
            todo += [(s, inside) for s in [*node.body, *node.orelse]]
        elif isinstance(node, ast.While) or is_range_loop(node):
            tests = [node.test] if isinstance(node, ast.While) else node.iter.args  # type: ignore[attr-defined]
            inside = in_traced_if or not all(static_test(ctx, t) for t in tests)
            todo += [(s, inside) for s in node.body] + [(s, in_traced_if) for s in node.orelse]
        elif (isinstance(node, ast.stmt) and not isinstance(node, _SCOPES)
              and _holds_return(node)):
            return False  # a return in a loop, `try`, `with` or `match`: left as it is
    return traced


def _holds_return(node: ast.AST) -> bool:
    """Is there a `return` in `node`'s own blocks (nested functions aside)? Only statements hold
    statements: expressions are not looked into."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.Return):
            return True
        if not isinstance(n, _SCOPES):
            todo.extend(c for c in child_nodes(n) if isinstance(c, (ast.stmt, ast.excepthandler, ast.match_case)))
    return False


def is_range_loop(node: ast.AST) -> bool:
    """`for name in range(...)`: a loop whose exits purify lowers to flags (loop_exits.py)."""
    return (isinstance(node, ast.For) and isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Name) and node.iter.func.id == "range" and not node.iter.keywords
            and 1 <= len(node.iter.args) <= 3 and not any(isinstance(a, ast.Starred) for a in node.iter.args))


class _Lower:
    def __init__(self, flag: str, value: str) -> None:
        self.flag, self.value = flag, value
        self.loops = 0  # loops around the block being lowered: a return there leaves them with `break`
        self.breaks = False  # (a `break` written)

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for i, s in enumerate(stmts):
            if isinstance(s, ast.Return):
                value = s.value if s.value is not None else ast.copy_location(ast.Constant(None), s)
                out += templates.stmts(f"{self.flag}, {self.value} = True, value", s, value=templates.moved(value))
                if self.loops:
                    out += templates.stmts("break", s)
                    self.breaks = True
                return out  # what follows a return never runs
            if isinstance(s, ast.If) and _holds_return(s):
                return out + lower_exit_if(self, s, stmts[i + 1:], self.flag)
            if isinstance(s, (ast.While, ast.For)) and _holds_return(s):
                return out + self._loop(s, stmts[i + 1:])
            out.append(s)
        return out

    def _loop(self, s: ast.While | ast.For, rest: list[ast.stmt]) -> list[ast.stmt]:
        """A loop holding a return: its returns break out of it; what follows runs under the flag
        (and an enclosing loop is left too)."""
        self.loops += 1
        s.body = self.block(s.body)
        self.loops -= 1
        s.orelse = self.block(s.orelse) if s.orelse else []
        if self.loops:
            return [s, *templates.stmts(f"if {self.flag}:\n    break", s), *self.block(rest)]
        after = self.block(rest)
        if not after:
            return [s]
        guard = templates.stmts(f"if {self.flag}:\n    pass\nelse:\n    pass", s)[0]  # at the loop that returns
        assert isinstance(guard, ast.If)
        guard.orelse = after
        return [s, guard]


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
