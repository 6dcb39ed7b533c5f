"""Refuse a second name for a part of the state where that part changes in place.

In Python `d = self.d` makes `d` and `self.d` one object: `self.d["k"] = 1` shows through
`d`, `d["k"] = 1` changes `self.d`, and a child read into a local (`enc = self.enc`) is the
child itself. The pure method works on values: `self.d["k"] = 1` builds a new dict, so `d`
keeps the old one. Wherever that difference could show, purify refuses, pointing at the
line, rather than be silently wrong.

A part of the state is named by its *path* from self (`analysis.paths.StatePath`). Which
paths a method and the methods it calls change in place is the analysis's
(`analysis.effects`): an item or attribute write mutates its container (`self.d["k"] = v`
mutates `self.d`), a call of a child mutates the child. A name bound to path P sees a mutation
of path C in Python when P reaches C.

An augmented assignment (`x += v`, `self.a += v`) changes its target in place only when it
holds a NumPy array or a list (`|=` on a dict too); on JAX arrays and numbers it rebinds. The
syntax cannot tell, so those sites are handed to the decorator (`InPlace`), which checks the
field's value at `Cls.init`.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator

from ..analysis.effects import sites
from ..analysis.facts import facts
from ..analysis.names import Form
from ..analysis.paths import LinkKind, StatePath
from ..model import ClassModel
from ..syntax import ASSIGNING, MUTATORS, OPERATORS, may_follow, targets_of
from .base import MethodContext

Path = StatePath


@dataclasses.dataclass
class Alias:
    name: str
    path: Path
    source: ast.expr  # the expression it was bound from, as written
    bound: ast.AST  # the binding statement (or walrus, or loop)
    depth: int = 0  # links into the name's value where the state's object at `path` is (analysis/names.py)
    form: Form = Form.ASSIGN
    direct: bool = True  # `x = self.d` (or `self.d["k"]`): the name is that object, as written

    def describe(self) -> str:
        src = ast.unparse(self.source)
        if self.direct:
            return f"`{self.name}` is {src}"
        if self.form is Form.LOOP:
            return f"`{self.name}` is an item of {src}"
        return f"`{self.name}` holds objects of self.{self.path.field} ({self.name} = {src})"

    def copy_hint(self) -> str:
        src = self.source
        if self.direct:
            return f"bind a copy: {self.name} = {ast.unparse(src)}.copy()"
        view = isinstance(src, ast.Call) and (isinstance(src.func, ast.Attribute) and src.func.attr in (
            "keys", "values", "items") or isinstance(src.func, ast.Name) and src.func.id in ("iter", "reversed"))
        if view or isinstance(src, ast.GeneratorExp):  # a live view or iterator: take its items now
            text = ast.unparse(src)[1:-1] if isinstance(src, ast.GeneratorExp) else ast.unparse(
                src.args[0] if isinstance(src, ast.Call) and src.args else src)
            return f"bind a list of its items now: {self.name} = list({text})"
        if isinstance(src, ast.Call) and isinstance(src.func, ast.Attribute) and src.func.attr == "copy":
            src = src.func.value  # `d = self.d.copy()` of a dict of lists: the lists are shared
        return f"bind a deep copy: {self.name} = copy.deepcopy({ast.unparse(src)})"


@dataclasses.dataclass
class InPlace:
    """An augmented assignment that is wrong in the pure method if `field` holds a NumPy array
    or a list (or, for `|=`, a dict) anywhere in its value."""

    field: str  # the attribute, as written
    node: ast.AST
    filename: str
    lines: list[str]
    dict_too: bool  # `|=`: in place on dicts as well
    msg: str
    hint: str
    views: bool = False  # only when a NumPy array of two or more dimensions is there (its items are views)


def _check_aliases(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    aliases = _aliases(ctx, fn)
    for alias in aliases:
        if alias.direct or alias.form is Form.UNPACK:  # `for layer in self.layers:` calls children
            _check_not_an_object(ctx, alias)
        _check_changed_through(ctx, fn, alias)
    _check_read_after_change(ctx, fn, aliases)
    _check_shared_fields(ctx, fn, aliases)


# -- paths -------------------------------------------------------------------------------


def _path(ctx: MethodContext, node: ast.AST) -> Path | None:
    """The state path `node` names (`self.<field>...`), or None."""
    return StatePath.of(node, ctx.self_name, ctx.model)


# -- the names bound to state --------------------------------------------------------------


def _aliases(ctx: MethodContext, fn: ast.FunctionDef) -> list[Alias]:
    """Every name bound to a value that may hold objects of the state (analysis/names.py)."""
    return [Alias(n.name, n.path, n.source, n.bound, n.exposure.depth, n.form,
                  n.form is Form.ASSIGN and n.exposure.depth == 0 and _path(ctx, n.source) == n.path)
            for n in ctx.second_names()
            if not (n.form is Form.LOOP and _names_objects(ctx, n.path))]  # children: the calls pass threads them


def _check_not_an_object(ctx: MethodContext, alias: Alias) -> None:
    """A child (or a list of them) is an object with methods and properties in Python; in the pure
    method it is a State, reachable only through self."""
    if _names_objects(ctx, alias.path):
        src = ast.unparse(alias.source)
        raise ctx.error(alias.bound, f"`{alias.name} = {src}` gives @stateful objects a second name: purify "
                        f"threads their state through {src} (methods, properties and private attributes "
                        "work there), and a second name would hold a copy of the state",
                        f"use {src} directly")


def _names_objects(ctx: MethodContext, path: Path) -> bool:
    """Does `path` end at a @stateful child, or a list or tuple of them?"""
    model: ClassModel | None = ctx.model
    i = 0
    while i < len(path) and model is not None:
        link = path.links[i]
        field = model.fields.get(str(link.key)) if link.kind is LinkKind.ATTR else None
        if field is None or field.child is None and not field.children:
            return False
        if field.children:
            if i + 1 == len(path):
                return True  # the list itself
            i += 1  # its item
        child = ctx.resolver.stateful(field.child) if field.child is not None else None
        if i + 1 == len(path):
            return True
        if child is None:
            return False
        model, i = child, i + 1
    return False


def _bindings(n: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(target, value) pairs a statement binds, tuples unpacked element by element."""
    if isinstance(n, ast.Assign):
        for t in n.targets:
            yield from _pairs(t, n.value)
    elif isinstance(n, ast.AnnAssign) and n.value is not None or isinstance(n, ast.NamedExpr):
        yield n.target, n.value


