"""Which local names each block of a method binds and reads, and which are live after a
statement: what the control-flow pass threads through a converted `if`, `while` or `for`.

Names are a scope's own: a nested function, lambda or class reads its free names when it runs
(counted as read where it is defined), a comprehension's targets are its own. Liveness is a
backward dataflow over the structured statements, loops to a fixpoint; `break` and `continue`
flow to the loop's exit and head; `return` and `raise` end the flow. What a `try`'s handlers
and `finally` read is live at its start (an exception may leave the body there). The method's
`self` is live at every exit, since the returns pass hands the state back there.
"""

from __future__ import annotations

import ast
import dataclasses

from ..transformer import child_nodes

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclasses.dataclass(frozen=True)
class Names:
    """The names a piece of code reads and binds in its own scope, in order of first appearance."""

    read: tuple[str, ...]
    bound: tuple[str, ...]


Memo = dict[int, tuple[ast.AST, Names]]  # id(simple statement) -> (it, its names), while nothing changes it

# statements whose blocks a pass rewrites in place: their names are their parts', never memoized
# whole (a nested def is its own scope, which the passes leave alone, so it is memoized)
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
             *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))


def names_in(nodes: list[ast.AST], memo: Memo | None = None) -> Names:
    """The names read and bound by `nodes` (statements or expressions), in their own scope.
    `memo` keeps each simple statement's answer (at any depth), for statements that do not change
    meanwhile: a pass that changes one in place drops its entry."""
    read: dict[str, None] = {}
    bound: dict[str, None] = {}
    for node in nodes:
        _collect(node, read, bound, memo)
    return Names(tuple(read), tuple(bound))


def _collect(node: ast.AST, read: dict[str, None], bound: dict[str, None], memo: Memo | None = None) -> None:
    if isinstance(node, ast.Name):
        (read if isinstance(node.ctx, ast.Load) else bound).setdefault(node.id, None)
        return
    if memo is not None and isinstance(node, ast.stmt) and not isinstance(node, _COMPOUND):
        kept = memo.get(id(node))
        if kept is None or kept[0] is not node:
            kept = memo[id(node)] = (node, names_in([node]))
        read.update(dict.fromkeys(kept[1].read))  # in order of first appearance, as _collect adds them
        bound.update(dict.fromkeys(kept[1].bound))
        return
    if isinstance(node, _SCOPES):
        if not isinstance(node, ast.Lambda):
            bound.setdefault(node.name, None)
        for inner in _scope_parts(node):
            _collect(inner, read, bound)
        inner_read: dict[str, None] = {}
        for inner in _scope_body(node):
            _collect(inner, inner_read, {})
        for name in inner_read:  # free names of the nested scope are read when it runs
            read.setdefault(name, None)
        return
    if isinstance(node, _COMPREHENSIONS):
        own: dict[str, None] = {}
        inner_read = {}
        for gen in node.generators:
            _collect(gen.iter, inner_read, {})
            _collect(gen.target, {}, own)
            for cond in gen.ifs:
                _collect(cond, inner_read, {})
        for part in ([node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]):
            _collect(part, inner_read, {})
        for name in inner_read:
            if name not in own:
                read.setdefault(name, None)
        return
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for a in node.names:
            bound.setdefault((a.asname or a.name).split(".")[0], None)
        return
    if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
        read.setdefault(node.target.id, None)
    for child in child_nodes(node):
        _collect(child, read, bound, memo)


def _scope_parts(node: ast.AST) -> list[ast.AST]:
    """What a def, lambda or class evaluates where it stands: decorators, defaults, bases."""
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords]
    args = node.args  # type: ignore[attr-defined]
    parts: list[ast.AST] = [*args.defaults, *[d for d in args.kw_defaults if d is not None]]
    return parts + list(getattr(node, "decorator_list", []))


def _scope_body(node: ast.AST) -> list[ast.AST]:
    body = node.body  # type: ignore[attr-defined]
    return [body] if isinstance(body, ast.expr) else list(body)


def definitely_bound(block: list[ast.stmt], memo: Memo | None = None) -> set[str]:
    """Names every path through `block` binds (an under-approximation: top-level statements,
    and both sides of an `if`)."""
    out: set[str] = set()
    for s in block:
        if isinstance(s, ast.If):
            out |= definitely_bound(s.body, memo) & definitely_bound(s.orelse, memo)
        elif isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.FunctionDef, ast.ClassDef,
                            ast.Import, ast.ImportFrom)) and not (isinstance(s, ast.AnnAssign) and s.value is None):
            out |= set(names_in([s], memo).bound)
        if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            break
    return out


@dataclasses.dataclass
class Liveness:
    """Names live after each compound statement (`live_after[id(stmt)]`), live on entry to the
    branches of each `if` (`branch_live`: what a branch reads before it binds it, or hands on
    unchanged), and the names that may be bound before each (`bound_before[id(stmt)]`), for the
    `if`/`while`/`for` of a method; `memo`, the names of its simple statements, for the rewrite
    that reads this (it drops the entry of a statement it changes in place)."""

    live_after: dict[int, frozenset[str]]
    branch_live: dict[int, frozenset[str]]
    bound_before: dict[int, frozenset[str]]
    memo: Memo


def liveness(fn: ast.FunctionDef, self_name: str) -> Liveness:
    memo: Memo = {}  # the statements' names, found once for both walks and every turn of a loop's fixpoint
    walk = _Backward(self_name, memo)
    walk.block(fn.body, frozenset({self_name}))
    forward = _Forward(walk.live_after, memo)
    params = {a.arg for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs,
                              *[x for x in (fn.args.vararg, fn.args.kwarg) if x is not None]]}
    forward.block(fn.body, frozenset(params))
    return Liveness(walk.live_after, walk.branch_live, forward.bound_before, memo)


