"""Analyse a class: which attributes are state, static config, parameters or children;
which methods exist and which of them write state.

The classification is syntactic, so the decorator and `purify convert` agree
(the decorator then checks the values at init; see runtime/stateful.py):

* a field written outside `__init__`, marked `purify.param(...)`, holding a
  @stateful child, or assigned anything but plain configuration is *state*;
* a field set only in `__init__` from plain configuration (constants, arguments,
  arithmetic and tuples of those, dtypes, `optax.*(...)`) or marked
  `purify.static(...)` is *static*: pytree metadata, never traced.
"""

from __future__ import annotations

import ast
import dataclasses

from ...errors import PurifyError, error_at
from .. import eager_only
from ..eager_only import Kind, mark
from ..model import ClassModel, Field, FieldKind, Method, MethodKind, Origin, Resolver
from ..syntax import (
    ASSIGNING,
    arg_names,
    dotted,
    is_self,
    is_super_init,
    self_chain,
    targets_of,
)
from .augmented import desugar_child_operators
from .effects import summarise
from .facts import facts
from .fields import classify
from .setters import CLASH_HINT, CLASH_MSG, desugar, property_of_setter, setter_name, setters_in

_REFUSED_DUNDERS = {
    "__getattr__": "purify reads attributes from the state itself",
    "__setattr__": "purify writes attributes into the state itself",
    "__getattribute__": "purify reads attributes from the state itself",
    "__delattr__": "the structure of the state is fixed after __init__",
}
_RESERVED = ("State", "init")  # names of the pure API on the class


class _Ctx:
    """The analysis of one class in progress."""

    def __init__(self, node: ast.ClassDef, origin: Origin, resolver: Resolver) -> None:
        self.node, self.origin, self.resolver = node, origin, resolver
        self.refusals: list[PurifyError] = []  # every one is reported, compiler style

    def error(self, node: ast.AST, msg: str, hint: str = "") -> PurifyError:
        return error_at(node, self.origin.filename, msg, hint, self.origin.lines)

    def refuse(self, node: ast.AST, msg: str, hint: str = "") -> None:
        self.refusals.append(self.error(node, msg, hint))


def analyse(node: ast.ClassDef, origin: Origin, resolver: Resolver, eager: frozenset[str] = frozenset()) -> ClassModel:
    """Build the ClassModel of a @stateful class. What it cannot rewrite is in `model.refusals`
    (located errors, reported by `convert` with the methods' own). The methods named in `eager`
    run only on instances (engine/eager_only.py): the model leaves them out."""
    ctx = _Ctx(node, origin, resolver)
    _check_class(ctx)
    bases, base_expr = _bases(ctx)
    model = ClassModel(
        name=node.name, node=node, origin=origin, fields={}, methods={},
        class_attrs=_class_attrs(node), bases=bases, base_expr=base_expr,
    )
    for base in reversed(bases):
        model.class_attrs |= base.class_attrs
        model.setters |= base.setters
    model.setters |= setters_in(node)
    for at, msg, hint in desugar(node, model.setters):  # `self.k = v` -> `self.k_setter(v)`
        ctx.refuse(at, msg, hint)
    own = _own_methods(ctx, model)
    for base in reversed(bases):
        # Copies: this class re-converts inherited methods with its own facts.
        model.methods.update({k: dataclasses.replace(v, callees={}, summary=None, sites=None) for k, v in base.methods.items()})
    model.methods.update(own)
    # What the eager-only methods write stays plain Python on the instance: `self.screen = None` in
    # __init__ and a pygame surface in render() is configuration, not a None filled in later.
    eager_written = {attr for name in eager if name in model.methods for attr, _ in _writes(model.methods[name])}
    popped = [model.methods.pop(name) for name in eager if name in model.methods]
    model.eager = frozenset(eager).union(*(b.eager for b in bases)) - set(model.methods)
    _add_plain_super_init(model)
    init = model.methods.get("__init__")
    if init is not None:
        model.fields = _init_fields(ctx, model, init)
    model.fields.update(_class_nones_written(model, bases))
    for check in (_check_writes_outside_init, _check_private_names):
        ctx.refusals += check(model)
    written = {attr for m in _every_method(model) if m.kind != "init" for attr, _ in _writes(m)}
    classify(model, resolver, written, eager_written)
    model.on_instance = eager_only.stubs(model, popped, bases)
    ctx.refusals += _check_child_writes(model, resolver)
    desugar_child_operators(model, resolver)  # `self.child += x` -> `self.child = self.child.__iadd__(x)`
    summarise(model, resolver)
    model.refusals = ctx.refusals
    return model


