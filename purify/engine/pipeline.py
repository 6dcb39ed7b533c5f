"""The rewrite of one method, pass by pass. Each pass is one concern (engine/passes/) with
one interface, `rewrite(ctx, fn)`, run on the method's copy `fn` in this order:

    refusals  checks only, on the user's method before any rewrite, so every location is the
              user's; reports every refusal of the method at once
    others    objects of the class other than self: a copy of self (`copy.deepcopy(self)`) is the
              State, its method calls thread it; arguments used like objects of the class
              (`other._x`, `other.get()`) go through dispatch helpers that take an object or a
              State: first, so every later pass sees plain calls on values
    markers   `purify.param(x)` and `purify.static(x)` become `x`; in `__init__`, `Child(...)`
              becomes `Child.init(...)`: the later passes see plain values
    reads     properties, class constants and bound methods read through self become lookups
              on the class (fields stay as written)
    calls     calls that change the state become statements that thread it, in Python's
              evaluation order (what a call runs is the analysis's `Method.callees`)
    writes    writes through self become `self = self._replace(...)`
    names     `self._x` becomes the State's field `self.x_`: the passes before it read and write
              attributes as the user wrote them, so none looks a field up by two names
    none_tests  `x is None` on a value that may be None in some lanes only (runtime/branches.py
              `_Maybe`) becomes `_is_none(x)`, and reads where the code tested it present
              `_value(x)`: before early_returns and control_flow, which then convert those tests
    early_returns  a `return` in an `if` or a loop that may be traced becomes a flag and a value
              (and a `break` out of the loop), and the code after runs under the flag (one exit,
              AutoGraph's return_statements): before loop_exits, which lowers those breaks, and
              control_flow, which then converts those `if`s too
    loop_exits  `break` and `continue` in a loop that may be traced become flags (AutoGraph's
              break_statements), the rest of the body under them, a loop's `else:` after it:
              before control_flow, which then converts the loop and those `if`s
    control_expressions  `a if c else b`, `min` and `max` become calls of dispatch helpers that
              answer for traced values too: before control_flow, so the branches it makes hold them
    control_flow  an `if` whose test may be traced becomes a call of the `_if` dispatch helper with
              its branches as functions of the locals they change: after writes (a branch's state
              changes are `self = ...` bindings, threaded like any local) and before returns (the
              branch functions' own returns are not the method's)
    returns   `return x` becomes `return x, self` (`init` returns the state alone; a property
              that does not change the state is a read-only function and keeps its returns)
    handlers  the user's `except Exception:` (and `contextlib.suppress`) pass on refusals and JAX's
              tracing errors, which Python would never have raised: last, since it adds a call
              no analysis knows of

What the analysis knows (engine/analysis/) is computed once per class before any of this.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from ..errors import combined
from .model import MethodKind
from .passes import (
    calls,
    control_expressions,
    control_flow,
    early_returns,
    handlers,
    loop_exits,
    markers,
    names,
    none_tests,
    others,
    reads,
    refusals,
    returns,
    writes,
)
from .passes.base import MethodContext

Rewrite = Callable[[MethodContext, ast.FunctionDef], None]

REWRITES: tuple[tuple[str, Rewrite], ...] = (
    ("others", others.rewrite),
    ("markers", markers.rewrite),
    ("reads", reads.rewrite),
    ("calls", calls.rewrite),
    ("writes", writes.rewrite),
    ("names", names.rewrite),
    ("none_tests", none_tests.rewrite),
    ("early_returns", early_returns.rewrite),
    ("loop_exits", loop_exits.rewrite),
    ("control_expressions", control_expressions.rewrite),
    ("control_flow", control_flow.rewrite),
    ("returns", returns.rewrite),
    ("handlers", handlers.rewrite),
)


def rewrite_method(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Check the method, then rewrite `fn` (its copy) in place, pass by pass."""
    found = refusals.check(ctx)
    if found:
        raise combined(found)
    for name, rewrite in REWRITES:
        if name == "returns" and ctx.method.kind == MethodKind.PROPERTY and not ctx.method.writes:
            continue
        rewrite(ctx, fn)
