"""Plain functions of the module that the class's methods call, their control flow converted.

simple-pid's `PID.__call__` calls `_clamp(output, self.output_limits)`, a module function with an
`if`/`elif` chain on the output: under `jax.jit` that chain stops with JAX's
TracerBoolConversionError, inside code purify never saw. So the functions of the class's own file
that its methods call by name (and the functions those call), pure functions with no `self` and
no state to thread, get the control-flow passes a method gets (early_returns, loop_exits,
control_expressions, control_flow, handlers): an `if` on a concrete value runs Python's branch,
on a traced one `jax.lax.cond`; what keeps its Python form tests through `_concrete`, which
refuses a traced test at the user's line.

A function qualifies when the module binds its name once, by a plain top-level `def` (no
decorator, not async, no `yield`, `global` or `nonlocal`), does not call itself (directly or
through the others: on a traced value both branches are traced, and the recursion would not end),
and the conversion changes it. The
decorator binds the converted function under its name for the class's methods (the module's own
function is left as it is); `purify convert` writes it in place of the user's.
"""

from __future__ import annotations

import ast
import dataclasses

from ..errors import PurifyError
from .analysis.facts import facts
from .model import ClassModel, Method, MethodKind, Origin, Resolver
from .passes import control_expressions, control_flow, early_returns, handlers, loop_exits, none_tests
from .passes.base import MethodContext
from .syntax import clone
from .transformer import walk

PASSES = (none_tests.rewrite, early_returns.rewrite, loop_exits.rewrite, control_expressions.rewrite, control_flow.rewrite,
          handlers.rewrite)
_NOT_CONVERTED = (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)
NO_SELF = "_purify_no_self"  # the `self` of a function's context: a name no user code uses


@dataclasses.dataclass
class Functions:
    """The converted module functions a class calls, by name, and the helpers they call."""

    defs: dict[str, ast.FunctionDef] = dataclasses.field(default_factory=dict)
    originals: dict[str, ast.FunctionDef] = dataclasses.field(default_factory=dict)  # the user's `def`s
    helpers: set[str] = dataclasses.field(default_factory=set)


def module_functions(model: ClassModel, module: ast.Module, resolver: Resolver) -> Functions:
    """The functions of `module` (the class's file) that the class's methods call, converted."""
    candidates = _plain_functions(module)
    out = Functions()
    if not candidates:
        return out
    origin = model.origin
    todo = [n.func.id for m in model.methods.values() if m.origin.filename == origin.filename
            for n in facts(m.node).of(ast.Call, nested=True)  # (kept: no walk of the methods)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in candidates]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        original = candidates[name]
        todo += [n for n in _called_names(original) if n in candidates]
        if _recursive(name, candidates):
            continue  # traced, both branches would be traced and the recursion never end: Python's form
        converted = _convert(model, original, origin, resolver)
        if converted is not None:
            out.defs[name], out.originals[name] = converted
            out.helpers |= converted[0].__dict__.pop("_purify_helpers")
    return out


def _plain_functions(module: ast.Module) -> dict[str, ast.FunctionDef]:
    """The module's top-level `def`s whose names nothing else at the top level binds (kept on
    the module's node: found once, not once per class of a module of hundreds)."""
    kept = module.__dict__.get("_purify_plain_functions")
    if kept is None:
        kept = module.__dict__["_purify_plain_functions"] = _find_plain_functions(module)
    return kept  # type: ignore[no-any-return]


def _find_plain_functions(module: ast.Module) -> dict[str, ast.FunctionDef]:
    defs: dict[str, ast.FunctionDef] = {}
    rebound: set[str] = set()
    for s in module.body:
        if isinstance(s, ast.FunctionDef) and not s.decorator_list:
            if s.name in defs:
                rebound.add(s.name)
            defs[s.name] = s
            continue
        for n in walk(s) if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else [s]:
            name = getattr(n, "name", None) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                else n.id if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)) else None
            if name is not None:
                rebound.add(name)
        if isinstance(s, (ast.Import, ast.ImportFrom)):
            rebound |= {(a.asname or a.name).split(".")[0] for a in s.names}
    return {k: v for k, v in defs.items() if k not in rebound
            and not any(isinstance(n, _NOT_CONVERTED) for n in walk(v))}


def _recursive(name: str, candidates: dict[str, ast.FunctionDef]) -> bool:
    """Does `name` call itself, directly or through the other candidates?"""
    seen, todo = set(), [n for n in _called_names(candidates[name]) if n in candidates]
    while todo:
        callee = todo.pop()
        if callee == name:
            return True
        if callee not in seen:
            seen.add(callee)
            todo += [n for n in _called_names(candidates[callee]) if n in candidates]
    return False


def _called_names(fn: ast.FunctionDef) -> list[str]:
    return [n.func.id for n in walk(fn) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def _convert(model: ClassModel, original: ast.FunctionDef, origin: Origin,
             resolver: Resolver) -> tuple[ast.FunctionDef, ast.FunctionDef] | None:
    """The function with its control flow converted, or None when nothing changes (no control flow
    that may be traced) or when a pass cannot convert it (it keeps its Python form)."""
    fn = clone(original)
    method = Method(original.name, original, MethodKind.STATIC, origin, model)
    ctx = MethodContext(model, method, resolver, fn)
    ctx.self_name = NO_SELF
    try:
        for rewrite in PASSES:
            rewrite(ctx, fn)
    except PurifyError:
        return None
    if not ctx.helpers:
        return None
    fn.__dict__["_purify_helpers"] = set(ctx.helpers)
    return fn, original
