"""The module-level code of a converted class, as AST: what `purify convert` writes
and `purify.source(Cls)` shows (engine/text/ turns it into text).

    class CounterState(NamedTuple):
        n: Any

    class Counter:
        State = CounterState
        @staticmethod
        def init(...) -> CounterState: ...
        def count(self: CounterState) -> tuple[int, CounterState]: ...

    CounterState._cls = Counter
    CounterState._params = ()

The class body keeps the order of the user's definitions (inherited methods,
re-converted for this class, come after the class's own).
"""

from __future__ import annotations

import ast
import dataclasses

from ..errors import PurifyError
from . import templates
from .convert import Converted
from .eager_only import MARKER, EagerOnly
from .model import ClassModel, Method, Origin
from .syntax import clone, dotted, targets_of, walk_own


@dataclasses.dataclass
class BodyItem:
    """One statement of the emitted class body."""

    stmt: ast.stmt  # what is emitted
    original: ast.stmt | None = None  # the user's statement it comes from (comments, blank lines)
    origin: Origin | None = None  # the file `original` is in
    own: bool = False  # written in this class's own body (False: generated or inherited)
    comment: str = ""  # an eager-only method left out: the comment written in its place (`stmt` marks it)


@dataclasses.dataclass
class ClassParts:
    """The statements of a converted class, with where each came from."""

    model: ClassModel
    state_class: ast.ClassDef  # `class XState(NamedTuple)`
    register: list[ast.stmt]  # `jax.tree_util.register_dataclass(...)` when there are static fields
    cls: ast.ClassDef  # the class, its body built from `items`
    items: list[BodyItem]
    tail: list[ast.stmt]  # `XState._cls = X`, `XState._params = (...)`

    def statements(self) -> list[ast.stmt]:
        return [self.state_class, *self.register, self.cls, *self.tail]


def class_parts(conv: Converted, copy: bool = True) -> ClassParts:
    """The statements of the converted class. `copy=False` reuses (and changes) the functions of
    `conv`: for a conversion that is used once, as `purify convert`'s."""
    model = conv.model
    own_copy = clone if copy else (lambda n: n)
    layout, name = model.layout, model.name
    state = layout.name
    # (the templates name no class and hold no literal of one: each is parsed once, not once a class)
    node = model.node
    state_class = templates.stmts("class State_(NamedTuple):\n    doc_", node, doc_=_literal(layout.doc, node))[0]
    assert isinstance(state_class, ast.ClassDef)
    state_class.name = state
    state_class.body += [s for f in layout.fields for s in templates.stmts("field_: Any", node, field_=f)] \
        or templates.stmts("pass", node)
    register: list[ast.stmt] = []
    if layout.static or layout.opaque:
        how = "_register_state" if layout.by_value else "jax.tree_util.register_dataclass"
        opaque = ", opaque_fields=opaque_" if layout.opaque else ""
        register = templates.stmts(f"{how}(state_, data_fields=data_, meta_fields=meta_{opaque})", node,
                                   state_=state, data_=_literal(list(layout.data), node),
                                   meta_=_literal(list(layout.static), node), opaque_=_literal(list(layout.opaque), node))

    items: list[BodyItem] = []
    body = model.node.body
    if _docstring(model.node):
        items.append(BodyItem(clone(body[0]), body[0], model.origin, own=True))
    items.append(BodyItem(templates.stmts("State = state_", model.node, state_=state)[0]))

    by_node = {id(m.node): m for m in model.methods.values()}
    init = _init(conv, own_copy)
    init_method = model.methods.get("__init__")
    if init_method is None or init_method.owner is not model:
        items.append(_method_item(init, init_method, own=False))
    own_fns = {id(m.node): fn for attr, fn in conv.methods.items()
               for m in [_method_by_attr(model, attr)] if m is not None and m.owner is model}
    kept_fns = {id(m.node): fn for attr, fn in conv.kept.items()
                for m in [_method_by_attr(model, attr)] if m is not None}
    eager = {id(m.method.node): m for m in conv.eager.values() if m.method.owner.node is model.node}
    for s in body[1:] if _docstring(model.node) else body:
        method = by_node.get(id(s))
        if method is not None and method.kind == "init" and method.owner is model:
            items.append(_method_item(init, method, own=True))
        elif id(s) in own_fns:
            items.append(_method_item(_pure(own_copy(own_fns[id(s)]), method, model), method, own=True))
        elif id(s) in eager:
            items.append(_eager_item(eager[id(s)], s, model))
        elif id(s) in kept_fns:
            items.append(_method_item(own_copy(kept_fns[id(s)]), method, own=True))
        elif _is_class_attr(s) or isinstance(s, ast.ClassDef):
            items.append(BodyItem(clone(s), s, model.origin, own=True))
    for attr, fn in conv.methods.items():
        method = _method_by_attr(model, attr)
        if method is not None and method.owner is not model:
            pure = _pure(own_copy(fn), method, model)
            if method.owner.plain and method.origin.filename != model.origin.filename:
                _drop_annotations(pure)
            items.append(_method_item(pure, method, own=False))
    for attr, error in conv.left_to_base.items():
        items.append(BodyItem(_no_pure_form(attr, error, model)))

    cls = ast.ClassDef(name=name, bases=[clone(b) for b in model.node.bases], keywords=[],
                       body=[i.stmt for i in items], decorator_list=[],
                       **({"type_params": []} if "type_params" in ast.ClassDef._fields else {}))
    ast.copy_location(cls, model.node)
    tail = templates.stmts("state_._cls = cls_\nstate_._params = params_", node, state_=state, cls_=name,
                           params_=_literal(layout.params, node))
    if layout.static:
        tail += templates.stmts("state_._static = static_", node, state_=state, static_=_literal(layout.static, node))
    return ClassParts(model, state_class, register, cls, items, tail)


