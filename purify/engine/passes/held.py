"""Refuse changing a state object in place while Python holds it somewhere else than in self.

Two places hold a state object without a name of the method's own (passes/aliasing.py checks
the names):

* a loop's iterator: `for x in self.a:` iterates over the object itself, so when the body
  changes `self.a` in place (`self.a[i + 1] += x`), the later iterations see the change; the
  pure method iterates over the value from before the loop;
* a method's parameter: `self.helper(self.xs)` hands `helper` the object itself, so when
  `helper` changes `self.xs` in place, its parameter shows the change (and `xs += [v]` in it
  changes `self.xs`); the pure method passes the value from before the call.

Where the change is in place only on some types (an augmented assignment, iterating over
what may be a dict), the site is handed to the decorator, which checks the field's value at
`Cls.init` (aliasing.InPlace).
"""

from __future__ import annotations

import ast

from ..analysis.calls import CallKind
from ..analysis.effects import Mutation, site_of, sites
from ..analysis.facts import facts
from ..analysis.names import Exposure, Namer
from ..analysis.paths import LinkKind, StatePath
from ..syntax import arg_names, dotted
from .aliasing import _in_place as defer_to_init
from .base import MethodContext

_LOOP = ("this changes {field} in place while `for {target} in {it}` iterates over it: in Python the loop sees the "
         "change in its later iterations, in the pure method it iterates over the value from before the loop")
_LOOP_HINT = "iterate over a copy (for {target} in list({it})), or over the indices (for i in range(len({it})))"
_ARG = ("`{arg}` is passed to {callee}, which changes {field} in place: in Python the argument is that object and "
        "shows the change inside {callee}, in the pure method it is the value from before the call")
_ARG_HINT = "pass a copy ({arg}.copy()), or read {arg} inside {callee} instead of passing it"
_CERTAIN_VIEWS = frozenset({"items", "values"})  # iterating these, a change of a value shows for certain


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    namer = Namer(ctx.model, ctx.resolver)
    env: dict[str, list[Exposure]] = {}
    for n in ctx.second_names():
        env.setdefault(n.name, []).append(n.exposure)
    for n in facts(fn).of(ast.For, ast.Call):
        if isinstance(n, ast.For):
            _check_loop(ctx, namer, n, env)
        elif isinstance(n, ast.Call):
            _check_arguments(ctx, namer, n, env)


def _check_loop(ctx: MethodContext, namer: Namer, loop: ast.For, env: dict[str, list[Exposure]]) -> None:
    live = [e.path for e in namer.exposed(ctx.method, loop.iter, ctx.self_name, env) if e.depth == 0]
    if not live or _over_keys(loop.iter):
        return
    certain = isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Attribute) \
        and loop.iter.func.attr in _CERTAIN_VIEWS
    current = _current_key(loop)
    for site in sites(ctx.model, ctx.method, ast.Module(body=loop.body, type_ignores=[])):
        if current is not None and _writes_item(site.node, current):
            continue  # `self.d[k] = ...` for the item the loop is at: the iterator has passed it
        for m in site.mutations:
            path = next((p for p in live if p.reaches(m.path) and len(p) == len(m.path)), None)
            if path is None:
                continue
            it = ast.unparse(loop.iter)
            msg = _LOOP.format(field=_text(path), target=ast.unparse(loop.target), it=it)
            hint = _LOOP_HINT.format(target=ast.unparse(loop.target), it=it)
            if certain or m.certain and _is_sequence(ctx, path):
                raise ctx.error(site.node, msg, hint)
            if m.certain is not None:
                defer_to_init(ctx, path, site.node, msg + " (when it holds a NumPy array or a list)", hint)


def _current_key(loop: ast.For) -> str | None:
    """The name that is the current item's key: `k` of `for k, v in self.d.items()`, `i` of
    `for i, x in enumerate(self.a)`, when the body does not rebind it."""
    it, target = loop.iter, loop.target
    pair = isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(target.elts[0], ast.Name)
    if not pair or not isinstance(it, ast.Call):
        return None
    if not (dotted(it.func) == "enumerate" and len(it.args) == 1 and not it.keywords
            or isinstance(it.func, ast.Attribute) and it.func.attr == "items" and not it.args):
        return None
    key = target.elts[0].id  # type: ignore[attr-defined]
    rebound = any(isinstance(n, ast.Name) and n.id == key and not isinstance(n.ctx, ast.Load)
                  for s in loop.body for n in ast.walk(s))
    return None if rebound else key