class _Backward:
    def __init__(self, self_name: str, memo: Memo) -> None:
        self.self_name, self.memo = self_name, memo
        self.live_after: dict[int, frozenset[str]] = {}
        self.branch_live: dict[int, frozenset[str]] = {}
        self.loops: list[tuple[frozenset[str], frozenset[str]]] = []  # (exit live, head live)

    def block(self, block: list[ast.stmt], live: frozenset[str]) -> frozenset[str]:
        for s in reversed(block):
            live = self.stmt(s, live)
        return live

    def stmt(self, s: ast.stmt, live: frozenset[str]) -> frozenset[str]:
        if isinstance(s, (ast.If, ast.For, ast.AsyncFor, ast.While)):
            self.live_after[id(s)] = self.live_after.get(id(s), frozenset()) | live
        if isinstance(s, ast.If):
            branches = self.block(s.body, live) | self.block(s.orelse, live)
            self.branch_live[id(s)] = self.branch_live.get(id(s), frozenset()) | branches
            return branches | _reads(s.test)
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            return self._loop(s, live)
        if isinstance(s, ast.Return):
            return _reads(s.value) | {self.self_name} if s.value is not None else frozenset({self.self_name})
        if isinstance(s, ast.Raise):
            return frozenset(names_in([s], self.memo).read)
        if isinstance(s, ast.Break):
            return self.loops[-1][0] if self.loops else live
        if isinstance(s, ast.Continue):
            return self.loops[-1][1] if self.loops else live
        if isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            return self._try(s, live)
        if isinstance(s, (ast.With, ast.AsyncWith)):
            inner = self.block(s.body, live)
            items = names_in(list(s.items))
            return frozenset(items.read) | (inner - set(items.bound))
        if isinstance(s, ast.Match):
            out = _reads(s.subject) | live
            for case in s.cases:
                out |= self.block(case.body, live) | frozenset(names_in([case.pattern]).read)
                if case.guard is not None:
                    out |= _reads(case.guard)
            return out
        names = names_in([s], self.memo)
        return frozenset(names.read) | (live - _killed(s, names))

    def _loop(self, s: ast.For | ast.AsyncFor | ast.While, live: frozenset[str]) -> frozenset[str]:
        after = self.block(s.orelse, live)
        head_reads = _reads(s.test) if isinstance(s, ast.While) else frozenset()
        target = frozenset(names_in([s.target]).bound) if not isinstance(s, ast.While) else frozenset()
        head = after | head_reads
        while True:  # the live names at the loop's head, to a fixpoint
            self.loops.append((live, head))
            body = self.block(s.body, head)
            self.loops.pop()
            new = after | head_reads | (body - target)
            self.branch_live[id(s)] = body  # live on entry to the body
            if new == head:
                break
            head = new
        if isinstance(s, ast.While):
            return head
        return head | _reads(s.iter)

    def _try(self, s: ast.stmt, live: frozenset[str]) -> frozenset[str]:
        final = self.block(s.finalbody, live)  # type: ignore[attr-defined]
        handlers = frozenset().union(*[self.block(h.body, final) for h in s.handlers])  # type: ignore[attr-defined]
        orelse = self.block(s.orelse, final)  # type: ignore[attr-defined]
        body = self.block(s.body, orelse | handlers | final)  # type: ignore[attr-defined]
        # an exception may leave the body anywhere, at its start too: for the handlers and the finally
        return body | handlers | final


class _Forward:
    """The names that may be bound before each compound statement (source order, loops twice)."""

    def __init__(self, wanted: dict[int, frozenset[str]], memo: Memo) -> None:
        self.wanted, self.memo = wanted, memo
        self.bound_before: dict[int, frozenset[str]] = {}

    def block(self, block: list[ast.stmt], bound: frozenset[str]) -> frozenset[str]:
        for s in block:
            bound = self.stmt(s, bound)
        return bound

    def stmt(self, s: ast.stmt, bound: frozenset[str]) -> frozenset[str]:
        if id(s) in self.wanted:
            self.bound_before[id(s)] = self.bound_before.get(id(s), frozenset()) | bound
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
            head = bound | (frozenset(names_in([s.target]).bound) if not isinstance(s, ast.While) else frozenset())
            once = self.block(s.body, head)
            twice = self.block(s.body, once)  # a later iteration sees what an earlier one bound
            return self.block(s.orelse, twice) | twice
        parts = [getattr(s, name, None) for name in ("body", "orelse", "finalbody")]
        parts += [h.body for h in getattr(s, "handlers", [])] + [c.body for c in getattr(s, "cases", [])]
        blocks = [p for p in parts if isinstance(p, list) and p and isinstance(p[0], ast.stmt)]
        if not blocks:
            return bound | frozenset(names_in([s], self.memo).bound)
        out = bound | _header_bound(s)
        for b in blocks:
            out |= self.block(b, bound | _header_bound(s))
        return out


def _header_bound(s: ast.stmt) -> frozenset[str]:
    """What a compound statement binds outside its blocks (`with ... as x`, `except E as e`)."""
    out = set(names_in(list(getattr(s, "items", []))).bound)
    for h in getattr(s, "handlers", []):
        if h.name:
            out.add(h.name)
    if isinstance(s, ast.If):
        out |= set(names_in([s.test]).bound)
    return frozenset(out)


def _reads(node: ast.AST | None) -> frozenset[str]:
    return frozenset(names_in([node]).read) if node is not None else frozenset()


def _killed(s: ast.stmt, names: Names) -> frozenset[str]:
    """The names `s` certainly rebinds (so they are dead before it)."""
    if isinstance(s, ast.AnnAssign) and s.value is None:
        return frozenset()
    return frozenset(names.bound)
