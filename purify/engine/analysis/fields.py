"""Which kind each field of a class is, from the values `__init__` gives it (see
analysis/classes.py for the rules): plain configuration is static, `purify.param(...)` a
parameter, a @stateful instance or a sequence of them children, anything else state."""

from __future__ import annotations

import ast

from ..model import ClassModel, Field, FieldKind, Method, Resolver
from ..syntax import arg_names, dotted, is_self
from .facts import facts

_CONFIG_CALLS = {"int", "float", "bool", "str", "len", "tuple", "min", "max", "abs", "round", "range", "sorted", "frozenset"}
_CONFIG_ROOTS = {"optax", "functools", "jnp.dtype", "np.dtype"}
_ARRAY_HINTS = ("Array", "ndarray", "ArrayLike")


def classify(model: ClassModel, resolver: Resolver, written: set[str], eager_written: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Set each field's kind and children; `written`: the fields a method other than __init__ writes
    (`eager_written`: those only methods that run on instances write, eager_only.py)."""
    init = model.methods.get("__init__")
    for f in model.fields.values():
        if f.from_class:  # None from the class body until a method assigns it
            f.child = _child_made_later(model, f.attr, resolver)
            continue
        if init is None or init.owner is not model and f.kind != "state":
            continue
        values = _init_values(init, f.attr)
        if any(_api(resolver, v) == "param" for v in values):
            f.kind = FieldKind.PARAM
        elif any(_api(resolver, v) == "static" for v in values) or (
                f.attr not in written and f.kind == FieldKind.STATE and values
                and all(_is_config(v, init, resolver, set()) for v in values)
                and (f.attr in eager_written or not all(_is_none(v) for v in values))):  # `self.B = None`: filled in later
            f.kind = FieldKind.STATIC
            # (plain configuration inside the marker is hashable: the State keeps JAX's own registration)
            f.marked_static = any(_api(resolver, v) == "static" and not all(
                _is_config(a, init, resolver, set()) for a in v.args) for v in values)  # type: ignore[attr-defined]
        _find_children(f, values, init, resolver)
        if f.child is None and not f.children and values and all(_is_none(v) for v in values):
            f.child = _child_made_later(model, f.attr, resolver)
        if f.kind == FieldKind.STATIC and (f.child is not None or f.children):
            f.kind = FieldKind.STATE
    for f in model.fields.values():
        if f.attr in written and f.kind == FieldKind.STATIC:
            f.kind = FieldKind.STATE
        f.opaque = (f.kind == FieldKind.STATE and f.child is None and not f.children and init is not None
                    and f.attr not in written and f.attr not in eager_written
                    and _built_by_a_library(_init_values(init, f.attr), init, resolver))


_ARRAY_ROOTS = {"jax", "jnp", "np", "numpy", "onp", "math", "__unknown__"}


def _built_by_a_library(values: list[ast.expr], init: Method, resolver: Resolver) -> bool:
    """Is every value `__init__` gives the field an object a class builds that is not an array
    library's (`spaces.Discrete(2)`, or a local bound to one; a class by its capitalised name, so
    the decorator and `purify convert` agree)? It may be configuration that JAX cannot trace: the
    State decides by the value (runtime/helpers.py `_register_state`). Functions (`jnp.zeros`,
    `_seed_key`) are left out: their arrays stay in JAX's fast flattening."""
    def built(v: ast.expr) -> bool:
        if isinstance(v, ast.Name):
            bound = [n.value for n in facts(init.node).of(ast.Assign) if isinstance(n, ast.Assign)
                     and any(isinstance(t, ast.Name) and t.id == v.id for t in n.targets)]
            return bool(bound) and all(isinstance(b, ast.Call) and built(b) for b in bound)
        if not isinstance(v, ast.Call) or resolver.purify_api(v.func) is not None:
            return False
        name = dotted(v.func)
        return name is not None and name.split(".")[0] not in _ARRAY_ROOTS and name.split(".")[-1][:1].isupper()
    return bool(values) and all(built(v) for v in values)


def _is_none(node: ast.expr) -> bool:
    """`None`, which a field holds until the object's user assigns it (filterpy's `kf.B = ...`):
    state (an empty pytree) rather than configuration, so the array assigned later is traced, not
    frozen into the compiled function."""
    return isinstance(node, ast.Constant) and node.value is None


