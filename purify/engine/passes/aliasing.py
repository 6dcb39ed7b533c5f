"""Refuse a second name for a part of the state where that part changes in place.

In Python `d = self.d` makes `d` and `self.d` one object: `self.d["k"] = 1` shows through
`d`, `d["k"] = 1` changes `self.d`, and a child read into a local (`enc = self.enc`) is the
child itself. The pure method works on values: `self.d["k"] = 1` builds a new dict, so `d`
keeps the old one. Wherever that difference could show, purify refuses, pointing at the
line, rather than be silently wrong.

A part of the state is named by its *path* from self: `self.d["k"].x` is
`(("attr", "d"), ("item", "'k'"), ("attr", "x"))`; an item key that is not a constant is
`None` and may equal any key. A change in place *mutates* the object at a path: an item or
attribute write mutates its container (`self.d["k"] = v` mutates `self.d`), a call of a
child mutates the child. A name bound to path P sees a mutation of path C in Python when P
is C or leads to it.

An augmented assignment (`x += v`, `self.a += v`) changes its target in place only when it
holds a NumPy array or a list (`|=` on a dict too); on JAX arrays and numbers it rebinds. The
syntax cannot tell, so those sites are handed to the decorator (`InPlace`), which checks the
field's value at `Cls.init`.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator

from ..syntax import MUTATORS, OPERATORS, enclosing_loops, may_follow, self_chain, targets_of, walk_own
from .base import MethodContext

Path = tuple[tuple[str, str | None], ...]


@dataclasses.dataclass
class Alias:
    name: str
    path: Path
    source: ast.expr  # the state expression it was bound to, as written
    bound: ast.AST  # the binding statement (or walrus)


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


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    _check_augmented_during_call(ctx, fn)
    _check_read_then_changed(ctx, fn)
    aliases = _aliases(ctx, fn)
    for alias in aliases:
        _check_not_an_object(ctx, alias)
        _check_changed_through(ctx, fn, alias)
    _check_read_after_change(ctx, fn, aliases)
    _check_shared_fields(ctx, fn, aliases)


# -- paths -------------------------------------------------------------------------------


def _path(ctx: MethodContext, node: ast.AST, self_name: str | None = None) -> Path | None:
    """The state path `node` names (`self.<field>...`), or None."""
    chain = self_chain(node, self_name or ctx.self_name)
    if not chain or chain[0][0] != "attr":
        return None
    field = ctx.field(str(chain[0][1]))
    if field is None or field.kind == "static":
        return None
    return tuple((kind, str(key) if kind == "attr" else _key(key)) for kind, key, _ in chain)


def _key(key: object) -> str | None:
    return ast.dump(key) if isinstance(key, ast.Constant) else None


def _reaches(alias: Path, mutated: Path) -> bool:
    """Does the object at `alias` see a change in place of the object at `mutated`?"""
    if len(alias) > len(mutated):
        return False
    return all(a[0] == m[0] and (a[1] == m[1] or a[0] == "item" and None in (a[1], m[1]))
               for a, m in zip(alias, mutated))


def _is_child(ctx: MethodContext, path: Path) -> bool:
    field = ctx.field(str(path[0][1]))
    assert field is not None
    return field.child is not None and len(path) == 1 or field.children and len(path) == 2 and path[1][0] == "item"


# -- the names bound to state --------------------------------------------------------------


def _aliases(ctx: MethodContext, fn: ast.FunctionDef) -> list[Alias]:
    out = []
    for n in walk_own(fn):
        for target, value in _bindings(n):
            path = _path(ctx, value) if isinstance(target, ast.Name) else None
            if path is not None:
                out.append(Alias(target.id, path, value, n))  # type: ignore[attr-defined]
    return out


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
    model = ctx.model
    i = 0
    while i < len(path):
        kind, key = path[i]
        field = model.fields.get(str(key)) if kind == "attr" else None
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
    elif isinstance(n, ast.AnnAssign) and n.value is not None:
        yield n.target, n.value
    elif isinstance(n, ast.NamedExpr):
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
    src = ast.unparse(alias.source)
    for n in ast.walk(fn):
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id == alias.name:
            _in_place(ctx, alias.path, n, f"`{alias.name}` is {src}: `{ast.unparse(n).splitlines()[0]}` changes "
                      f"{src} in place when it holds a NumPy array or a list, which the pure method cannot follow",
                      f"write {alias.name} = {alias.name} {OPERATORS.get(type(n.op), '+')} ... (a new value), "
                      f"or update {src} directly")
        if isinstance(n, ast.stmt):
            for t in targets_of(n):
                if isinstance(t, (ast.Subscript, ast.Attribute)) and _root_name(t) == alias.name:
                    raise ctx.error(t, f"`{alias.name}` is {src}: this changes {src} in place, which the pure "
                                    "method cannot follow through another name",
                                    f"write through self ({ast.unparse(t).replace(alias.name, src, 1)} = ...), "
                                    f"or change a copy: {alias.name} = {src}.copy()")
        if not isinstance(n, ast.Call) or _root_name(n.func) != alias.name:
            continue
        if isinstance(n.func, ast.Attribute) and n.func.attr in MUTATORS:
            raise ctx.error(n, f"`{alias.name}` is {src}: {ast.unparse(n.func)}(...) changes {src} in place, "
                            "which the pure method cannot follow through another name",
                            f"build a new value and assign it to {src}, or change a copy: "
                            f"{alias.name} = {src}.copy()")


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


# -- `self.d["b"] + self.f()` where f changes self.d["b"] in place -----------------------------------


def _check_read_then_changed(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Python evaluates `self.d["b"] + self.f()` left to right: the left operand is the array
    object itself, so when f changes it in place the sum sees the change. The pure method's
    operand is the value from before the call."""
    parents = {child: parent for parent in walk_own(fn) for child in ast.iter_child_nodes(parent)}
    for stmt in (n for n in walk_own(fn) if isinstance(n, ast.stmt)):
        calls = [n for n in _own_expressions(stmt) if isinstance(n, ast.Call)]
        if not calls:
            continue
        changed_by: dict[ast.AST, list[tuple[ast.AST, Path, bool]]] = {}  # each call's mutations, walked once
        for read in _own_expressions(stmt):
            path = _path(ctx, read) if _held(read, parents) else None
            if path is None:
                continue
            for call in calls:
                if (call.lineno, call.col_offset) < (read.end_lineno, read.end_col_offset):  # type: ignore[operator]
                    continue  # evaluated before the read
                if call not in changed_by:
                    changed_by[call] = list(_mutations(ctx, ast.Expr(call), ctx.self_name, set()))
                for _, changed, certain in changed_by[call]:
                    if not _reaches(path, changed):
                        continue
                    src = ast.unparse(read)
                    msg = (f"this call changes {src} in place after it was read in the same statement: in Python "
                           f"the value read is the object itself and shows the change, in the pure method it is "
                           "the value from before")
                    hint = f"call it in a statement of its own first (r = {ast.unparse(call)}), then use r"
                    if certain:
                        raise ctx.error(call, msg, hint)
                    _in_place(ctx, path, call, msg.replace("changes", "changes (if it holds a NumPy array or a "
                                                           "list)", 1), hint)


