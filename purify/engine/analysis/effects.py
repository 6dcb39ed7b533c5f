"""What running a method does to the state, summarised once per class.

For every method that takes `self`, to a fixpoint over the calls between them (a method's
summary includes what the methods it calls do, through `Method.callees`):

* `writes`: it changes the state;
* `fields`: the attributes of self it may rebind or change;
* `mutations`: the state paths it changes in place (`self.d["k"] = v` changes `self.d`; a
  child's call changes the child), each certainly, or only if the value there is a NumPy
  array or a list (`self.a += v`), or only if it is a view into a NumPy array (`self.a[0] = v`
  changes the row `self.a[0]` of a 2-D array);
* `raises`: a `raise` or `assert` it may reach, or an operation that raises on some values
  (`implicit`: a subscript, a division, a call purify cannot see into, ...);
* `raises_after_change`: one it may reach after it changed the state, which Python keeps and
  the pure method loses when a caller catches the exception.

Child and base classes were summarised when they were analysed; `Site`s locate the changes
and raises in the method's own body, for checks that need to know where.
"""

from __future__ import annotations

import ast
import dataclasses

from ..model import ClassModel, Method, Resolver
from ..syntax import self_chain, targets_of, walk_own
from . import implicit
from .calls import Callee, CallKind, resolve_calls
from .facts import facts
from .paths import LinkKind, PathLink, StatePath, is_child


@dataclasses.dataclass(frozen=True)
class Mutation:
    path: StatePath
    # False: only when the value there is a NumPy array or a list; None: only when it is an item of
    # a NumPy array of two or more dimensions (a view: `self.a[0] = v` changes `row = self.a[0]`)
    certain: bool | None


@dataclasses.dataclass(frozen=True)
class Summary:
    writes: bool = False
    fields: frozenset[str] = frozenset()
    mutations: frozenset[Mutation] = frozenset()
    raises: ast.stmt | None = None
    raises_after_change: ast.stmt | None = None


EMPTY = Summary()


@dataclasses.dataclass
class Site:
    """One place in a method's own body that changes the state or may raise."""

    node: ast.AST  # the statement or the call
    fields: frozenset[str]
    mutations: frozenset[Mutation]
    writes: bool
    raises: ast.stmt | None  # the raise or assert it may reach (its own, or inside the callee)
    raises_after_change: ast.stmt | None = None  # inside the callee


def summarise(model: ClassModel, resolver: Resolver) -> None:
    """Fill `callees` and `summary` of every method of `model` (children and bases are done)."""
    methods = [m for m in model.methods.values() if m.kind.has_self]
    _UNSEEN.clear()
    for m in methods:
        m.callees = resolve_calls(model, m, resolver)
        m.summary, m.sites = EMPTY, None
    for m in model.methods.values():
        if not m.kind.has_self:
            m.callees, m.summary, m.sites = {}, EMPTY, None
    # Only calls that thread the state and reads of properties depend on other methods' summaries:
    # the rest of each method's sites is found once, not once per round of the fixpoint.
    tables = {id(m): _site_table(model, m) for m in methods}
    methods, cyclic = _callees_first(methods)
    found: dict[int, list[tuple[ast.AST, Site | None]]] = {}  # each method's sites, of the last round
    changed = True
    while changed:  # (one round when no methods call each other in a cycle: each comes after its callees)
        changed = False
        for m in methods:
            summary, found[id(m)] = _summary(model, m, tables[id(m)])
            new = _settled(m.summary, summary)
            if new != m.summary:
                m.summary, changed = new, True
        changed = changed and cyclic
    for m in methods:  # (the last round found them from the final summaries)
        m.sites = {id(n): (n, site) for n, site in found[id(m)]}


def _callees_first(methods: list[Method]) -> tuple[list[Method], bool]:
    """`methods`, each after the methods of the class it calls, where they do not call each other
    in a cycle: then the first round of the fixpoint gives each method its final summary. And
    whether some do call each other in a cycle (a method calling itself among them)."""
    ours = {id(m) for m in methods}
    order: list[Method] = []
    placed: set[int] = set()
    open_: set[int] = set()  # on the stack: a call back to one of them closes a cycle
    cyclic = False
    for first in methods:
        if id(first) in placed:
            continue
        stack = [(first, iter(_called(first, ours)))]
        placed.add(id(first))
        open_.add(id(first))
        while stack:
            method, pending = stack[-1]
            callee = None
            for c in pending:
                if id(c) in open_:
                    cyclic = True
                elif id(c) not in placed:
                    callee = c
                    break
            if callee is None:
                stack.pop()
                open_.discard(id(method))
                order.append(method)
            else:
                placed.add(id(callee))
                open_.add(id(callee))
                stack.append((callee, iter(_called(callee, ours))))
    return order, cyclic


def _called(method: Method, ours: set[int]) -> list[Method]:
    calls = [c for callee in method.callees.values() for c in (callee, callee.inner) if c is not None]
    return [target for c in calls for _, target in c.targets if id(target) in ours]