def _child_made_later(model: ClassModel, attr: str, resolver: Resolver) -> ast.expr | None:
    """`self.rng = None` in __init__ and `self.rng = purify.Rng(seed)` in `reset`: the field holds
    a child of that one class once a method made it (None before, as in Python)."""
    made = []
    for m in model.methods.values():
        if m.kind == "init" or not m.kind.has_self:
            continue
        self_name = m.first_param or "self"
        for n in facts(m.node).of(ast.Assign):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Attribute) and is_self(t.value, self_name)
                                                 and t.attr == attr for t in n.targets):
                made += _passed(model, m, n.value, resolver) or [_constructor(n.value, resolver)]
    if made and all(made) and len({ast.dump(c) for c in made}) == 1:  # type: ignore[arg-type]
        return made[0]
    return None


def _passed(model: ClassModel, method: Method, value: ast.expr, resolver: Resolver) -> list[ast.expr | None]:
    """`self._np_random = value` in a setter (or any method) whose parameter `value` every call of it
    in the class gives a constructor (`self.np_random = purify.Rng(seed)`, the setter's call): the
    classes those calls construct. Empty when `value` is no parameter or the method is never called."""
    params = arg_names(method.node)[1:]
    if not isinstance(value, ast.Name) or value.id not in params:
        return []
    at = params.index(value.id)
    out: list[ast.expr | None] = []
    for m in model.methods.values():
        self_name = m.first_param or "self"
        for n in facts(m.node).of(ast.Call):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and is_self(n.func.value, self_name) \
                    and n.func.attr == method.name:
                arg = n.args[at] if at < len(n.args) else next((k.value for k in n.keywords if k.arg == value.id), None)
                out.append(_constructor(arg, resolver) if arg is not None else None)
    return out