def _writes_item(node: ast.AST, key: str) -> bool:
    """Is `node` a statement whose every target is `<state>[key]`?"""
    if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        return False
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return all(isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Name) and t.slice.id == key for t in targets)


def _over_keys(it: ast.expr) -> bool:
    """`for k in self.d.keys()`: keys do not change when values do (a new key raises in Python)."""
    return isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "keys"


def _is_sequence(ctx: MethodContext, path: StatePath) -> bool:
    """Is the field at `path` assigned a list or an array display in __init__ (never a dict)?"""
    field = ctx.model.fields.get(path.field)
    node = getattr(field, "node", None)
    value = getattr(node, "value", None)
    return len(path) == 1 and (isinstance(value, (ast.List, ast.ListComp)) or isinstance(value, ast.Call) and (
        dotted(value.func) or "").split(".")[-1] in ("array", "zeros", "ones", "arange", "asarray", "full"))


def _check_arguments(ctx: MethodContext, namer: Namer, call: ast.Call, env: dict[str, list[Exposure]]) -> None:
    callee = ctx.method.callees.get(id(call))
    if callee is None or callee.kind not in (CallKind.OWN, CallKind.SUPER, CallKind.CHILD, CallKind.ITEM):
        return
    site = site_of(ctx.model, ctx.method, call, ctx.self_name)
    mutations = site.mutations if site is not None else frozenset()
    wide = callee.kind in (CallKind.CHILD, CallKind.ITEM)  # the child's state changes anywhere below its path
    name = f"{callee.targets[0][0].name}.{callee.name}" if callee.targets else ast.unparse(call.func)
    for arg, param in _arguments(call, callee):
        for e in namer.exposed(ctx.method, arg, ctx.self_name, env):
            hit = _reached(e.path, mutations, wide)
            aug = param is not None and e.depth == 0 and any(_augments(m.node, param) for _, m in callee.targets)
            if hit is None and not aug:
                continue
            msg = _ARG.format(arg=ast.unparse(arg), callee=name, field=_text(e.path))
            hint = _ARG_HINT.format(arg=ast.unparse(arg), callee=name)
            if hit is not None and hit.certain:
                raise ctx.error(arg, msg, hint)
            defer_to_init(ctx, e.path, arg, msg + " (when it holds a NumPy array or a list)", hint,
                      views=hit is not None and hit.certain is None and not aug)


def _reached(path: StatePath, mutations: frozenset[Mutation], wide: bool) -> Mutation | None:
    found = [m for m in mutations if path.reaches(m.path) or wide and m.path.reaches(path)]
    return max(found, key=lambda m: (m.certain is True, m.certain is False), default=None)


def _arguments(call: ast.Call, callee) -> list[tuple[ast.expr, str | None]]:
    """(argument, the callee's parameter it binds) for each argument of the call."""
    params: list[str] = []
    if callee.targets:
        params = arg_names(callee.targets[0][1].node)[1:]
    out: list[tuple[ast.expr, str | None]] = []
    for i, a in enumerate(call.args):
        out.append((a.value if isinstance(a, ast.Starred) else a, params[i] if i < len(params) else None))
    out += [(k.value, k.arg) for k in call.keywords]
    return out


def _augments(fn: ast.FunctionDef, param: str) -> bool:
    """Does `fn` write `param += ...` (in place on a list or a NumPy array)?"""
    return any(isinstance(n.target, ast.Name) and n.target.id == param  # type: ignore[attr-defined]
               for n in facts(fn).of(ast.AugAssign))


def _text(path: StatePath) -> str:
    """`self.d[...].x` (item keys as `...`: the path keeps no source text)."""
    return "self" + "".join(f".{link.key}" if link.kind is LinkKind.ATTR else "[...]" for link in path.links)