def _settled(old: Summary, new: Summary) -> Summary:
    """`new`, keeping the raise `old` already named. Every other part of a summary only grows from
    round to round; which raise a summary names does not (methods that call each other in a cycle
    would pass their choices round and round for ever), and any raise it may reach will do."""
    return dataclasses.replace(
        new,
        raises=new.raises if old.raises is None else old.raises,
        raises_after_change=new.raises_after_change if old.raises_after_change is None else old.raises_after_change)


_DEPENDS = object()  # in a site table: found anew each round (it reads a summary)


def _site_table(model: ClassModel, method: Method) -> list[tuple[ast.AST, object]]:
    """(node, its site, None, or _DEPENDS) for each node of the method's own body, in walk order."""
    self_name = method.first_param
    out: list[tuple[ast.AST, object]] = []
    for n in facts(method.node).of(*_MAY_BE_SITES):
        if _reads_summaries(method, n, self_name):
            out.append((n, _DEPENDS))
        else:
            out.append((n, _find_site(model, method, n, self_name)))
    return out


def _reads_summaries(method: Method, n: ast.AST, self_name: str) -> bool:
    if isinstance(n, (ast.Call, ast.Attribute)) and id(n) in method.callees:
        callee = method.callees.get(id(n))
        return callee is not None and callee.threads
    return isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and isinstance(n.value, ast.Name) \
        and n.value.id == self_name


def sites(model: ClassModel, method: Method, node: ast.AST | None = None) -> list[Site]:
    """The sites in `node` (the method's body by default), nested functions aside, in the
    order of the walk (not of the text)."""
    self_name = method.first_param
    nodes = facts(method.node).of(*_MAY_BE_SITES) if node is None else walk_own(node)
    out = [site_of(model, method, n, self_name) for n in nodes]
    return [s for s in out if s is not None]


def site_of(model: ClassModel, method: Method, n: ast.AST, self_name: str) -> Site | None:
    """What `n` (a node of the method's own body) does to the state, if anything, and whether it
    may raise: a `raise` or `assert`, or an operation that raises on some values (`implicit`)."""
    known = method.sites.get(id(n)) if method.sites is not None else None
    if known is not None and known[0] is n:
        return known[1]
    return _find_site(model, method, n, self_name)


# The nodes that may be sites: statements, calls and reads of properties, and the operations
# `implicit` counts. A name, a constant, a comparison, a display changes nothing and raises nothing.
_MAY_BE_SITES = (ast.stmt, ast.Call, ast.Attribute, ast.Subscript, ast.BinOp)


def _find_site(model: ClassModel, method: Method, n: ast.AST, self_name: str) -> Site | None:
    if not isinstance(n, _MAY_BE_SITES):
        return None
    if isinstance(n, (ast.Raise, ast.Assert)):
        return Site(n, frozenset(), frozenset(), False, n)
    if isinstance(n, ast.stmt):
        site = _assignment(model, n, self_name)
        raises = implicit.raises(n, method, self_name)
        if site is not None and raises is not None:
            site.raises = _may_raise(n, raises)
        elif raises is not None:
            return Site(n, frozenset(), frozenset(), False, _may_raise(n, raises))
        return site
    if isinstance(n, (ast.Call, ast.Attribute)):  # a call, or a read of a property (analysis/calls.py)
        callee = method.callees.get(id(n))
        if callee is not None and callee.threads:
            return _call(model, n, callee, self_name)
    raises = implicit.raises(n, method, self_name)
    if raises is not None:
        return Site(n, frozenset(), frozenset(), False, _may_raise(n, raises))
    return None


def _assignment(model: ClassModel, stmt: ast.stmt, self_name: str) -> Site | None:
    fields: set[str] = set()
    mutations: set[Mutation] = set()
    for t in targets_of(stmt):
        chain = self_chain(t, self_name)
        if not chain or chain[0][0] != "attr":
            continue
        fields.add(str(chain[0][1]))
        path = StatePath.of(t, self_name, model)
        if path is None:
            continue
        if len(path) > 1:
            mutations.add(Mutation(path.parent(), True))
            if path.links[-1].kind is LinkKind.ITEM:
                mutations.add(Mutation(path, None))  # the item itself, when it is a view of an array
                if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Tuple):
                    mutations.add(Mutation(path.parent().item(), None))  # `self.a[0, 1] = v`: the row a[0]
        if isinstance(stmt, ast.AugAssign):
            mutations.add(Mutation(path, False))  # in place on a NumPy array or a list
    if not fields:
        return None
    return Site(stmt, frozenset(fields), frozenset(mutations), True, None)