def _pairs(target: ast.expr, value: ast.expr) -> Iterator[tuple[ast.expr, ast.expr]]:
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        for t, v in zip(target.elts, value.elts):
            yield from _pairs(t, v)
    else:
        yield target, value


# -- changed through the other name ----------------------------------------------------------


def _check_changed_through(ctx: MethodContext, fn: ast.FunctionDef, alias: Alias) -> None:
    """A change in place through the name, of an object `alias.depth` or more links into its
    value, is a change of the state (`d = self.d.copy(); d["k"][0] = v` changes self.d["k"])."""
    src = ast.unparse(alias.source)
    what = src if alias.direct else f"self.{alias.path.field}"
    copy = alias.copy_hint().replace("bind", "change", 1)
    for n in facts(fn).of(*ASSIGNING, ast.Call, nested=True):
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == alias.name \
                and alias.depth == 0:
            _in_place(ctx, alias.path, n, f"{alias.describe()}: `{ast.unparse(n).splitlines()[0]}` changes "
                      f"{what} in place when it holds a NumPy array or a list, which the pure method cannot follow",
                      f"write {alias.name} = {alias.name} {OPERATORS.get(type(n.op), '+')} ... (a new value), "
                      f"or update {src} directly")
        if isinstance(n, ast.stmt):
            for t in targets_of(n):
                if isinstance(t, (ast.Subscript, ast.Attribute)) and _root_name(t) == alias.name \
                        and _links(t.value) >= alias.depth:
                    through = f"write through self ({ast.unparse(t).replace(alias.name, src, 1)} = ...)" \
                        if alias.direct else "write through self"
                    raise ctx.error(t, f"{alias.describe()}: this changes {what} in place, which the pure "
                                    "method cannot follow through another name", f"{through}, or {copy}")
        if not isinstance(n, ast.Call) or _root_name(n.func) != alias.name:
            continue
        if isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS and _links(n.func.value) >= alias.depth:
            raise ctx.error(n, f"{alias.describe()}: {ast.unparse(n.func)}(...) changes {what} in place, "
                            "which the pure method cannot follow through another name",
                            f"build a new value and assign it to {src}, or {copy}")


def _links(node: ast.AST) -> int:
    """How many attributes and items lead from the root name to `node`."""
    count = 0
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node, count = node.value, count + 1
    return count


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# -- `self.d["b"] + self.f()` where f changes self.d["b"] in place -----------------------------------


