"""Small syntax queries shared by the analysis and the rewrite passes."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from .transformer import node_fields

Link = tuple[str, str | ast.expr, ast.expr]  # ("attr", name, node) or ("item", index, node)

MUTATORS = frozenset(
    ["append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort", "reverse", "add", "discard", "fill", "resize", "put", "itemset", "__setitem__", "__delitem__", "__iadd__"]
)

OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**",
             ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>"}


def self_chain(node: ast.AST, self_name: str) -> list[Link] | None:
    """`self.a[i].b` -> [("attr","a"), ("item", i), ("attr","b")]; None if not rooted at self."""
    links: list[Link] = []
    while True:  # (classes compared, not isinstance: this is asked of most nodes, and parsed nodes are exact)
        kind = node.__class__
        if kind is ast.Attribute:
            links.append(("attr", node.attr, node))  # type: ignore[attr-defined]
        elif kind is ast.Subscript:
            links.append(("item", node.slice, node))  # type: ignore[attr-defined]
        else:
            break
        node = node.value  # type: ignore[attr-defined]
    if kind is ast.Name and links and node.id == self_name:  # type: ignore[attr-defined]
        return links[::-1]
    return None


def is_self(node: ast.AST, self_name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == self_name


def is_super_call(node: ast.AST) -> bool:
    """`super()` with no arguments (or `super(Cls, self)`)."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def is_super_init(stmt: ast.stmt) -> bool:
    """A `super().__init__(...)` statement."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "__init__"
            and is_super_call(stmt.value.func.value))


ASSIGNING = (ast.Assign, ast.AugAssign, ast.AnnAssign)  # the statements with targets (`targets_of`)
TRY_STAR = (ast.TryStar,) if hasattr(ast, "TryStar") else ()  # `try: ... except* E:` (Python 3.11+)


def targets_of(stmt: ast.stmt) -> list[ast.expr]:
    """The assignment targets of a statement, tuples flattened (none but of `ASSIGNING`)."""
    if isinstance(stmt, ast.Assign):
        raw = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        raw = [stmt.target]
    else:
        return []
    out: list[ast.expr] = []
    while raw:
        t = raw.pop(0)
        if isinstance(t, (ast.Tuple, ast.List)):
            raw[:0] = t.elts
        elif isinstance(t, ast.Starred):
            raw.insert(0, t.value)
        else:
            out.append(t)
    return out


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)  # nodes with a scope of their own
_SCOPES = SCOPES


def walk_own(node: ast.AST) -> Iterator[ast.AST]:
    """Like ast.walk, but does not enter nested functions, lambdas or classes (depth first, in
    the order of `ast.iter_child_nodes` reversed). The analysis walks every method a dozen
    times, so the children are read from `_fields` directly: twice as fast as iter_child_nodes."""
    stack = _children(node)
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _SCOPES):
            stack += _children(n)


def _children(node: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            out += [x for x in value if isinstance(x, ast.AST)]
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def may_follow(first: ast.AST, then: ast.AST, loops: dict[ast.AST, frozenset[ast.AST]]) -> bool:
    """May `then` run after `first`? Later in the text, or inside a loop around both."""
    if (then.lineno, then.col_offset) > (first.lineno, first.col_offset):  # type: ignore[attr-defined]
        return True
    return bool(loops.get(first, frozenset()) & loops.get(then, frozenset()))


def dotted(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while node.__class__ is ast.Attribute:  # (as in self_chain)
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if node.__class__ is ast.Name:
        parts.append(node.id)  # type: ignore[attr-defined]
        return ".".join(reversed(parts))
    return None


def arg_names(fn: ast.FunctionDef | ast.Lambda) -> list[str]:
    a = fn.args
    names = [x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return names


BINDING = (ast.Name, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)  # what it reads


def assigned_names(own: Iterable[ast.AST]) -> set[str]:
    """Names bound in a scope, from its nodes (`walk_own`'s, or those of them of the `BINDING` classes)."""
    out: set[str] = set()
    for n in own:
        kind = n.__class__
        if kind is ast.Name:
            if n.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined] # (Store or Del)
                out.add(n.id)  # type: ignore[attr-defined]
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in n.names)
    return out


def all_names(nodes: Iterable[ast.AST]) -> set[str]:
    """Every identifier among `nodes` (all the nodes of a method: for choosing fresh names)."""
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
    return out


# What the analysis keeps on a method's node (analysis/facts.py, analysis/implicit.py): facts of
# the user's method, which a copy that passes rewrite must not carry.
FACTS, LOCALS = "_purify_facts", "_purify_locals"


def clone(node: ast.AST) -> ast.AST:
    """A deep copy of an AST, several times faster than `copy.deepcopy`: a node's fields and
    positions are its `__dict__`, copied at once; only the fields that hold nodes recurse.
    Annotations kept on a node (`FACTS`, `LOCALS`) stay with the user's node."""
    new = node.__class__.__new__(node.__class__)
    attrs = node.__dict__.copy()
    if FACTS in attrs or LOCALS in attrs:
        attrs.pop(FACTS, None)
        attrs.pop(LOCALS, None)
    for name in node_fields(node.__class__):
        value = attrs.get(name)
        if value.__class__ is list:
            attrs[name] = [clone(v) if isinstance(v, ast.AST) else v for v in value]
        elif isinstance(value, ast.AST):
            attrs[name] = clone(value)
    attrs.setdefault("origin", node)  # the analysis knows the user's nodes
    new.__dict__ = attrs  # (a node's fields are its dict: the copy made above is the new node's)
    return new


def origin(node: ast.AST) -> ast.AST:
    """The node of the user's method that `node` is a copy of (itself if it is none)."""
    return getattr(node, "origin", node)  # type: ignore[no-any-return]


def handed_on(value: ast.AST) -> list[ast.AST]:
    """The values that `value` hands on as they are: the items of a container, a starred or
    walrus operand, both arms of a conditional, the operands of `and`/`or`, what
    `functools.partial` binds. (A function reading self inside any of them goes with it.)"""
    if isinstance(value, (ast.Tuple, ast.List, ast.Set)):
        return list(value.elts)
    if isinstance(value, ast.Dict):
        return [v for v in value.values if v is not None]
    if isinstance(value, (ast.Starred, ast.NamedExpr)):
        return [value.value]
    if isinstance(value, ast.IfExp):
        return [value.body, value.orelse]
    if isinstance(value, ast.BoolOp):
        return list(value.values)
    if isinstance(value, ast.Call) and dotted(value.func) in ("functools.partial", "partial"):
        return [*value.args, *(k.value for k in value.keywords)]
    return []