def _api(resolver: Resolver, node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        return resolver.purify_api(node.func)
    return None


def _init_values(init: Method, attr: str) -> list[ast.expr]:
    """The values assigned to self.<attr> in __init__ (None-free)."""
    self_name = init.first_param
    out = []
    for n in facts(init.node).of(ast.Assign, ast.AnnAssign):
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for t in targets:
                if isinstance(t, ast.Attribute) and is_self(t.value, self_name) and t.attr == attr:
                    out.append(n.value)
                elif isinstance(t, (ast.Tuple, ast.List)) and isinstance(n.value, (ast.Tuple, ast.List)):
                    for sub, val in zip(t.elts, n.value.elts):
                        if isinstance(sub, ast.Attribute) and is_self(sub.value, self_name) and sub.attr == attr:
                            out.append(val)
                elif isinstance(t, (ast.Tuple, ast.List)) and any(
                        isinstance(s, ast.Attribute) and is_self(s.value, self_name) and s.attr == attr for s in t.elts):
                    out.append(ast.Call(func=ast.Name("__unknown__", ast.Load()), args=[], keywords=[]))
        elif isinstance(n, ast.AugAssign):
            t = n.target
            if isinstance(t, ast.Attribute) and is_self(t.value, self_name) and t.attr == attr:
                out.append(ast.Call(func=ast.Name("__unknown__", ast.Load()), args=[], keywords=[]))
    return out


def _is_config(node: ast.expr, init: Method, resolver: Resolver, seen: set[str]) -> bool:
    """Plain Python configuration: hashable, never an array (see the module docstring)."""
    def rec(n: ast.expr) -> bool:
        return _is_config(n, init, resolver, seen)

    if isinstance(node, (ast.Constant, ast.JoinedStr, ast.Lambda)):
        return True
    if isinstance(node, ast.Name):
        return _name_is_config(node.id, init, resolver, seen)
    if isinstance(node, ast.Attribute):
        if is_self(node.value, init.first_param):
            return _field_is_config(node.attr, init, resolver, seen)
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id != init.first_param and rec(root)
    if isinstance(node, ast.Tuple):
        return all(rec(e) for e in node.elts)
    if isinstance(node, ast.BinOp):
        return rec(node.left) and rec(node.right)
    if isinstance(node, ast.UnaryOp):
        return rec(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(rec(v) for v in node.values)
    if isinstance(node, ast.Compare):
        return rec(node.left) and all(rec(c) for c in node.comparators)
    if isinstance(node, ast.IfExp):
        return rec(node.test) and rec(node.body) and rec(node.orelse)
    if isinstance(node, ast.Subscript):
        return rec(node.value) and (isinstance(node.slice, ast.Slice) or rec(node.slice))
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        if resolver.purify_api(node.func) == "static":
            return True
        if name in _CONFIG_CALLS:
            return all(rec(a) for a in node.args) and all(rec(k.value) for k in node.keywords)
        return any(name == r or name.startswith(r + ".") for r in _CONFIG_ROOTS)
    return False


def _field_is_config(attr: str, init: Method, resolver: Resolver, seen: set[str]) -> bool:
    """`self.attr` read in __init__ (`self.total_mass = self.masspole + self.masscart`): plain
    configuration when every value __init__ itself gives it is. A later write in a method does not
    matter: the value read here is the one __init__ gave."""
    if "self." + attr in seen:
        return False
    seen.add("self." + attr)
    values = _init_values(init, attr)
    return bool(values) and all(_is_config(v, init, resolver, seen) for v in values)


def _name_is_config(name: str, init: Method, resolver: Resolver, seen: set[str]) -> bool:
    if name in seen:
        return False
    seen.add(name)
    params = {a.arg: a for a in [*init.node.args.posonlyargs, *init.node.args.args, *init.node.args.kwonlyargs]}
    if name in params:
        ann = params[name].annotation
        return not (ann is not None and any(h in ast.unparse(ann) for h in _ARRAY_HINTS))
    values = [n.value for n in facts(init.node).of(ast.Assign) if isinstance(n, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    if values:
        return all(_is_config(v, init, resolver, seen) for v in values)
    bound = {n.id for n in facts(init.node).of(ast.Name) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return name not in bound  # a global, builtin or closure name: configuration


# -- children ------------------------------------------------------------------


def _find_children(f: Field, values: list[ast.expr], init: Method, resolver: Resolver) -> None:
    """Mark fields that hold a @stateful instance, or a sequence of them (with their classes)."""
    for v in values:
        cls = _constructor(v, resolver)
        items = _sequence_of_children(v, init, resolver)
        keyed = keyed_children(v, resolver)
        if cls is not None:
            f.child = cls
        elif keyed is not None:
            f.children = f.keyed = True
            known = {ast.dump(e): e for e in (*f.items, *keyed)}
            f.items = tuple(known.values())
        elif items is not None:
            f.children = True
            known = {ast.dump(e): e for e in (*f.items, *items)}
            f.items = tuple(known.values())
        elif isinstance(v, ast.Call) and resolver.purify_api(v.func) in ("param", "static") and v.args:
            _find_children(f, v.args[:1], init, resolver)
        elif isinstance(v, ast.Name) and _annotated_child(v.id, init, resolver) is not None:
            f.child = _annotated_child(v.id, init, resolver)


def keyed_children(v: ast.expr, resolver: Resolver) -> list[ast.expr] | None:
    """The classes of the children in a dict of them written out with constant keys
    (`{"a": Dense(2), "b": Dense(3)}`), or None if `v` is no such dict."""
    if not isinstance(v, ast.Dict) or not v.keys or None in v.keys:
        return None
    if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in v.keys):
        return None
    found = [_constructor(e, resolver) for e in v.values]
    return found if all(found) else None  # type: ignore[return-value]


def _annotated_child(name: str, init: Method, resolver: Resolver) -> ast.expr | None:
    """`def __init__(self, model: MLP)`: a child passed in, known by its annotation."""
    for a in [*init.node.args.posonlyargs, *init.node.args.args, *init.node.args.kwonlyargs]:
        if a.arg == name and a.annotation is not None and resolver.stateful(a.annotation) is not None:
            return a.annotation
    return None


def _constructor(v: ast.expr, resolver: Resolver) -> ast.expr | None:
    if isinstance(v, ast.Call) and resolver.stateful(v.func) is not None:
        return v.func
    return None


def _sequence_of_children(v: ast.expr, init: Method, resolver: Resolver) -> list[ast.expr] | None:
    """The classes of the children in a list or tuple of them, or None if `v` is no such sequence."""
    if isinstance(v, (ast.List, ast.Tuple)):
        found = [_constructor(e, resolver) for e in v.elts]
        return found if found and all(found) else None  # type: ignore[return-value]
    if isinstance(v, (ast.ListComp, ast.GeneratorExp)):
        cls = _constructor(v.elt, resolver)
        return [cls] if cls is not None else None
    if isinstance(v, ast.Call) and dotted(v.func) in ("tuple", "list") and len(v.args) == 1:
        return _sequence_of_children(v.args[0], init, resolver)
    if isinstance(v, ast.Name):  # a local list built with .append(Child(...))
        appended = [_constructor(n.args[0], resolver) for n in facts(init.node).of(ast.Call) if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute) and n.func.attr == "append"
                    and isinstance(n.func.value, ast.Name) and n.func.value.id == v.id and n.args]
        return appended if appended and all(appended) else None  # type: ignore[return-value]
    return None