def _check_read_then_changed(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Python evaluates `self.d["b"] + self.f()` left to right: the left operand is the array
    object itself, so when f changes it in place the sum sees the change. The pure method's
    operand is the value from before the call."""
    if not ctx.method.summary.mutations:
        return  # no call of the method changes the state in place (its summary holds every call's)
    known = facts(fn)
    parents = known.parents
    calls: dict[ast.stmt, list[ast.AST]] = {}  # each statement's own (not its nested statements')
    for n in known.of(ast.Call, ast.Attribute):  # (and reads of properties: a cache runs its body)
        if (n.__class__ is ast.Call or id(n) in ctx.method.callees) and n in known.statement:
            calls.setdefault(known.statement[n], []).append(n)
    reads: dict[ast.stmt, list[ast.AST]] = {}
    for n in known.of(ast.Attribute, ast.Subscript):
        if known.statement.get(n) in calls and _held(n, parents):
            reads.setdefault(known.statement[n], []).append(n)
    for s in (fn, *known.of(ast.stmt)):  # (in the order of the walk, as each statement's expressions are)
        if s not in reads:
            continue
        changed_by: dict[ast.AST, list[tuple[ast.AST, Path, bool]]] = {}  # each call's mutations, walked once
        for read in reads[s]:
            path = _path(ctx, read)
            if path is None:
                continue
            for call in calls[s]:
                if (call.lineno, call.col_offset) < (read.end_lineno, read.end_col_offset):  # type: ignore[operator]
                    continue  # evaluated before the read
                if call not in changed_by:
                    changed_by[call] = list(_mutations(ctx, ast.Expr(call)))
                for _, changed, certain in changed_by[call]:
                    if not path.reaches(changed):
                        continue
                    src = ast.unparse(read)
                    msg = (f"this call changes {src} in place after it was read in the same statement: in Python "
                           f"the value read is the object itself and shows the change, in the pure method it is "
                           "the value from before")
                    hint = f"call it in a statement of its own first (r = {ast.unparse(call)}), then use r"
                    if certain:
                        raise ctx.error(call, msg, hint)
                    _in_place(ctx, path, call, msg.replace("changes", "changes (if it holds a NumPy array or a "
                                                           "list)", 1), hint, views=certain is None)


def _held(read: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Is `read` a whole state path whose object is kept as an operand while more is evaluated?"""
    if not isinstance(read, (ast.Attribute, ast.Subscript)) or not isinstance(getattr(read, "ctx", None), ast.Load):
        return False
    parent = parents.get(read)
    if isinstance(parent, (ast.Attribute, ast.Subscript)) and parent.value is read:
        return False  # `self.d["b"][1]`, `self.a.sum()`: used at once, not kept
    if isinstance(parent, ast.Call) and parent.func is read:
        return False
    return isinstance(parent, (ast.BinOp, ast.BoolOp, ast.Compare, ast.Call, ast.keyword, ast.Tuple, ast.List,
                               ast.Set, ast.Dict, ast.Starred, ast.IfExp, ast.FormattedValue, ast.JoinedStr))


# -- `self.a += self.f()` where f changes self.a in place ---------------------------------------


def _check_augmented_during_call(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Python fetches `self.a` before calling f, and `+=` then updates that object: when f changed
    it in place the result includes f's change; the pure method adds to the value from before."""
    if not ctx.method.summary.mutations:
        return  # no call of the method changes the state in place (its summary holds every call's)
    for n in facts(fn).of(ast.AugAssign):
        target = _path(ctx, n.target)  # type: ignore[attr-defined]
        if target is None or len(target) != 1:
            continue  # `self.d[k] += self.f()`: refusals._check_aug_item_reentry
        for site, path, certain in _mutations(ctx, ast.Expr(n.value)):  # type: ignore[attr-defined]
            if not target.reaches(path):
                continue
            src = ast.unparse(n.target)  # type: ignore[attr-defined]
            msg = (f"this call changes {src} in place while `{src} {OPERATORS.get(type(n.op), '?')}= ...` "  # type: ignore[attr-defined]
                   f"updates it: Python fetched {src} before the call, so the result would include the call's "
                   "change, which the pure method cannot follow")
            hint = f"call it in a statement of its own first (r = {ast.unparse(site)}), then update {src} with r"
            if certain:
                raise ctx.error(site, msg, hint)
            _in_place(ctx, target, site, msg.replace("changes", "changes (if it holds a NumPy array or a list)", 1),
                      hint, views=certain is None)


# -- read after the state changed in place ----------------------------------------------------


def _check_read_after_change(ctx: MethodContext, fn: ast.FunctionDef, aliases: list[Alias]) -> None:
    if not aliases:
        return
    loops = facts(fn).loops
    changes = list(_mutations(ctx, fn))
    for alias in aliases:
        for site, path, certain in changes:
            if not alias.path.reaches(path) or not may_follow(alias.bound, site, loops):
                continue
            use = next((u for u in facts(fn).every if isinstance(u, ast.Name) and u.id == alias.name
                        and isinstance(u.ctx, ast.Load) and may_follow(site, u, loops)), None)
            if use is None:
                continue
            src = ast.unparse(alias.source)
            copy = f", or {alias.copy_hint()}"
            src = src if alias.direct or alias.form is Form.LOOP else f"self.{alias.path.field}"
            msg = (f"{alias.describe()}, which line {site.lineno} changes in place: in Python "  # type: ignore[attr-defined]
                   f"`{alias.name}` sees that change, in the pure method it keeps the value from before")
            if certain:
                raise ctx.error(use, msg, f"read {src} again after the change{copy}")
            _in_place(ctx, path, use, msg.replace("changes in place", "changes in place when it holds a NumPy "
                                                  "array or a list"), f"read {src} again after the change{copy}",
                      views=certain is None)


def _mutations(ctx: MethodContext, node: ast.AST) -> Iterator[tuple[ast.AST, Path, bool]]:
    """(where, path mutated in place, certainly or only if it holds a NumPy array or list) in
    `node`, through the methods it calls too (located at the call)."""
    for site in sites(ctx.model, ctx.method, node):
        for m in site.mutations:
            yield site.node, m.path, m.certain


# -- two attributes, one object -----------------------------------------------------------------


def _check_shared_fields(ctx: MethodContext, fn: ast.FunctionDef, aliases: list[Alias]) -> None:
    """`self.prev = self.buf`, or one local stored in two attributes: one object in Python."""
    by_name = {a.name: a for a in aliases}
    stored: dict[str, tuple[Path, ast.AST]] = {}  # local name -> the first attribute it was stored in
    mutations: list[tuple[ast.AST, Path, bool]] | None = None  # the class's, walked once when first needed
    for n in sorted(facts(fn).of(ast.Assign, ast.AnnAssign, ast.NamedExpr),  # (what `_bindings` reads)
                    key=lambda n: (n.lineno, n.col_offset)):
        if _swap(ctx, n):
            continue
        for target, value in _bindings(n):
            dest = _path(ctx, target)
            if dest is None or len(dest) != 1:
                continue
            source = _path(ctx, value)
            if source is None and isinstance(value, ast.Name):
                if value.id in by_name:
                    source = by_name[value.id].path
                elif value.id in stored:
                    source = stored[value.id][0]
                else:
                    stored[value.id] = (dest, n)
            if source is None or source == dest:
                continue
            what = ast.unparse(value)
            msg = (f"{ast.unparse(target)} = {what} makes two attributes one object, which changes in place "
                   "elsewhere in the class; in Python both would see the change, in purify's state (a tree of "
                   "values) only one does")
            hint = f"store a copy ({ast.unparse(target)} = {what}.copy()), or give each attribute its own object"
            if mutations is None:
                mutations = _class_mutations(ctx)
            reached = [certain for _, p, certain in mutations if source.reaches(p) or dest.reaches(p)]
            views = all(c is None for c in reached)
            if any(reached):
                raise ctx.error(n, msg, hint)
            if reached:
                _in_place(ctx, source, n, msg.replace("changes in place", "changes in place (if it holds a NumPy "
                                                      "array or a list)"), hint, views=views)


def _swap(ctx: MethodContext, n: ast.AST) -> bool:
    """`self.cur, self.nxt = self.nxt, self.cur`: the attributes trade their objects, so two that
    held distinct objects still do; no object gets a second name."""
    if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], (ast.Tuple, ast.List))
            and isinstance(n.value, (ast.Tuple, ast.List)) and len(n.targets[0].elts) == len(n.value.elts)):
        return False
    dests, sources = n.targets[0].elts, n.value.elts
    if not all(_path(ctx, e) is not None for e in (*dests, *sources)):
        return False
    names = [ast.unparse(e) for e in dests]
    return len(set(names)) == len(names) and sorted(names) == sorted(ast.unparse(e) for e in sources)


def _class_mutations(ctx: MethodContext) -> list[tuple[ast.AST, Path, bool]]:
    """Every change in place the class's methods make (each method's summary covers its callees)."""
    return [(m.node, mu.path, mu.certain) for m in ctx.model.methods.values() if m.summary is not None
            for mu in m.summary.mutations]


def _in_place(ctx: MethodContext, path: Path, node: ast.AST, msg: str, hint: str, views: bool = False) -> None:
    dict_too = isinstance(node, ast.AugAssign) and isinstance(node.op, ast.BitOr)
    origin = ctx.method.origin
    if views:
        msg = msg.replace("a NumPy array or a list", "a NumPy array of two or more dimensions (its items are views)")
    ctx.in_place.append(InPlace(path.field, node, origin.filename, origin.lines, dict_too, msg, hint, views))


# In the order refusals.check runs them.
CHECKS = (_check_augmented_during_call, _check_read_then_changed, _check_aliases)