# -- class level ---------------------------------------------------------------


def _check_class(ctx: _Ctx) -> None:
    node = ctx.node
    for kw in node.keywords:
        if kw.arg == "metaclass":
            ctx.refuse(kw, "a @stateful class cannot have a metaclass",
                       "drop the metaclass; purify builds the class's pure API itself")
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        if ctx.resolver.purify_api(target) != "stateful":
            ctx.refuse(dec, "a @stateful class cannot take other class decorators",
                       "apply @purify.stateful alone (dataclass-generated methods have no source to rewrite)")
    for stmt in node.body:
        for t in targets_of(stmt):
            if isinstance(t, ast.Name) and t.id == "__slots__":
                ctx.refuse(stmt, "a @stateful class cannot define __slots__",
                           "remove __slots__: instances keep their state in one State tuple")
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in _REFUSED_DUNDERS:
            ctx.refuse(stmt, f"a @stateful class cannot define {stmt.name}",
                       f"remove it: {_REFUSED_DUNDERS[stmt.name]}")
        _check_lambda_methods(ctx, stmt)
        _check_nested_defs(ctx, stmt)


_COMPOUND = (ast.If, ast.Try, ast.For, ast.While, ast.With)


def _check_nested_defs(ctx: _Ctx, stmt: ast.stmt) -> None:
    """A method defined under an `if` (or `try`, `for`, `with`) of the class body: which one
    exists is decided when the class body runs, and purify reads the definitions from the text."""
    if not isinstance(stmt, _COMPOUND) and type(stmt).__name__ != "TryStar":
        return
    for n in ast.walk(stmt):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            ctx.refuse(n, f"method {n.name} is defined inside `{type(stmt).__name__.lower()}` in the class body, "
                       "so purify cannot tell from the text which definition the class gets",
                       f"define {n.name} once at the top level of the class body and choose inside it "
                       f"(`def {n.name}(self): if FLAG: ... else: ...`)")
            return


def _check_lambda_methods(ctx: _Ctx, stmt: ast.stmt) -> None:
    """`f = lambda self: ...` and `p = property(lambda self: ...)` in the class body are methods
    Python binds to the instance, which purify only rewrites when written with `def`."""
    value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
    names = [t.id for t in targets_of(stmt) if isinstance(t, ast.Name)]
    if value is None or not names:
        return
    name = names[0]
    if isinstance(value, ast.Lambda):
        params = ", ".join(arg_names(value)) or "self"
        ctx.refuse(value, f"lambda assigned as method {name}: purify only rewrites methods written with def",
                   f"write `def {name}({params}): return ...` (or wrap it: {name} = staticmethod(lambda ...))")
    if isinstance(value, ast.Call) and dotted(value.func) in ("property", "functools.cached_property",
                                                              "cached_property"):
        ctx.refuse(value, f"property {name} is built with {dotted(value.func)}(...), which purify cannot rewrite",
                   f"write it with the decorator: `@property` above `def {name}(self): return ...`")


_NEUTRAL_BASES = ("object", "abc.ABC", "ABC")
# Bases for type checkers, with no state or behaviour of their own: `class Stack(Generic[T])`.
_TYPING_BASES = ("Generic", "typing.Generic", "Protocol", "typing.Protocol", "typing_extensions.Protocol")


def _neutral(base: ast.expr) -> bool:
    if isinstance(base, ast.Subscript):
        base = base.value
    return dotted(base) in _NEUTRAL_BASES or dotted(base) in _TYPING_BASES


def _unsubscripted(base: ast.expr) -> ast.expr:
    """`gym.Env[np.ndarray, int]` is the class `gym.Env`: type arguments are for type checkers."""
    return base.value if isinstance(base, ast.Subscript) else base


def _bases(ctx: _Ctx) -> tuple[list[ClassModel], ast.expr | None]:
    models = []
    for written in ctx.node.bases:
        if _neutral(written):
            continue
        base = _unsubscripted(written)
        model = ctx.resolver.stateful(base)
        plain = getattr(ctx.resolver, "plain_class", None)
        if model is None and plain is not None:
            model = plain(base)  # undecorated, with source: converted along with the class
        if model is None:
            ctx.refuse(base, f"base class {ast.unparse(base)} is not @stateful, and purify cannot read its source",
                       "decorate the base class with @purify.stateful too, or make it a plain attribute")
            continue
        models.append(model)
    if len(models) > 1:
        ctx.refuse(ctx.node, "a @stateful class can have at most one @stateful base",
                   "use composition: hold the other class as an attribute")
        models = models[:1]
    first = next((_unsubscripted(b) for b in ctx.node.bases if not _neutral(b)), None)
    return models, first


