"""Second names: which local names (and values) of a method may be objects of the state.

In Python a name bound from the state is the state's object, not a copy of its value. Every
binding form can do it, and this module is the one place that follows them:

    x = self.d["k"]            x is the object at d["k"]
    a, b = self.pair           a and b are items of self.pair
    for row in self.rows:      row is an item (also under enumerate, zip, .items(), .values())
    x = self.d.get(k)          an item;  self.d.values() / .items() / iter(self.a) / (v for v in
                               self.a): live views of self.d, self.a
    d = self.d.copy()          a new dict holding the same items (list(), dict(), sorted(), [*xs])
    xs = [r for r in self.rows]   a new list holding the same items
    pair = (self.a, self.b)    a tuple holding the objects themselves
    x = self.arr() / self.prop / self.child.get()   what the method returns
    y = x[0], y = x.T          an item, an attribute of such a name

An `Exposure` says where: the state path `path` is reached at `depth` links into the value
(depth 0: the value is that object; 1: its items are). A shallow copy of `self.d` is
`Exposure(d[*], 1)`, its items being d's items. A change in place of the state at path M shows
through the value when `path` reaches M; a change through the value (`x[i][j] = v`) changes the
state when it changes an object `depth` or more links in. passes/aliasing.py and
passes/held.py refuse where either could show.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..model import ClassModel, Method, MethodKind, Resolver
from ..syntax import dotted, is_self
from .calls import CallKind
from .facts import facts
from .paths import StatePath


@dataclasses.dataclass(frozen=True)
class Exposure:
    path: StatePath
    depth: int = 0  # links into the value where the state's object at `path` is


class Form(enum.Enum):
    """How a name was bound, for the messages and for what may be refused."""

    ASSIGN = "assigned"
    LOOP = "a loop variable"
    UNPACK = "unpacked"


@dataclasses.dataclass(frozen=True)
class Positional:
    """The elements of a tuple, position by position (`enumerate`, `zip`, `.items()`)."""

    parts: tuple[tuple[Exposure, ...], ...]

    def flat(self) -> list[Exposure]:
        return [_held(e) for part in self.parts for e in part]


@dataclasses.dataclass(frozen=True)
class SecondName:
    name: str
    exposure: Exposure
    source: ast.expr  # the expression it was bound from, as written
    bound: ast.AST  # the binding statement (or walrus, or loop)
    form: Form

    @property
    def path(self) -> StatePath:
        return self.exposure.path


_VIEWS = frozenset({"keys", "values", "items", "view", "reshape", "ravel", "transpose", "squeeze", "swapaxes",
                    "__iter__"})
_ITEMS = frozenset({"get", "setdefault", "pop", "item"})
_COPIES = frozenset({"copy", "tolist"})
_COPY_CALLS = frozenset({"list", "tuple", "dict", "set", "frozenset", "sorted", "copy.copy"})
_LIVE_CALLS = frozenset({"iter", "reversed", "enumerate", "zip", "filter", "map", "np.asarray", "jnp.asarray"})


class Namer:
    """The exposures of a class's methods: bound names, values, what methods return."""

    def __init__(self, model: ClassModel, resolver: Resolver) -> None:
        self.model, self.resolver = model, resolver
        self._returns: dict[int, list[Exposure]] = {}

    # -- names --------------------------------------------------------------------------------
    def second_names(self, method: Method) -> list[SecondName]:
        """Every name the method binds to a value that may hold state objects, in text order."""
        self_name = method.first_param if method.kind.has_self else ""
        if not self_name:
            return []
        out: list[SecondName] = []
        env: dict[str, list[Exposure]] = {}
        nodes = facts(method.node).of(ast.stmt, ast.NamedExpr)
        for n in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):  # type: ignore[attr-defined]
            for target, value, form, found in self._bindings(method, n, self_name, env):
                for name, exposure in _destructure(target, found, form):
                    env.setdefault(name, []).append(exposure)
                    out.append(SecondName(name, exposure, value, n, form))
        return out

    def _bindings(self, method: Method, n: ast.AST, self_name: str, env: dict[str, list[Exposure]]):
        if isinstance(n, ast.Assign):
            for t in n.targets:
                yield from _pairs(t, n.value, lambda v: self.exposed(method, v, self_name, env))
        elif isinstance(n, (ast.AnnAssign, ast.NamedExpr)) and n.value is not None:
            yield n.target, n.value, Form.ASSIGN, self.exposed(method, n.value, self_name, env)
        elif isinstance(n, ast.For):
            yield n.target, n.iter, Form.LOOP, self.iterated(method, n.iter, self_name, env)
        elif isinstance(n, ast.Match):  # `case {"k": v}:`, `case [a, *rest]:` bind parts of the subject
            parts = [_item(e) for e in self.exposed(method, n.subject, self_name, env)]
            for case in n.cases:
                for p in ast.walk(case.pattern):
                    name = getattr(p, "name", None) or getattr(p, "rest", None)
                    if isinstance(name, str):
                        yield ast.Name(name, ast.Store()), n.subject, Form.UNPACK, parts

    # -- values -------------------------------------------------------------------------------
    def exposed(self, method: Method, node: ast.AST, self_name: str,
                env: dict[str, list[Exposure]]) -> list[Exposure]:
        """Where the value of `node` may hold objects of the state."""
        def rec(n: ast.AST) -> list[Exposure]:
            return self.exposed(method, n, self_name, env)

        path = StatePath.of(node, self_name, self.model)
        if path is not None:
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                return [Exposure(path.parent())]  # a view in NumPy: it shows every change of the array
            return [Exposure(path)]
        if isinstance(node, ast.Name):
            return list(env.get(node.id, ()))
        if isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                return rec(node.value)
            return [_item(e) for e in rec(node.value)]
        if isinstance(node, ast.Attribute):
            if is_self(node.value, self_name):
                return self._property(node.attr)
            return rec(node.value)  # `x.T`: a view
        if isinstance(node, ast.Call):
            return self._call(method, node, self_name, env)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            out = []
            for e in node.elts:
                inner = rec(e.value) if isinstance(e, ast.Starred) else rec(e)
                out += [_held(_item(x)) if isinstance(e, ast.Starred) else _held(x) for x in inner]
            return out
        if isinstance(node, ast.Dict):
            return [_held(x) for v in node.values if v is not None for x in rec(v)]
        if isinstance(node, ast.IfExp):
            return rec(node.body) + rec(node.orelse)
        if isinstance(node, ast.BoolOp):
            return [x for v in node.values for x in rec(v)]
        if isinstance(node, (ast.NamedExpr, ast.Starred)):
            return rec(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)) and _is_list(node):
            return [_copy(x) for x in rec(node.left) + rec(node.right)]  # `xs + [v]`: a new list, the same items
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._comprehension(method, node, self_name, env)
        return []

    def iterated(self, method: Method, it: ast.expr, self_name: str,
                 env: dict[str, list[Exposure]]) -> list[Exposure] | Positional:
        """What each element of iterating over `it` may hold (position by position for the
        tuples of `enumerate`, `zip` and `.items()`)."""
        def flat(x: list[Exposure] | Positional) -> tuple[Exposure, ...]:
            return tuple(x.flat() if isinstance(x, Positional) else x)

        if isinstance(it, ast.Call) and dotted(it.func) == "enumerate" and it.args:
            return Positional(((), flat(self.iterated(method, it.args[0], self_name, env))))
        if isinstance(it, ast.Call) and dotted(it.func) == "zip":
            return Positional(tuple(flat(self.iterated(method, a, self_name, env)) for a in it.args))
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args:
            if it.func.attr == "keys":
                return []
            if it.func.attr == "items":
                return Positional(((), tuple(_item(e) for e in self.exposed(method, it.func.value, self_name, env))))
        return [_item(e) for e in self.exposed(method, it, self_name, env)]

    def _call(self, method: Method, call: ast.Call, self_name: str, env: dict[str, list[Exposure]]) -> list[Exposure]:
        callee = method.callees.get(id(call))
        if callee is not None and callee.kind in (CallKind.OWN, CallKind.SUPER):
            return [e for _, target in callee.targets for e in self.returns(target)]
        if callee is not None and callee.kind in (CallKind.CHILD, CallKind.ITEM) and callee.targets:
            holder = StatePath.of(call.func.value if isinstance(call.func, ast.Attribute) else call.func,
                                  self_name, self.model)
            if holder is None and callee.field is not None:  # through a loop variable: any item
                field = StatePath.of(ast.Attribute(ast.Name(self_name), callee.field.attr), self_name, self.model)
                holder = field.item() if field is not None else None
            if holder is None:
                return []
            # What the child's method returns, as paths into the child (`self.k.get()` returning the
            # child's `self.n` holds objects of `self.k.n`, not of the whole child).
            return [Exposure(StatePath(holder.links + e.path.links), e.depth)
                    for c, m in callee.targets if m.kind.has_self for e in Namer(c, self.resolver).returns(m)]
        func = call.func
        name = dotted(func)
        args = [self.exposed(method, a, self_name, env) for a in call.args]
        if isinstance(func, ast.Attribute) and name not in _COPY_CALLS | _LIVE_CALLS:
            on = self.exposed(method, func.value, self_name, env)
            if func.attr in _VIEWS:
                return on
            if func.attr in _ITEMS:
                return [_item(e) for e in on]
            if func.attr in _COPIES:
                return [_copy(e) for e in on]
            return []
        if name in _LIVE_CALLS:
            return [e for a in args for e in a]
        if name in _COPY_CALLS:
            return [_copy(e) for a in args[:1] for e in a]
        return []

    def _comprehension(self, method: Method, node: ast.AST, self_name: str,
                       env: dict[str, list[Exposure]]) -> list[Exposure]:
        inner = dict(env)
        live: list[Exposure] = []
        for gen in node.generators:  # type: ignore[attr-defined]
            live += self.exposed(method, gen.iter, self_name, inner)
            for name, exposure in _destructure(gen.target, self.iterated(method, gen.iter, self_name, inner),
                                               Form.LOOP):
                inner.setdefault(name, []).append(exposure)
        elts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]  # type: ignore[attr-defined]
        held = [_held(x) for e in elts for x in self.exposed(method, e, self_name, inner)]
        return held + live if isinstance(node, ast.GeneratorExp) else held  # a generator reads its input lazily

    # -- what methods return -------------------------------------------------------------------
    def returns(self, method: Method) -> list[Exposure]:
        """Where the value a method of this class returns may hold objects of the state."""
        key = id(method.node)
        if key not in self._returns:
            self._returns[key] = []  # recursion: nothing more than what the other returns give
            self_name = method.first_param
            env: dict[str, list[Exposure]] = {}
            for n in self.second_names(method):
                env.setdefault(n.name, []).append(n.exposure)
            self._returns[key] = [e for n in facts(method.node).of(ast.Return)
                                  if n.value is not None  # type: ignore[attr-defined]
                                  for e in self.exposed(method, n.value, self_name, env)]  # type: ignore[attr-defined]
        return self._returns[key]

    def _property(self, attr: str) -> list[Exposure]:
        method = self.model.methods.get(attr)
        return self.returns(method) if method is not None and method.kind == MethodKind.PROPERTY else []


