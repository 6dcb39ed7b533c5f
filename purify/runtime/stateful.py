"""`@stateful`: the class gains a pure API (`Cls.State`, `Cls.init`, `Cls.method(state, ...)`)
while its instances keep working as written."""

from __future__ import annotations

import ast
import dataclasses
import linecache
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import jax
import numpy as np

from ..engine.analysis import analyse
from ..engine.compile import compile_functions
from ..engine.convert import RUNTIME_HELPERS, Converted, convert
from ..engine.model import ClassModel, Origin, field_name
from ..engine.source import class_source
from ..engine.unparse import class_source as converted_source
from ..errors import PurifyError, error_at
from . import context, helpers
from .resolve import MISSING, RuntimeResolver, class_globals, closure_cells
from .state import is_state, make_state_type

T = TypeVar("T", bound=type)
STATE = "_purify_state"  # where an instance keeps its State
_TRACE = "_purify_trace"  # the trace an instance was made in, if any
_RESERVED = ("State", "init")


@dataclasses.dataclass
class ClassInfo:
    """What purify keeps about a decorated class (`Cls.__purify__`)."""

    model: ClassModel
    converted: Converted
    state: type
    pure: dict[str, Callable[..., Any]]

    def source(self) -> str:
        """What `purify convert` writes for the class."""
        cls = self.state._cls  # type: ignore[attr-defined]
        return converted_source(self.converted, RuntimeResolver(class_globals(cls), closure_cells(cls)))


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
    try:
        src = class_source(cls)
    except PurifyError as e:
        if e.filename is not None:
            raise
        raise _at_caller(e) from None
    origin = Origin(src.filename, src.lines)
    globals_ = class_globals(cls)
    cells = closure_cells(cls)
    resolver = RuntimeResolver(globals_, cells)
    model = analyse(src.node, origin, resolver)
    _check_reserved(model)
    conv = convert(model, resolver)
    state = make_state_type(model, cls.__module__, cls.__qualname__)
    bindings = _bindings(cls, state, model, resolver)
    fns = [conv.init, *conv.methods.values()]
    pure = compile_functions(fns, filename=src.filename, flags=src.future_flags, globals_=globals_,
                             cells=cells, bindings=bindings, origin=src.node, qualname=cls.__qualname__)
    pure_by_attr = {"init": pure["init"]}
    for attr, fn in conv.methods.items():
        pure_by_attr[attr] = pure[fn.name]
    info = ClassInfo(model, conv, state, pure_by_attr)
    _install(cls, info)
    return cls


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
    lineno, col, end_col = frame.f_lineno, None, None
    positions = getattr(frame.f_code, "co_positions", None)  # Python 3.11+
    if positions is not None:
        _, _, col, end_col = list(positions())[frame.f_lasti // 2]
    return PurifyError(err.bare_msg, hint=err.hint, filename=frame.f_code.co_filename, lineno=lineno,
                       end_lineno=lineno, col=col if col is not None else _indent(frame.f_code.co_filename, lineno), end_col=end_col)


def _indent(filename: str, lineno: int) -> int:
    line = linecache.getline(filename, lineno)
    return len(line) - len(line.lstrip())


def _check_reserved(model: ClassModel) -> None:
    for name in _RESERVED:
        m = model.methods.get(name)
        if m is not None and m.owner is model:
            raise error_at(m.node, model.origin.filename, f"a @stateful class cannot define `{name}`: "
                           f"Cls.{name} is part of its pure API", f"rename the method (e.g. {name}_)",
                           model.origin.lines)


def _bindings(cls: type, state: type, model: ClassModel, resolver: RuntimeResolver) -> dict[str, Any]:
    """Names the generated code uses that the user's functions may not see: the class, its
    State, the helpers, and the child and base classes named in the class (which may be
    locals of an enclosing function)."""
    out: dict[str, Any] = {model.name: cls, model.state_name: state}
    out.update({name: getattr(helpers, name) for name in RUNTIME_HELPERS})
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
            setattr(cls, attr, _Property(fn))
        else:
            setattr(cls, attr, _Method(fn, attr))
    cls.__init__ = _eager_init
    cls.__getattr__ = _getattr
    cls.__setattr__ = _setattr


def _make_init(info: ClassInfo) -> Callable[..., Any]:
    pure_init = info.pure["init"]

    def init(*args: Any, **kwargs: Any) -> Any:
        with context.in_init():
            state = pure_init(*args, **kwargs)
        state = _normalize(state)
        _validate(info, state)
        return state

    init.__name__, init.__qualname__ = "init", f"{info.state._cls.__qualname__}.init"
    init.__doc__ = pure_init.__doc__ or f"The initial State of {info.model.name} (the pure `__init__`)."
    init.__wrapped__ = pure_init  # type: ignore[attr-defined]
    return init


def _normalize(state: Any) -> Any:
    """Instances stored in fields become their states; lists of states become tuples."""
    def fix(v: Any) -> Any:
        if isinstance(type(v), type) and "__purify__" in type(v).__dict__ and STATE in getattr(v, "__dict__", {}):
            return v.__dict__[STATE]
        if isinstance(v, list) and v and all(is_state(fix(x)) for x in v):
            return tuple(fix(x) for x in v)
        if isinstance(v, tuple) and not hasattr(v, "_fields") and any(is_state(fix(x)) for x in v):
            return tuple(fix(x) for x in v)
        return v
    return state._replace(**{k: fix(v) for k, v in state._asdict().items()})


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
        if f.kind == "static" and not _is_static_value(value):
            raise error_at(f.node, model.origin.filename,
                           f"self.{f.attr} is set only in __init__ from plain configuration, so purify keeps it "
                           f"as static metadata, but it holds {_describe(value)}",
                           f"mark it as state: self.{f.attr} = purify.param(...) for a trainable array, or "
                           f"jnp.asarray(...) for any other array", model.origin.lines)
        if f.kind != "static" and not _is_state_value(value):
            raise error_at(f.node, model.origin.filename,
                           f"self.{f.attr} is state, but it holds {_describe(value)}, which JAX cannot trace",
                           f"if it is configuration, write self.{f.attr} = purify.static(...)",
                           model.origin.lines)


def _is_static_value(v: Any) -> bool:
    if any(isinstance(x, (jax.Array, np.ndarray)) for x in jax.tree_util.tree_leaves(v)):
        return False
    try:
        hash(v)
    except TypeError:
        return False
    return True


def _is_state_value(v: Any) -> bool:
    ok = (jax.Array, np.ndarray, np.generic, int, float, complex, bool)
    return all(isinstance(x, ok) or hasattr(x, "dtype") for x in jax.tree_util.tree_leaves(v))


def _describe(v: Any) -> str:
    bad = next((x for x in jax.tree_util.tree_leaves(v) if not isinstance(x, (int, float, bool, str))), v)
    return f"a {type(bad).__module__}.{type(bad).__qualname__}" if bad is not None else "None"


# -- descriptors and eager instances -------------------------------------------


class _Method:
    """On the class: the pure function. On an instance: the eager method."""

    __slots__ = ("name", "pure")

    def __init__(self, pure: Callable[..., Any], name: str) -> None:
        self.pure, self.name = pure, name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.pure
        return BoundMethod(obj, self.pure, self.name)


class _Property:
    """On the class: the pure read-only function. On an instance: its value."""

    __slots__ = ("pure",)

    def __init__(self, pure: Callable[..., Any]) -> None:
        self.pure = pure

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self.pure
        return self.pure(obj.__dict__[STATE])


class BoundMethod:
    """`obj.method`: calls the pure function on the instance's state and keeps the new state."""

    __slots__ = ("__func__", "__name__", "__self__", "__weakref__")

    def __init__(self, obj: Any, pure: Callable[..., Any], name: str) -> None:
        self.__self__, self.__func__, self.__name__ = obj, pure, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        obj = self.__self__
        if not context.top_level() and obj.__dict__.get(_TRACE) is not context.current_trace():
            cls = type(obj).__name__
            raise PurifyError(
                f"{cls}.{self.__name__} was called on an instance inside a JAX transformation: its state "
                "changes would be traced once and then lost (the counter that returns 1, 1, 1)",
                hint=f"use purify.jit(obj.{self.__name__}) to compile the instance's method, or the pure API: "
                f"out, state = jax.jit({cls}.{self.__name__})(state, ...)")
        out, new = self.__func__(obj.__dict__[STATE], *args, **kwargs)
        obj.__dict__[STATE] = new
        return out

    def __repr__(self) -> str:
        return f"<purify method {type(self.__self__).__name__}.{self.__name__} of {self.__self__!r}>"


def _eager_init(self: Any, *args: Any, **kwargs: Any) -> None:
    self.__dict__[STATE] = type(self).init(*args, **kwargs)
    if not context.top_level():
        # Made inside a trace (e.g. a local Rng in __init__ under jax.jit(Model.init)):
        # its changes live and die with that trace, so its methods may run there.
        self.__dict__[_TRACE] = context.current_trace()


def _getattr(self: Any, name: str) -> Any:
    state = self.__dict__.get(STATE)
    if state is None or name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    try:
        return getattr(state, field_name(name))
    except AttributeError:
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}") from None