PLAIN_SUPER_INIT = "_purify_init_{}"  # the pure `__init__` of an undecorated base, run on the class's State


def _add_plain_super_init(model: ClassModel) -> None:
    """`super().__init__(...)` in the class's own `__init__`, reaching an undecorated base's: that
    `__init__` is converted for this class too, as a function of the State being built
    (`Cls._purify_init_Base(self, ...) -> State`; convert.py)."""
    base = model.bases[0] if model.bases else None
    own = model.methods.get("__init__")
    if base is None or not base.plain or "__init__" not in base.methods or own is None or own.owner is not model:
        return
    name = PLAIN_SUPER_INIT.format(base.name)
    model.methods[name] = dataclasses.replace(base.methods["__init__"], name=name, callees={}, summary=None)


def _class_attrs(node: ast.ClassDef) -> set[str]:
    out = set()
    for stmt in node.body:
        for t in targets_of(stmt):
            if isinstance(t, ast.Name):
                out.add(t.id)
        if isinstance(stmt, ast.ClassDef):
            out.add(stmt.name)
    return out


def _own_methods(ctx: _Ctx, model: ClassModel) -> dict[str, Method]:
    out: dict[str, Method] = {}
    for stmt in ctx.node.body:
        if isinstance(stmt, ast.AsyncFunctionDef):
            ctx.refuse(stmt, f"async method {stmt.name} cannot be made pure",
                       "write a plain def; JAX traces synchronous code")
            continue
        if not isinstance(stmt, ast.FunctionDef):
            continue
        kind = _method_kind(ctx, stmt)
        if kind is None:
            continue
        if kind.has_self and not (stmt.args.posonlyargs or stmt.args.args):
            # (`def m(*args)` takes self in args[0]: the rewrite needs a named first parameter)
            ctx.refuse(stmt, f"method {stmt.name} takes no self argument",
                       "add self as the first parameter, or mark it @staticmethod")
            continue
        if kind.has_self and _is_generator(ctx, stmt):
            continue
        if stmt.name in _RESERVED:
            ctx.refuse(stmt, f"a @stateful class cannot define `{stmt.name}`: Cls.{stmt.name} is part of its "
                       "pure API", f"rename the method (e.g. {stmt.name}_)")
            continue
        if stmt.name in out and kind == "property":
            continue
        name = stmt.name
        prop = property_of_setter(stmt)
        if prop is not None:
            name = setter_name(prop)
            if any(isinstance(s, ast.FunctionDef) and s.name == name for s in ctx.node.body):
                ctx.refuse(stmt, CLASH_MSG.format(prop=prop, cls=model.name, name=name), CLASH_HINT.format(name=name))
                continue
        out[name] = Method(name, stmt, kind, ctx.origin, model)
    return out


def _method_kind(ctx: _Ctx, fn: ast.FunctionDef) -> MethodKind | None:
    """How the class defines `fn`, or None (refused) for a decorator purify cannot see through."""
    kind = MethodKind.INIT if fn.name == "__init__" else MethodKind.METHOD
    for dec in fn.decorator_list:
        name = dotted(dec)
        if name == "staticmethod":
            kind = MethodKind.STATIC
        elif name == "classmethod":
            kind = MethodKind.CLASS
        elif name in ("property", "functools.cached_property", "cached_property"):
            kind = MethodKind.PROPERTY
        elif name == f"{fn.name}.setter":
            kind = MethodKind.METHOD  # the pure `Cls.<name>_setter` (analysis/setters.py)
        elif name and name.endswith((".setter", ".deleter")):
            ctx.refuse(dec, f"property {fn.name} has a deleter, which would remove state",
                       "the state's structure is fixed after __init__: drop the deleter, or write a method "
                       f"that assigns a neutral value (def reset_{fn.name}(self): ...)")
            return None
        else:
            ctx.refuse(dec, f"method {fn.name} has a decorator purify cannot see through",
                       "apply the decorator (e.g. jax.jit) to the pure function Cls.method instead")
            return None
    return kind