def _literal(value: str | tuple[str, ...] | list[str], origin: ast.AST) -> ast.expr:
    """The expression a string, or a tuple or list of them, is written as, located at `origin`."""
    if isinstance(value, str):
        node: ast.expr = ast.Constant(value)
    else:
        node = (ast.Tuple if isinstance(value, tuple) else ast.List)([_literal(v, origin) for v in value], ast.Load())
    return ast.copy_location(node, origin)


def class_statements(conv: Converted) -> list[ast.stmt]:
    return class_parts(conv).statements()


def _eager_item(method: EagerOnly, s: ast.stmt, model: ClassModel) -> BodyItem:
    """An eager-only method's place: a marker statement that the text writes as a comment."""
    marker = ast.copy_location(ast.Expr(ast.Name(MARKER + method.method.attr(model.name), ast.Load())), s)
    return BodyItem(marker, s, model.origin, own=True, comment=method.comment())


def _no_pure_form(attr: str, error: PurifyError, model: ClassModel) -> ast.stmt:
    """A method of an undecorated base that purify cannot convert: in the converted class (whose
    pure API the base's function would otherwise answer for) it raises why, as the converted
    module's refusals do (a TypeError naming file and line)."""
    text = f"{error.filename}:{error.lineno}: {error.bare_msg}\n  hint: {error.hint}"
    return templates.stmts(f"def {attr}(self, *args, **kwargs):\n    raise TypeError(why_)", model.node,
                           why_=ast.Constant(text))[0]


def _method_by_attr(model: ClassModel, attr: str) -> Method | None:
    return next((m for m in model.methods.values() if m.attr(model.name) == attr), None)


def _method_item(fn: ast.FunctionDef, method: Method | None, own: bool) -> BodyItem:
    if method is None:
        return BodyItem(fn)
    return BodyItem(fn, method.node, method.origin, own=own)


def _pure(fn: ast.FunctionDef, method: Method | None, model: ClassModel) -> ast.FunctionDef:
    """A pure method (changed in place), its return annotation `tuple[None, State]` when it
    returns nothing."""
    if method is None or method.kind != "method" or method.node.returns is not None:
        return fn
    returns_value = any(isinstance(n, ast.Return) and n.value is not None and not _is_none(n.value)
                        for n in walk_own(method.node))
    ret = fn.returns
    if (not returns_value and isinstance(ret, ast.Subscript) and isinstance(ret.slice, ast.Tuple)
            and len(ret.slice.elts) == 2 and dotted(ret.slice.elts[0]) == "Any"):
        ret.slice.elts[0] = ast.copy_location(ast.Constant(None), ret.slice.elts[0])
    return fn


def _drop_annotations(fn: ast.FunctionDef) -> None:
    """A method of an undecorated base of another file (gym.Env's) keeps no annotations of its own:
    they name what that file imports for type checkers (`Self`, `ObsType`), perhaps only as
    strings (`from __future__ import annotations`), which the module converted here may not have."""
    args = fn.args
    for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg][1:]:
        if a is not None:
            a.annotation = None
    ret = fn.returns
    if isinstance(ret, ast.Subscript) and isinstance(ret.slice, ast.Tuple) and len(ret.slice.elts) == 2:
        if not (isinstance(ret.slice.elts[0], ast.Constant) and ret.slice.elts[0].value is None):
            ret.slice.elts[0] = ast.copy_location(ast.Name("Any", ast.Load()), ret.slice.elts[0])
    else:
        fn.returns = None


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# -- init: readable and standalone ---------------------------------------------


def _init(conv: Converted, own_copy) -> ast.FunctionDef:
    """`init` as a staticmethod of the class."""
    init = own_copy(conv.init)
    init.decorator_list = [ast.Name("staticmethod", ast.Load())]
    return init


def _docstring(node: ast.ClassDef) -> bool:
    return bool(node.body) and _is_docstring(node.body[0])


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


def _is_class_attr(s: ast.stmt) -> bool:
    return isinstance(s, (ast.Assign, ast.AnnAssign)) and bool(targets_of(s))