def _call(model: ClassModel, call: ast.Call | ast.Attribute, callee: Callee, self_name: str) -> Site:
    inner = callee.inner or callee
    if not inner.threads:  # `purify.grad(f)` of no method: refused by the calls pass
        return Site(call, frozenset(), frozenset(), True, None)
    summaries = [t[1].summary or EMPTY for t in inner.targets]
    unknown = not inner.known
    if inner.kind in (CallKind.OWN, CallKind.SUPER):
        fields = frozenset().union(*(s.fields for s in summaries))
        mutations = frozenset().union(*(s.mutations for s in summaries))
        writes = any(s.writes for s in summaries)
    else:  # a child or an item of children: its state is written back into the field
        assert inner.field is not None
        fields = frozenset({inner.field.attr})
        child = _child_path(model, call, inner, self_name)
        # The child object changes (its fields are rebound); what the child's method changes in
        # place inside its own state changes, seen from here, below the child's path.
        mutations = frozenset({Mutation(child, True)} | {Mutation(StatePath(child.links + m.path.links), m.certain)
                                                          for s in summaries for m in s.mutations})
        writes = inner.kind == CallKind.ITEM or unknown or any(s.writes for s in summaries)
    writes = writes or callee.kind == CallKind.GRAD
    raises = next((s.raises for s in summaries if s.raises is not None), None)
    after = next((s.raises_after_change for s in summaries if s.raises_after_change is not None), None)
    if unknown:  # purify cannot see what runs: it may change the state and then raise
        raises = raises or _unknown(call)
        after = after or (_unknown(call) if writes else None)
    return Site(call, fields, mutations, writes, raises, after)


class Unseen(ast.Raise):
    """Stands for a raise inside code purify cannot see into, located at the call of it."""


class MayRaise(ast.Raise):
    """Stands for an exception nobody wrote that an operation may raise (`implicit`), located at it."""

    operation: implicit.Raising  # (not `cause`: a field of ast.Raise)

    @property
    def what(self) -> str:
        """The operation and what it may raise, for messages."""
        return str(self.operation)


# One per node while a class is summarised: a fixpoint needs equal values.
_UNSEEN: dict[tuple[type, int], tuple[ast.AST, ast.stmt]] = {}


def _unknown(call: ast.Call) -> ast.stmt:
    kept = _UNSEEN.get((Unseen, id(call)))
    if kept is None or kept[0] is not call:
        kept = _UNSEEN[(Unseen, id(call))] = (call, ast.copy_location(Unseen(exc=None, cause=None), call))
    return kept[1]


def _may_raise(node: ast.AST, what: implicit.Raising) -> ast.stmt:
    kept = _UNSEEN.get((MayRaise, id(node)))
    if kept is None or kept[0] is not node:
        stand_in = ast.copy_location(MayRaise(exc=None, cause=None), node)
        stand_in.operation = what
        kept = _UNSEEN[(MayRaise, id(node))] = (node, stand_in)
    return kept[1]


def _child_path(model: ClassModel, call: ast.Call | ast.Attribute, callee: Callee, self_name: str) -> StatePath:
    """The child object a call runs on: `self.c`, `self.cs[0]`, or any item of `self.cs` (a loop)."""
    if isinstance(call, ast.Attribute):  # `self.child.prop`, a property read
        func: ast.expr = call
    else:
        func = call.func.func.args[0] if callee.kind == CallKind.GRAD else call.func  # type: ignore[attr-defined]
    path = StatePath.of(func, self_name, model)
    if path is not None:
        for k in (1, 2):
            if len(path) >= k and is_child(model, path.prefix(k)):
                return path.prefix(k)
    assert callee.field is not None
    return StatePath((PathLink(LinkKind.ATTR, callee.field.attr),)).item()


def _summary(model: ClassModel, method: Method,
             table: list[tuple[ast.AST, object]]) -> tuple[Summary, list[tuple[ast.AST, Site | None]]]:
    """The method's summary from the callees' summaries of this round, and its sites as found."""
    self_name = method.first_param
    sites: list[tuple[ast.AST, Site | None]] = [
        (n, _find_site(model, method, n, self_name) if site is _DEPENDS else site) for n, site in table]  # type: ignore[misc]
    found = [s for _, s in sites if s is not None]
    changes = [s for s in found if s.writes]
    raises = [s for s in found if s.raises is not None]
    after = next((s.raises_after_change for s in found if s.raises_after_change is not None), None)
    if after is None and changes and raises:
        loops = facts(method.node).loops
        after = next((r.raises for r in raises for c in changes
                      if ends_before(c.node, r.node) or loops[c.node] & loops[r.node]), None)
    return Summary(
        writes=bool(changes),
        fields=frozenset().union(*(s.fields for s in found)),
        mutations=frozenset().union(*(s.mutations for s in found)),
        raises=raises[0].raises if raises else None,
        raises_after_change=after,
    ), sites


def ends_before(first: ast.AST, then: ast.AST) -> bool:
    """Does `first` end before `then` ends? An assignment changes the state, and a call runs its
    callee, once everything in it has been evaluated: at its end."""
    return (first.end_lineno, first.end_col_offset) < (then.end_lineno, then.end_col_offset)  # type: ignore[attr-defined]