def _is_generator(ctx: _Ctx, fn: ast.FunctionDef) -> bool:
    for n in facts(fn).of(ast.Yield, ast.YieldFrom):
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            ctx.refuse(n, f"generator method {fn.name} cannot be made pure",
                       "return a list or array instead of yielding")
            return True
    return False


# -- fields --------------------------------------------------------------------


def _init_fields(ctx: _Ctx, model: ClassModel, init: Method) -> dict[str, Field]:
    """Fields in order of first assignment in __init__; super().__init__ splices the base's."""
    fields: dict[str, Field] = {}
    self_name = init.first_param
    inherited = init.owner is not model

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if is_super_init(stmt):
                if not model.bases and not inherited:
                    continue  # object.__init__()
                base = init.owner.bases[0] if init.owner.bases else None
                if base is None:
                    continue
                for f in base.fields.values():  # every fact of the base's field (a dict of children is keyed)
                    fields.setdefault(f.attr, dataclasses.replace(f))
                continue
            for t in targets_of(stmt):
                chain = self_chain(t, self_name)
                if chain and chain[0][0] == "attr":
                    attr = chain[0][1]
                    assert isinstance(attr, str)
                    if attr not in fields and len(chain) == 1:
                        fields[attr] = Field(attr, FieldKind.STATE, stmt)
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    visit([child])
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    visit(child.body)

    visit(init.node.body)
    for attr, f in fields.items():
        if attr in _RESERVED:
            ctx.refusals.append(error_at(f.node, init.origin.filename, f"attribute self.{attr} has the name of "
                                         f"Cls.{attr}, part of the class's pure API, so obj.{attr} would read "
                                         f"{model.name}.{attr}", f"rename the attribute (e.g. self.{attr}_)",
                                         init.origin.lines))
        if attr in model.methods:
            ctx.refusals.append(error_at(f.node, init.origin.filename, f"attribute self.{attr} has the name of a "
                                         "method", "rename the attribute or the method", init.origin.lines))
    _check_field_names(ctx, fields)
    return fields


def _check_field_names(ctx: _Ctx, fields: dict[str, Field]) -> None:
    seen: dict[str, str] = {}
    for f in fields.values():
        if f.name in seen:
            ctx.refuse(f.node, f"attributes self.{seen[f.name]} and self.{f.attr} map to the same state field "
                       f"{f.name!r}", "rename one of them (state fields move leading underscores to the end)")
        seen[f.name] = f.attr


def _class_nones_written(model: ClassModel, bases: list[ClassModel]) -> dict[str, Field]:
    """Fields for class attributes set to None in the class body (or a base's) that a method
    assigns (`_np_random = None` in gym.Env, assigned by its `np_random` setter and `reset`):
    state that holds None until then, like a field `__init__` sets to None."""
    nones: dict[str, ast.stmt] = {}
    for node in [b.node for b in reversed(_all_bases(bases))] + [model.node]:
        for stmt in node.body:
            target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else \
                stmt.target if isinstance(stmt, ast.AnnAssign) else None
            if isinstance(target, ast.Name) and isinstance(stmt.value, ast.Constant) and stmt.value.value is None:
                nones[target.id] = stmt
    out: dict[str, Field] = {}
    for m in model.methods.values():
        if m.kind in ("method", "property"):
            for attr, _ in _writes(m):
                if attr in nones and attr not in model.fields and attr not in out:
                    out[attr] = Field(attr, FieldKind.STATE, nones[attr], from_class=True)
    return out


def _all_bases(bases: list[ClassModel]) -> list[ClassModel]:
    out, todo = [], list(bases)
    while todo:
        base = todo.pop(0)
        out.append(base)
        todo += base.bases
    return out


def _writes(method: Method) -> list[tuple[str, ast.AST]]:
    """(attribute, node) for each write through self in the method's own body."""
    self_name = method.first_param or "self"
    out = []
    for n in facts(method.node).of(*ASSIGNING):
        for t in targets_of(n):  # type: ignore[arg-type]
            chain = self_chain(t, self_name)
            if chain and chain[0][0] == "attr":
                out.append((str(chain[0][1]), t))
    return out