def _is_list(node: ast.BinOp) -> bool:
    """`self.xs + [v]`, `[0] * n`: list arithmetic (on arrays and numbers `+` and `*` make new values)."""
    return any(isinstance(side, (ast.List, ast.ListComp)) or isinstance(side, ast.Call) and dotted(side.func) == "list"
               for side in (node.left, node.right))


def _item(e: Exposure) -> Exposure:
    """An item of a value exposing `e`."""
    return Exposure(e.path, e.depth - 1) if e.depth > 0 else Exposure(e.path.item(), 0)


def _held(e: Exposure) -> Exposure:
    """A new container holding a value exposing `e`."""
    return Exposure(e.path, e.depth + 1)


def _copy(e: Exposure) -> Exposure:
    """A shallow copy of a value exposing `e`: a new container, the same items."""
    return Exposure(e.path.item(), 1) if e.depth == 0 else e


def _pairs(target: ast.expr, value: ast.expr, exposed):
    """(target, value, form, exposures) for a name or tuple target; displays unpacked element-wise."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts) and not any(isinstance(e, ast.Starred) for e in value.elts):
        for t, v in zip(target.elts, value.elts):
            yield from _pairs(t, v, exposed)
    elif isinstance(target, (ast.Name, ast.Tuple, ast.List, ast.Starred)):
        yield target, value, Form.UNPACK if isinstance(target, (ast.Tuple, ast.List)) else Form.ASSIGN, exposed(value)


def _destructure(target: ast.AST, found: list[Exposure] | Positional, form: Form):
    """(name, exposure) for each name of `target` bound to a value exposing `found`."""
    if isinstance(found, Positional):
        if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(found.parts) \
                and not any(isinstance(e, ast.Starred) for e in target.elts):
            for elt, part in zip(target.elts, found.parts):
                yield from _destructure(elt, list(part), form)
            return
        found = found.flat()
    if not found:
        return
    if isinstance(target, ast.Name):
        for e in found:
            yield target.id, e
    elif isinstance(target, ast.Starred):
        yield from _destructure(target.value, [_held(e) for e in found], form)
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _destructure(elt, [_item(e) for e in found], form)
