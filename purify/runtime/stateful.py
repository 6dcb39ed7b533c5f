"""`@stateful`: the class gains a pure API (`Cls.State`, `Cls.init`, `Cls.method(state, ...)`)
while its instances keep working as written."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import linecache
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import jax
import numpy as np
from jax.extend import core as jax_core

from ..engine.analysis import analyse
from ..engine.analysis.classes import PLAIN_SUPER_INIT
from ..engine.analysis.none_fields import none_then_value
from ..engine.compile import compile_functions, fill_locations
from ..engine.convert import CONTROL_HELPERS, RUNTIME_HELPERS, Converted, convert
from ..engine.eager_only import EagerOnly
from ..engine.gc_paused import gc_paused
from ..engine.model import ClassModel, Origin, field_name
from ..engine.passes import fluent
from ..engine.passes.aliasing import InPlace
from ..engine.source import class_source
from ..engine.syntax import self_chain, targets_of
from ..engine.text.classes import class_source as converted_source
from ..errors import PurifyError, PurifyWarning, error_at
from . import config, context, control, eager, helpers, instances, objects, partial, sharing
from .functions import function_cells
from .instances import as_state
from .resolve import API, MISSING, KeptAnswers, RuntimeResolver, class_globals, closure_cells
from .resolve import users as resolve_users
from .state import is_state, make_state_type

T = TypeVar("T", bound=type)


@dataclasses.dataclass
class ClassInfo:
    """What purify keeps about a decorated class (`Cls.__purify__`)."""

    model: ClassModel
    state: type
    pure: dict[str, Callable[..., Any]]
    resolver: RuntimeResolver
    # What the engine was told while it converted the class, and the names of the pure functions
    # in the order they were compiled: enough to make the conversion again (`converted`). The
    # trees of the pure functions are not kept: about 500 objects a class, which every later
    # collection of the cyclic garbage collector would read, for `purify.source` only.
    answers: KeptAnswers
    compiled: tuple[str, ...]
    in_place: list[InPlace]  # checked at each `init`
    eager: dict[str, EagerOnly]  # by attribute: the methods that run only on instances
    # The @stateful classes that __init__ constructs, as found at decoration: the conversion
    # depends on their models, so a later redefinition (a notebook cell run again) is an error.
    children: dict[str, tuple[ast.expr, type]] = dataclasses.field(default_factory=dict)
    # The user's functions as the class body defined them (an eager-only method runs one of them),
    # and the attributes eager-only methods assign that are no State field (they live on the instance).
    functions: dict[str, Callable[..., Any]] = dataclasses.field(default_factory=dict)
    eager_attrs: frozenset[str] = frozenset()

    @property
    def converted(self) -> Converted:
        """The pure functions as the decorator compiled them (trees with the positions it gave
        them), made again from the same class statement and the same answers."""
        conv = convert(analyse(self.model.node, self.model.origin, self.answers), self.answers)
        by_name = {fn.name: fn for fn in [conv.init, *conv.methods.values()]}
        fns = [by_name[name] for name in self.compiled]
        with objects.defaults_deferred(fns):  # as compiled: the defaults were out of the tree then
            fill_locations(fns, self.model.node)
        return conv

    def source(self) -> str:
        """What `purify convert` writes for the class."""
        cls = self.state._cls  # type: ignore[attr-defined]
        return converted_source(self.converted,
                                RuntimeResolver(class_globals(cls), closure_cells(cls, self.model.node)))


def stateful(cls: T) -> T:
    """Make a class's state explicit, so its methods work under `jax.jit`, `vmap` and `grad`.

    The class gains a pure API:

    * `Cls.State`: a `NamedTuple` of the attributes `__init__` sets, in order;
      static configuration (plain Python values set only in `__init__`) is pytree
      metadata, never traced;
    * `Cls.init(*args, **kwargs) -> State`: the pure `__init__`;
    * `Cls.method(state, *args, **kwargs) -> (out, new_state)` for every method.

    Instances keep working as written (`obj.method(...)`, `obj.attr`); use
    `purify.jit(obj.method)` to compile a method of an instance.

    Raises:
        PurifyError: the class uses a construct purify cannot rewrite faithfully;
            the error names the file, line and column and says what to write
            instead. Nothing about the class is changed then.
    """
    if not isinstance(cls, type):
        raise PurifyError(f"@purify.stateful decorates classes, not {type(cls).__name__} objects",
                          hint="put @purify.stateful above a `class` statement")
    if "__purify__" in cls.__dict__:
        return cls
    with gc_paused():
        return _decorate(cls)


def _decorate(cls: T) -> T:
    try:
        src = class_source(cls)
    except PurifyError as e:
        if e.filename is not None:
            raise
        raise _at_caller(e) from None
    origin = Origin(src.filename, src.lines)
    globals_ = class_globals(cls)
    cells = closure_cells(cls, src.node)
    resolver = RuntimeResolver(globals_, cells)
    answers = KeptAnswers(resolver)
    conv = convert(analyse(src.node, origin, answers), answers)
    model = conv.model
    state = make_state_type(model.layout, cls.__module__, cls.__qualname__)
    bindings = _bindings(cls, state, model, resolver, conv.helpers)
    fns = [conv.init, *conv.methods.values()]
    converted_functions = function_cells(model, src, resolver, globals_, cells)  # `_clamp(...)`, converted
    pure = {}
    compiled: list[str] = []
    for group, filename, flags, names, free in _by_module(cls, conv, fns, src, globals_,
                                                          {**cells, **converted_functions}):
        compiled += [fn.name for fn in group]
        with objects.defaults_deferred(group):
            pure.update(compile_functions(group, filename=filename, flags=flags, globals_=names, cells=free,
                                          bindings=bindings, origin=src.node, qualname=cls.__qualname__))
    pure_by_attr = {"init": pure["init"]}
    for attr, fn in conv.methods.items():
        pure_by_attr[attr] = pure[fn.name]
    objects.python_defaults(cls, pure_by_attr)
    _plain_base_defaults(model, resolver, pure_by_attr)
    info = ClassInfo(model, state, pure_by_attr, resolver, answers, tuple(compiled), conv.in_place, conv.eager,
                     _child_classes(model, resolver),
                     {k: v for k, v in cls.__dict__.items() if callable(v) or isinstance(v, (staticmethod, classmethod))},
                     frozenset(a for m in conv.eager.values() for a in m.attrs()) - set(model.fields))
    eager_methods = _eager_methods(cls, conv)
    partial.register(model.name, pure_by_attr, conv.frames,
                     {m.attr(model.name): bool(m.writes) for m in model.methods.values()})
    _install(cls, info)
    _warn_none_fields(model)
    for attr, method in eager_methods.items():
        setattr(cls, attr, method)
    for attr, error in conv.left_to_base.items():  # the base's function on instances; no pure form
        fn = eager.original(cls, attr)
        if fn is not None:
            setattr(cls, attr, eager.EagerOnlyMethod(fn, attr, error))
    return cls


def _by_module(cls: type, conv: Converted, fns: list[ast.FunctionDef], src: Any, globals_: dict[str, Any],
               cells: dict[str, Any]) -> list[tuple[list[ast.FunctionDef], str, int, dict[str, Any], dict[str, Any]]]:
    """The functions grouped by the module their code was written in, with its file, compiler
    flags, globals and closure cells: a method inherited from an undecorated base of another
    module (gym.Env's) reads that module's names (`seeding`), and its tracebacks show its file."""
    owners = {id(fn): m.owner for attr, fn in conv.methods.items()
              for m in [_method_by_attr(conv.model, attr)] if m is not None}
    found: dict[str, tuple[str, int, dict[str, Any], dict[str, Any]]] = {
        src.filename: (src.filename, src.future_flags, globals_, cells)}
    groups: dict[str, list[ast.FunctionDef]] = {}
    for fn in fns:
        owner = owners.get(id(fn))
        filename = owner.origin.filename if owner is not None and owner.plain else src.filename
        if filename not in found:
            base = next((k for k in cls.__mro__ if owner is not None and k.__name__ == owner.name
                         and _file_of(k) == os.path.abspath(filename)), None)
            if base is None:
                filename = src.filename
            else:
                found[filename] = (filename, class_source(base).future_flags, class_globals(base), closure_cells(base))
        groups.setdefault(filename, []).append(fn)
    return [(group, *found[filename]) for filename, group in groups.items()]


def _file_of(klass: type) -> str | None:
    try:
        path = inspect.getsourcefile(klass)
    except TypeError:
        return None
    return os.path.abspath(path) if path is not None else None


def _method_by_attr(model: ClassModel, attr: str) -> Any:
    return next((m for m in model.methods.values() if m.attr(model.name) == attr), None)


def _warn_none_fields(model: ClassModel) -> None:
    for found in none_then_value(model):
        warnings.warn_explicit(f"{found.message()}\n  hint: {found.hint()}", PurifyWarning,
                               found.method.origin.filename, found.node.lineno)


def _eager_methods(cls: type, conv: Converted) -> dict[str, eager.EagerOnlyMethod]:
    """The descriptors of the methods that run only on instances (engine/eager_only.py)."""
    out = {}
    for attr, method in conv.eager.items():
        fn = eager.original(cls, attr)
        if fn is not None:
            out[attr] = eager.EagerOnlyMethod(fn, method.method.name, method.pure_error(cls.__name__))
    return out
def _plain_base_defaults(model: ClassModel, resolver: RuntimeResolver, pure: dict[str, Callable[..., Any]]) -> None:
    """`Cls._purify_init_Base` (an undecorated base's `__init__`, engine/convert.py) takes the
    default values Python evaluated for `Base.__init__`."""
    base = resolver.lookup(model.base_expr) if model.base_expr is not None else None
    for attr, fn in pure.items():
        if attr.startswith(PLAIN_SUPER_INIT.format("")) and isinstance(base, type):
            original = base.__init__
            fn.__defaults__, fn.__kwdefaults__ = original.__defaults__, original.__kwdefaults__


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _at_caller(err: PurifyError) -> PurifyError:
    """`err` located where the user applied `@stateful` (the first frame outside purify
    with source): a class without source has no line of its own to point at."""
    frame = sys._getframe(1)
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep)
                                 or not linecache.getline(frame.f_code.co_filename, frame.f_lineno)):
        frame = frame.f_back
    if frame is None:
        return err
    filename, lineno, col, end_col = frame.f_code.co_filename, frame.f_lineno, None, None
    positions = getattr(frame.f_code, "co_positions", None)  # Python 3.11+
    if positions is not None:
        _, _, col, end_col = list(positions())[frame.f_lasti // 2]
    if col is None:  # Python 3.10 knows the line only: underline its code
        line = linecache.getline(filename, lineno).rstrip()
        col, end_col = len(line) - len(line.lstrip()), len(line)
    return PurifyError(err.bare_msg, hint=err.hint, filename=filename, lineno=lineno, end_lineno=lineno, col=col,
                       end_col=end_col)


def _bindings(cls: type, state: type, model: ClassModel, resolver: RuntimeResolver,
              used: set[str]) -> dict[str, Any]:
    """Names the generated code uses that the user's functions may not see: the class, its
    State, the helpers, and the child and base classes named in the class (which may be
    locals of an enclosing function)."""
    out: dict[str, Any] = {model.name: cls, model.state_name: state}
    # Only the helpers the code calls: any other name stays the user's (a module's own `_merge`).
    out.update({name: getattr(helpers, name) for name in RUNTIME_HELPERS if name in used})
    if "_setitem" in used:
        out["_setitem"] = sharing._setitem  # records what __init__'s item writes replace
    out.update({name: getattr(control, name) for name in CONTROL_HELPERS if name in used})
    exprs = [f.child for f in model.fields.values() if f.child is not None]
    exprs += [m.owner.base_expr for m in model.methods.values() if m.owner.base_expr is not None]
    for expr in exprs:
        root = expr
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id not in out:
            value = resolver.lookup(root)
            if value is not MISSING:
                out[root.id] = value
    return out


def _child_classes(model: ClassModel, resolver: RuntimeResolver) -> dict[str, tuple[ast.expr, type]]:
    """The classes of the children the fields hold, as `__init__` names them (the analysis's
    `Field.child` and `Field.items`)."""
    out: dict[str, tuple[ast.expr, type]] = {}
    for f in model.fields.values():
        for expr in [*([f.child] if f.child is not None else []), *f.items]:
            cls = resolver.lookup(expr)
            if isinstance(cls, type):
                out.setdefault(ast.unparse(expr), (expr, cls))
    return out


def _check_children_current(info: ClassInfo) -> None:
    """A child class redefined after its parent was decorated (a notebook cell run again):
    the parent was converted for the old class, so refuse rather than mix the two."""
    for name, (node, cls) in info.children.items():
        now = info.resolver.lookup(node)
        if now is not cls and isinstance(now, type):
            model = info.model
            raise error_at(node, model.origin.filename,
                           f"{name} was redefined after {model.name} was decorated, and {model.name} was "
                           f"converted for the old {name}",
                           f"run the definition of {model.name} again after redefining {name} (in a notebook, "
                           f"re-run the cell that defines {model.name})", model.origin.lines)


# -- installing the API --------------------------------------------------------


def _install(cls: type, info: ClassInfo) -> None:
    model = info.model
    info.state._cls = cls  # type: ignore[attr-defined]
    init = _make_init(info)
    cls.__purify__ = info
    cls.State = info.state
    cls.init = staticmethod(init)
    info.pure["init"] = init
    for attr, fn in info.pure.items():
        if attr == "init":
            continue
        method = next((m for m in model.methods.values() if m.attr(model.name) == attr), None)
        if method is not None and method.kind == "property":
            setattr(cls, attr, instances.Property(fn, method.writes))
        else:
            setattr(cls, attr, instances.Method(fn, attr))
            fn._purify_fluent = method is not None and fluent.always_returns_self(method)  # type: ignore[attr-defined]
    for prop, setter in model.setters.items():
        cls.__dict__[prop].setter = info.pure[setter]
    cls.__init__ = instances.eager_init
    cls.__getattr__ = instances.getattr_
    cls.__setattr__ = instances.setattr_
    cls.__purify_state__ = instances.StateOf()
    objects.install_fields_and_aliases(cls, info)
    for name, fn in (("__copy__", instances.copy_), ("__deepcopy__", instances.deepcopy_)):
        if name not in cls.__dict__:
            setattr(cls, name, fn)


def _make_init(info: ClassInfo) -> Callable[..., Any]:
    pure_init = info.pure["init"]

    def init(*args: Any, **kwargs: Any) -> Any:
        _check_children_current(info)
        with context.in_init(), sharing.recording() as replaced:
            state = pure_init(*args, **kwargs)
        state = _normalize(state)
        _validate(info, state)
        _check_in_place(info, state)
        config.check_static(info.model, state, _is_state_value)
        config.check_state_types(info.model, state)
        sharing.check(info.model, info.state._cls, pure_init, state, args, kwargs, info.resolver.globals, replaced)
        return state

    init.__name__, init.__qualname__ = "init", f"{info.state._cls.__qualname__}.init"
    init.__doc__ = pure_init.__doc__ or f"The initial State of {info.model.name} (the pure `__init__`)."
    init.__wrapped__ = pure_init  # type: ignore[attr-defined]
    return init


def _normalize(state: Any) -> Any:
    """Instances stored in fields become their states; lists of states become tuples."""
    return state._replace(**{k: as_state(v) for k, v in state._asdict().items()})


def _validate(info: ClassInfo, state: Any) -> None:
    model = info.model
    for f in model.fields.values():
        value = getattr(state, f.name)
        if f.kind == "static" and is_state(value):
            raise error_at(f.node, model.origin.filename,
                           f"self.{f.attr} holds a {type(value)._cls.__name__} object, but purify could not tell "
                           "at decoration time, so its methods would not thread its state",
                           f"annotate the parameter with its class (e.g. `{f.attr}: {type(value)._cls.__name__}`), "
                           f"or construct it in __init__", model.origin.lines)
        if f.kind == "static" and not _is_static_value(value, f.marked_static):
            raise error_at(f.node, model.origin.filename,
                           f"self.{f.attr} is set only in __init__ from plain configuration, so purify keeps it "
                           f"as static metadata, but it holds {_describe(value)}",
                           f"mark it as state: self.{f.attr} = purify.param(...) for a trainable array, or "
                           f"jnp.asarray(...) for any other array", model.origin.lines)
        if f.kind != "static" and not _is_state_value(value):
            if f.opaque and _is_static_value(value, by_identity=True) and not _plain_user_object(info, value):
                continue  # configuration a library built (a gymnasium Space): metadata, by its value
            writer = _writer(model, f.attr)
            if writer is not None:  # written after __init__: state whatever __init__ marks it, so no static hint
                raise error_at(f.node, model.origin.filename, WRITTEN_MSG.format(
                    attr=f.attr, method=writer[0], line=writer[1], what=_describe(value)),
                    WRITTEN_HINT.format(attr=f.attr), model.origin.lines)
            hint = f"if it is configuration, write self.{f.attr} = purify.static(...)"
            if _plain_user_object(info, value):  # one of the user's classes: it may be state that changes
                hint += (f"; if its methods change it, decorate {type(value).__name__} with @purify.stateful, "
                         "so its state nests in this class's")
            raise error_at(f.node, model.origin.filename,
                           f"self.{f.attr} is state, but it holds {_describe(value)}, which JAX cannot trace",
                           hint, model.origin.lines)


WRITTEN_MSG = ("self.{attr} is written in {method} (line {line}), so it is state, and state must hold a JAX type "
               "(an array, a number or a bool), but it holds {what}")
WRITTEN_HINT = ("hold a JAX value in it (e.g. an integer code instead of a string), or write self.{attr} only in "
                "__init__: then it is configuration (purify.static(...))")


def _writer(model: ClassModel, attr: str) -> tuple[str, int] | None:
    """(method, line) of the first write of self.<attr> outside __init__."""
    for m in model.methods.values():
        if m.kind == "init" or not m.kind.has_self:
            continue
        self_name = m.first_param or "self"
        for n in ast.walk(m.node):
            for t in targets_of(n) if isinstance(n, ast.stmt) else []:
                chain = self_chain(t, self_name)
                if chain and chain[0][0] == "attr" and chain[0][1] == attr:
                    return m.name, t.lineno
    return None


def _plain_user_object(info: ClassInfo, value: Any) -> bool:
    """Is `value` an object of a class of the user's code that is not @stateful?"""
    return isinstance(value, object) and not isinstance(value, type) and "__purify__" not in type(value).__dict__ \
        and resolve_users(type(value))


def _check_in_place(info: ClassInfo, state: Any) -> None:
    """Augmented assignments the engine could not judge: in place (and so refused) when the
    field holds a NumPy array or a list, or a dict for `|=`."""
    for site in info.in_place:
        mutable = (np.ndarray, list, dict) if site.dict_too else (np.ndarray, list)
        value = getattr(state, field_name(site.field))
        leaves = [value, *jax.tree_util.tree_leaves(value, is_leaf=lambda x, m=mutable: isinstance(x, m))]
        found = next((x for x in leaves if isinstance(x, mutable)
                      and not (site.views and not (isinstance(x, np.ndarray) and x.ndim >= 2))), None)
        if found is not None:
            what = "a NumPy array" if isinstance(found, np.ndarray) else f"a {type(found).__name__}"
            raise error_at(site.node, site.filename, f"{site.msg}; self.{site.field} holds {what}", site.hint,
                           site.lines)


def _is_static_value(v: Any, by_identity: bool = False) -> bool:
    """Configuration JAX can key its compilations on: no arrays, and hashable (or, written
    `purify.static(...)`, compared by identity; runtime/helpers.py `_register_state`)."""
    if any(isinstance(x, (jax.Array, np.ndarray)) for x in jax.tree_util.tree_leaves(v)):
        return False
    if by_identity:
        return True
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _is_state_value(v: Any) -> bool:
    ok = (jax.Array, np.ndarray, np.generic, int, float, complex, bool)
    return all(isinstance(x, ok) or _valid_jax_type(x) for x in jax.tree_util.tree_leaves(v))


def _valid_jax_type(x: Any) -> bool:
    """JAX's own answer: an object with a `dtype` and a `shape` (gymnasium's `spaces.Box`) is no
    array unless JAX takes it as one."""
    try:
        return bool(jax_core.valid_jaxtype(x))
    except Exception:  # noqa: BLE001 - JAX refusing the object is the answer
        return False


def _describe(v: Any) -> str:
    bad = next((x for x in jax.tree_util.tree_leaves(v) if not isinstance(x, (int, float, bool, str))), v)
    return f"a {type(bad).__module__}.{type(bad).__qualname__}" if bad is not None else "None"


def source(cls: type) -> str:
    """The generated source of a @stateful class: what `purify convert` emits for it.

    The State `NamedTuple`, the class with `init` and the pure methods, and the lines that
    register the State's static fields, as text (the helpers the methods call, such as
    `_setitem`, are not included; `purify convert` copies them into the module).

    Raises:
        PurifyError: `cls` is not a `@purify.stateful` class.
    """
    info = cls.__dict__.get("__purify__") if isinstance(cls, type) else None
    if info is None:
        raise PurifyError(f"{getattr(cls, '__name__', cls)!r} is not a @purify.stateful class",
                          hint="decorate it with @purify.stateful first")
    return info.source()


def _register_api() -> None:
    """The decorator's resolver knows purify's API by identity (runtime/resolve.py `API`): filled
    here, when the decorator itself is first imported, so it is filled before any class is
    decorated, whichever way purify was reached (`purify.stateful`, `from purify import param`,
    a module of the runtime imported directly)."""
    from . import transforms  # (it does not import this module: no cycle)

    for name in ("param", "static", "jit", "vmap", "grad", "value_and_grad", "split", "merge"):
        API[id(getattr(transforms, name))] = name
    API[id(stateful)] = "stateful"


_register_api()