def _check_writes_outside_init(model: ClassModel) -> list[PurifyError]:
    out = []
    for m in model.methods.values():
        if m.kind not in ("method", "property") or m.owner is not model:
            continue
        for attr, node in _writes(m):
            if attr.startswith("__") and attr.endswith("__"):
                out.append(error_at(node, m.origin.filename,
                                    f"self.{attr} is Python's own attribute: writing through it changes the class "
                                    "or the object's machinery, which purify cannot thread",
                                    "keep the value in an attribute of self created in __init__ (class attributes "
                                    "are shared by every instance)", m.origin.lines))
            elif attr not in model.fields and attr not in model.methods:
                out.append(mark(error_at(node, m.origin.filename,
                                         f"self.{attr} is assigned in {m.name} but __init__ never creates it",
                                         f"add `self.{attr} = <initial value>` to __init__: the state's structure "
                                         "is fixed once __init__ has run", m.origin.lines), Kind.NEW_ATTR, attr))
    return out


def _check_private_names(model: ClassModel) -> list[PurifyError]:
    """`self.__x` in a class and in its base are two attributes in Python (`_Base__x`, `_Sub__x`);
    state fields are named as written, so purify refuses the clash rather than merge them."""
    out = []
    methods, todo = list(model.methods.values()), list(model.bases)
    while todo:
        base = todo.pop()
        methods += base.methods.values()
        todo += base.bases
    uses: dict[str, dict[str, tuple[ast.AST, Method]]] = {}  # attr -> owner class -> (a use, its method)
    for m in methods:
        if m.name.startswith("__") and not m.name.endswith("__"):
            uses.setdefault(m.name, {}).setdefault(m.owner.name, (m.node, m))
        self_name = m.first_param
        for n in facts(m.node).of(ast.Attribute, nested=True):
            if (isinstance(n, ast.Attribute) and is_self(n.value, self_name) and n.attr.startswith("__")
                    and not n.attr.endswith("__")):
                uses.setdefault(n.attr, {}).setdefault(m.owner.name, (n, m))
    for attr, by_owner in uses.items():
        if len(by_owner) > 1:
            a, b = sorted(by_owner)
            node, m = by_owner.get(model.name) or by_owner[a]
            out.append(error_at(node, m.origin.filename,
                                f"self.{attr} is used in both {a} and {b}: Python keeps two private attributes "
                                f"(_{a.lstrip('_')}{attr}, _{b.lstrip('_')}{attr}), which purify cannot tell apart",
                                f"rename one of them (e.g. self._{attr.lstrip('_')} in one class)", m.origin.lines))
    return out


def _check_child_writes(model: ClassModel, resolver: Resolver) -> list[PurifyError]:
    """`self.child.x = v` writes the child's state: `x` must be a state field of the child's class
    (a static field is pytree metadata, which a traced value cannot go into)."""
    out = []
    for m in model.methods.values():
        if m.kind not in ("method", "property") or m.owner is not model:
            continue
        self_name = m.first_param or "self"
        stmts = sorted(facts(m.node).of(*ASSIGNING), key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
        for n in stmts:
            for t in targets_of(n):
                chain = self_chain(t, self_name)
                f = model.fields.get(str(chain[0][1])) if chain and chain[0][0] == "attr" else None
                if f is None or chain is None:
                    continue
                rest = chain[1:] if f.child is not None else chain[2:] if f.children and len(chain) > 1 else []
                if f.child is None and not f.children or not rest or rest[0][0] != "attr":
                    continue
                child = resolver.stateful(f.child) if f.child is not None else None
                cf = child.fields.get(str(rest[0][1])) if child is not None else None
                if child is not None and cf is None:
                    out.append(error_at(t, m.origin.filename, f"{ast.unparse(t)} is assigned in {m.name}, but "
                                        f"{child.name}.__init__ never creates self.{rest[0][1]}",
                                        f"add `self.{rest[0][1]} = <initial value>` to {child.name}.__init__",
                                        m.origin.lines))
                if cf is not None and cf.kind == "static":
                    out.append(error_at(t, m.origin.filename, f"{ast.unparse(t)} is assigned in {m.name}, but "
                                        f"{child.name} keeps self.{cf.attr} as static configuration (it is only "
                                        f"set in {child.name}.__init__, from plain Python values)",
                                        f"make it state in {child.name}: set it with jnp.asarray(...) in "
                                        f"__init__, or assign it in a method of {child.name}", m.origin.lines))
    return out


def _every_method(model: ClassModel) -> list[Method]:
    """The class's methods and its bases' own, overridden ones too: `super().step()` runs those."""
    out, todo = list(model.methods.values()), list(model.bases)
    while todo:
        base = todo.pop()
        out += base.methods.values()
        todo += base.bases
    return out