def _own_expressions(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of `stmt` itself (not of the statements nested in it)."""
    todo = [c for c in ast.iter_child_nodes(stmt) if not isinstance(c, ast.stmt)]
    while todo:
        n = todo.pop()
        yield n
        if not isinstance(n, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(n))


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
    for n in walk_own(fn):
        target = _path(ctx, n.target) if isinstance(n, ast.AugAssign) else None
        if target is None or len(target) != 1:
            continue  # `self.d[k] += self.f()`: refusals._check_aug_item_reentry
        for site, path, certain in _mutations(ctx, ast.Expr(n.value), ctx.self_name, set()):  # type: ignore[attr-defined]
            if not _reaches(target, path):
                continue
            src = ast.unparse(n.target)  # type: ignore[attr-defined]
            msg = (f"this call changes {src} in place while `{src} {OPERATORS.get(type(n.op), '?')}= ...` "  # type: ignore[attr-defined]
                   f"updates it: Python fetched {src} before the call, so the result would include the call's "
                   "change, which the pure method cannot follow")
            hint = f"call it in a statement of its own first (r = {ast.unparse(site)}), then update {src} with r"
            if certain:
                raise ctx.error(site, msg, hint)
            _in_place(ctx, target, site, msg.replace("changes", "changes (if it holds a NumPy array or a list)", 1),
                      hint)


# -- read after the state changed in place ----------------------------------------------------


def _check_read_after_change(ctx: MethodContext, fn: ast.FunctionDef, aliases: list[Alias]) -> None:
    if not aliases:
        return
    loops = enclosing_loops(fn)
    changes = list(_mutations(ctx, fn, ctx.self_name, set()))
    for alias in aliases:
        for site, path, certain in changes:
            if not _reaches(alias.path, path) or not may_follow(alias.bound, site, loops):
                continue
            use = next((u for u in ast.walk(fn) if isinstance(u, ast.Name) and u.id == alias.name
                        and isinstance(u.ctx, ast.Load) and may_follow(site, u, loops)), None)
            if use is None:
                continue
            src = ast.unparse(alias.source)
            copy = f", or bind a copy: {alias.name} = {src}.copy()"
            msg = (f"`{alias.name}` is {src}, which line {site.lineno} changes in place: in Python "  # type: ignore[attr-defined]
                   f"`{alias.name}` sees that change, in the pure method it keeps the value from before")
            if certain:
                raise ctx.error(use, msg, f"read {src} again after the change{copy}")
            _in_place(ctx, path, use, msg.replace("changes in place", "changes in place when it holds a NumPy "
                                                  "array or a list"), f"read {src} again after the change{copy}")


def _mutations(ctx: MethodContext, fn: ast.FunctionDef, self_name: str,
               seen: set[str]) -> Iterator[tuple[ast.AST, Path, bool]]:
    """(where, path mutated in place, certainly or only if it holds a NumPy array or list) in
    `fn`, through the methods it calls too (located at the call)."""
    for n in walk_own(fn):
        if isinstance(n, ast.stmt):
            for t in targets_of(n):
                path = _path(ctx, t, self_name)
                if path is not None and len(path) > 1:
                    yield n, path[:-1], True
                if path is not None and isinstance(n, ast.AugAssign):
                    yield n, path, False  # `self.a += v`: in place on a NumPy array or a list
        if isinstance(n, ast.For):
            path = _path(ctx, n.iter, self_name)
            if path is not None and len(path) == 1 and ctx.field(str(path[0][1])).children:  # type: ignore[union-attr]
                yield n, (*path, ("item", None)), True  # a loop over children may call each of them
        if not isinstance(n, ast.Call):
            continue
        if isinstance(n.func, ast.Name) and n.func.id == self_name:
            name: str | None = "__call__"
        else:
            chain = self_chain(n.func, self_name)
            path = _path(ctx, n.func, self_name)
            name = str(chain[0][1]) if chain and len(chain) == 1 and path is None else None
            if path is not None:
                child = next((path[:k] for k in (1, 2) if len(path) >= k and _is_child(ctx, path[:k])), None)
                if child is not None:
                    yield n, child, True
                continue
        method = ctx.method_named(name) if name is not None else None
        if method is None or name in seen or method.kind != "method":
            continue
        seen.add(name)  # type: ignore[arg-type]
        callee_self = (method.node.args.posonlyargs or method.node.args.args or [ast.arg("self")])[0].arg
        for _, path, certain in _mutations(ctx, method.node, callee_self, seen):
            yield n, path, certain


# -- two attributes, one object -----------------------------------------------------------------


def _check_shared_fields(ctx: MethodContext, fn: ast.FunctionDef, aliases: list[Alias]) -> None:
    """`self.prev = self.buf`, or one local stored in two attributes: one object in Python."""
    by_name = {a.name: a for a in aliases}
    stored: dict[str, tuple[Path, ast.AST]] = {}  # local name -> the first attribute it was stored in
    mutations: list[tuple[ast.AST, Path, bool]] | None = None  # the class's, walked once when first needed
    for n in sorted((n for n in walk_own(fn) if isinstance(n, (ast.stmt, ast.NamedExpr))),
                    key=lambda n: (n.lineno, n.col_offset)):
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
            reached = [certain for _, p, certain in mutations if _reaches(source, p) or _reaches(dest, p)]
            if any(reached):
                raise ctx.error(n, msg, hint)
            if reached:
                _in_place(ctx, source, n, msg.replace("changes in place", "changes in place (if it holds a NumPy "
                                                      "array or a list)"), hint)


def _class_mutations(ctx: MethodContext) -> list[tuple[ast.AST, Path, bool]]:
    out: list[tuple[ast.AST, Path, bool]] = []
    for method in ctx.model.methods.values():
        if method.kind in ("method", "init"):
            self_name = (method.node.args.posonlyargs or method.node.args.args or [ast.arg("self")])[0].arg
            out += _mutations(ctx, method.node, self_name, {"__call__", *ctx.model.methods})
    return out


def _in_place(ctx: MethodContext, path: Path, node: ast.AST, msg: str, hint: str) -> None:
    dict_too = isinstance(node, ast.AugAssign) and isinstance(node.op, ast.BitOr)
    origin = ctx.method.origin
    ctx.in_place.append(InPlace(str(path[0][1]), node, origin.filename, origin.lines, dict_too, msg, hint))