def _setattr(self: Any, name: str, value: Any) -> None:
    state = self.__dict__[STATE]
    key = field_name(name)
    if key not in state._fields:
        raise PurifyError(f"{type(self).__name__} has no state field {name!r}: the state's structure is fixed "
                          f"after __init__ (fields: {', '.join(state._fields) or 'none'})",
                          hint=f"create self.{name} in __init__")
    self.__dict__[STATE] = state._replace(**{key: value})


def state_of(obj: Any) -> Any:
    """The current State of a @stateful instance (a NamedTuple pytree)."""
    try:
        return obj.__dict__[STATE]
    except (AttributeError, KeyError):
        raise PurifyError(f"{type(obj).__name__} object is not an instance of a @purify.stateful class",
                          hint="decorate its class with @purify.stateful") from None


def set_state(obj: Any, state: Any) -> None:
    """Replace a @stateful instance's state (e.g. with one restored from a checkpoint)."""
    state_of(obj)
    if type(state) is not type(obj).State:
        raise PurifyError(f"expected a {type(obj).State.__name__}, got {type(state).__name__}")
    obj.__dict__[STATE] = state


def source(cls: type) -> str:
    """The generated source of a @stateful class: what `purify convert` emits for it."""
    info = cls.__dict__.get("__purify__") if isinstance(cls, type) else None
    if info is None:
        raise PurifyError(f"{getattr(cls, '__name__', cls)!r} is not a @purify.stateful class",
                          hint="decorate it with @purify.stateful first")
    return info.source()
