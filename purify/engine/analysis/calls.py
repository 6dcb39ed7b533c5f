"""The one call resolver: what a call in a method runs, for every form a class calls itself by.

    self(x)                   CallKind.OWN    __call__ of the class being converted
    self.step(x)              CallKind.OWN    a method of the class (virtual: an override wins)
    super().step(x)           CallKind.SUPER  the method of the base of the class that holds the call
    self.enc(x), self.enc.f() CallKind.CHILD  a method of a @stateful child
    self.layers[i](x)         CallKind.ITEM   a method of an item of a list of children
    for layer in self.layers:
        layer(x)              CallKind.ITEM   the same, through the loop variable
    purify.grad(self.loss)(x) CallKind.GRAD   the method inside the gradient transform
    self.helper(x)            CallKind.STATIC a @staticmethod or @classmethod
    self.enc.act(x)           CallKind.CHILD_ATTR  a child's attribute that is no method (a callable field)
    anything else             CallKind.OTHER

A read of a property, `self.loss` or `self.enc.loss` (no call), is in the table too, as a call of
the property (CallKind.OWN, CallKind.CHILD): a property that caches into `self` changes the state
where it is read, and is threaded there like a method (`_r, self = Cls.loss(self)`).

Each `Callee` lists what may run (several classes for a list of mixed children) or says that
purify cannot know (`known` False), and every check and pass reads it from `Method.callees`.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..model import ClassModel, Field, Method, MethodKind, Resolver
from ..syntax import is_self, is_super_call, self_chain
from .facts import MethodFacts, facts
from .loops import loop_children


class CallKind(enum.Enum):
    OWN = "a method of the class"
    SUPER = "a method of the base class"
    CHILD = "a method of a child"
    ITEM = "a method of an item of a list of children"
    GRAD = "a gradient of a method"
    STATIC = "a static or class method"
    PROPERTY = "the value of a property"
    CHILD_ATTR = "an attribute of a child that is no method"
    OTHER = "a function purify does not thread state through"


THREADING = frozenset({CallKind.OWN, CallKind.SUPER, CallKind.CHILD, CallKind.ITEM, CallKind.GRAD})


@dataclasses.dataclass(frozen=True)
class Callee:
    kind: CallKind
    name: str = ""  # the method called ("__call__" for calling the object itself)
    targets: tuple[tuple[ClassModel, Method], ...] = ()  # (class, method) pairs that may run
    known: bool = True  # False: purify cannot tell what runs (an item of children of unknown class)
    field: Field | None = None  # the child field whose state the call threads
    inner: Callee | None = None  # GRAD: the differentiated method

    @property
    def threads(self) -> bool:
        """Does the call take and return state (a method of self, of a base or of a child)?"""
        return self.kind in THREADING


OTHER = Callee(CallKind.OTHER)


def resolve_calls(model: ClassModel, method: Method, resolver: Resolver) -> dict[int, Callee]:
    """Every call in `method` (nested functions and lambdas included) -> what it runs."""
    self_name = method.first_param if method.kind.has_self else ""
    known = facts(method.node)
    out = {id(n): resolve(model, method, n, resolver, self_name, _loops_around(model, n, known, self_name))
           for n in known.of(ast.Call, nested=True)}
    if self_name:
        for n in known.of(ast.Attribute, nested=True):
            if isinstance(n.ctx, ast.Load):  # type: ignore[attr-defined]
                read = property_read(model, n, resolver, self_name, known.parents.get(n))  # type: ignore[arg-type]
                if read is not None:
                    out[id(n)] = read
    return out


def property_read(model: ClassModel, node: ast.Attribute, resolver: Resolver, self_name: str,
                  parent: ast.AST | None) -> Callee | None:
    """`self.prop` or `self.child.prop` read as a value (not called): the property, as a call."""
    if isinstance(parent, ast.Call) and parent.func is node:
        return None  # `self.prop(x)`: the call's own entry says what runs
    if is_self(node.value, self_name):
        target = model.methods.get(node.attr)
        if target is None or target.kind != MethodKind.PROPERTY or node.attr in model.fields:
            return None
        return Callee(CallKind.OWN, node.attr, ((model, target),))
    chain = self_chain(node.value, self_name)
    field = model.fields.get(str(chain[0][1])) if chain and len(chain) == 1 and chain[0][0] == "attr" else None
    child = resolver.stateful(field.child) if field is not None and field.child is not None else None
    target = child.methods.get(node.attr) if child is not None else None
    if target is None or target.kind != MethodKind.PROPERTY:
        return None
    return Callee(CallKind.CHILD, node.attr, ((child, target),), True, field)


def _loops_around(model: ClassModel, node: ast.AST, known: MethodFacts, self_name: str) -> dict[str, Field]:
    """The loop variables over lists of children whose loop body holds `node` (inner loops first)."""
    out: dict[str, Field] = {}
    if not self_name:
        return out
    inner, child, parent = None, node, known.parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.For) and any(child is s for s in parent.body):
            for var, field in _loop_items(model, parent, self_name).items():
                out.setdefault(var, field)
        elif isinstance(parent, _COMPREHENSIONS):
            for gen in reversed(_generators_in_scope(parent, child, inner)):
                for c in loop_children(model.fields, gen.iter, gen.target, self_name):
                    out.setdefault(c.var, c.source.field)
        inner, child, parent = child, parent, known.parents.get(parent)
    return out


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _generators_in_scope(comp: ast.expr, child: ast.AST, inner: ast.AST | None) -> list[ast.comprehension]:
    """The generators of `comp` whose variables are bound where its part `child` (reached through
    `inner`) is evaluated: all of them in the element and in the last `if`s; in a generator, the
    ones before it, and itself in its `if`s (not in its `iter`, which runs before it binds)."""
    gens: list[ast.comprehension] = comp.generators  # type: ignore[attr-defined]
    for i, gen in enumerate(gens):
        if child is gen:
            return gens[:i + 1] if inner is not gen.iter and inner is not gen.target else gens[:i]
    return gens


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _loop_items(model: ClassModel, loop: ast.For, self_name: str) -> dict[str, Field]:
    """`for layer in self.layers:` and the other loop headers over children (analysis/loops.py)
    -> {"layer": field}."""
    return {c.var: c.source.field for c in loop_children(model.fields, loop.iter, loop.target, self_name)}


def resolve(model: ClassModel, method: Method, call: ast.Call, resolver: Resolver, self_name: str,
            loops: dict[str, Field]) -> Callee:
    func = call.func
    if self_name and is_self(func, self_name):
        return _own(model, "__call__")
    if isinstance(func, ast.Call) and len(func.args) == 1 and resolver.purify_api(func.func) in (
            "grad", "value_and_grad"):
        ref = func.args[0]
        inner = resolve(model, method, ast.Call(ref, [], []), resolver, self_name, loops)
        return Callee(CallKind.GRAD, inner.name, inner.targets, inner.known, inner.field, inner)
    if isinstance(func, ast.Attribute) and is_super_call(func.value):
        return _super(method, func.attr)
    if isinstance(func, ast.Name) and func.id in loops:
        return _items(loops[func.id], "__call__", resolver)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in loops:
        return _items(loops[func.value.id], func.attr, resolver)
    chain = self_chain(func, self_name) if self_name else None
    if not chain or chain[0][0] != "attr":
        return OTHER
    head = str(chain[0][1])
    if len(chain) == 1 and head in model.on_instance:  # an eager-only method: run on the instance
        return Callee(CallKind.OWN, head, ((model, model.on_instance[head]),))
    if len(chain) == 1 and head in model.methods:
        target = model.methods[head]
        if target.kind in (MethodKind.STATIC, MethodKind.CLASS):
            return Callee(CallKind.STATIC, head, ((model, target),))
        if target.kind == MethodKind.PROPERTY:
            return Callee(CallKind.PROPERTY, head, ((model, target),))
        return _own(model, head)
    field = model.fields.get(head)
    if field is None:
        return OTHER
    rest = chain[1:]
    if field.child is not None and len(rest) <= 1:
        if rest and rest[0][0] != "attr":
            return OTHER
        return _child(field, str(rest[0][1]) if rest else "__call__", resolver)
    if field.children and 1 <= len(rest) <= 2 and rest[0][0] == "item":
        if len(rest) == 2 and rest[1][0] != "attr":
            return OTHER
        return _items(field, str(rest[1][1]) if len(rest) == 2 else "__call__", resolver)
    return OTHER


def _own(model: ClassModel, name: str) -> Callee:
    target = model.methods.get(name)
    return Callee(CallKind.OWN, name, ((model, target),) if target is not None else (), target is not None)


def _super(method: Method, name: str) -> Callee:
    base = method.owner.bases[0] if method.owner.bases else None
    target = base.methods.get(name) if base is not None else None
    return Callee(CallKind.SUPER, name, ((base, target),) if base is not None and target is not None else (),
                  target is not None)


def _child(field: Field, name: str, resolver: Resolver) -> Callee:
    assert field.child is not None
    child = resolver.stateful(field.child)
    if child is None:
        return Callee(CallKind.CHILD, name, (), False, field)
    target = child.methods.get(name)
    if target is None:
        return Callee(CallKind.CHILD_ATTR, name, (), True, field)
    if not target.kind.has_self:
        return Callee(CallKind.STATIC, name, ((child, target),), True, field)
    return Callee(CallKind.CHILD, name, ((child, target),), True, field)


def _items(field: Field, name: str, resolver: Resolver) -> Callee:
    targets, statics, known = [], [], bool(field.items)
    for expr in field.items:
        child = resolver.stateful(expr)
        target = child.methods.get(name) if child is not None else None
        if child is None or target is None:
            known = False
        elif target.kind.has_self:
            targets.append((child, target))
        else:
            statics.append((child, target))
    if statics and not targets and known:  # `self.cs[i].make()`: a static or class method of every item
        return Callee(CallKind.STATIC, name, tuple(statics), True, field)
    return Callee(CallKind.ITEM, name, tuple(targets), known, field)
