"""Convert an analysed class: one pure function per method, plus `init`.

Both emitters use what this returns: runtime compile (the decorator) and
unparse (`purify convert`, `purify.source`).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from typing import TypeVar

from ..errors import PurifyError, combined, error_at
from . import eager_only, partial_state, templates
from .analysis import analyse
from .analysis.classes import PLAIN_SUPER_INIT
from .eager_only import EagerOnly
from .model import ClassModel, Method, Resolver
from .partial_state import MethodFrames
from .passes import control_expressions, control_flow, handlers, hygiene, initial, none_tests, others
from .passes.aliasing import InPlace
from .passes.base import MethodContext
from .pipeline import rewrite_method
from .syntax import clone, is_self, is_super_init

T = TypeVar("T")
RUNTIME_HELPERS = ("_setitem", "_grad", "_value_and_grad", "_split", "_merge", "_register_state", "_deepcopy")  # in runtime/helpers.py
CONTROL_HELPERS = control_flow.HELPERS + control_expressions.HELPERS + others.HELPERS + handlers.HELPERS \
    + none_tests.HELPERS \
    + (eager_only.EAGER_CALL,)  # in runtime/control.py


@dataclasses.dataclass
class Converted:
    """The pure functions of one class, as AST (positions are the user's)."""

    model: ClassModel
    init: ast.FunctionDef
    methods: dict[str, ast.FunctionDef]  # by the attribute name the class stores them under
    kept: dict[str, ast.FunctionDef]  # static and class methods, unchanged
    helpers: set[str]  # runtime helpers the code calls (e.g. "_setitem")
    in_place: list[InPlace] = dataclasses.field(default_factory=list)  # checked by the decorator at init
    eager: dict[str, EagerOnly] = dataclasses.field(default_factory=dict)  # by attribute: run only on instances
    # methods of an undecorated base that purify cannot convert, by attribute: they run on instances
    # as the base wrote them; their pure form raises this (`Cls.m` would otherwise be the base's function)
    left_to_base: dict[str, PurifyError] = dataclasses.field(default_factory=dict)
    # by attribute: where each call's state goes, read when a method of an instance raises (runtime/partial.py)
    frames: dict[str, MethodFrames] = dataclasses.field(default_factory=dict)


def convert(model: ClassModel, resolver: Resolver) -> Converted:
    """The pure functions of the class, or a PurifyError reporting every refusal of the class
    (the analysis's and each method's), in the order of the source. The methods whose own
    refusals do not block the class (engine/eager_only.py) run only on instances: `conv.model`
    is then the class analysed without them."""
    try:
        return _convert(model, resolver)
    except PurifyError as e:
        errors = list(e.errors)
        eager = eager_only.split(model, errors)
        if not eager:
            raise combined(errors) from None
    again = analyse(model.node, model.origin, resolver, frozenset(eager))
    conv = _convert(again, resolver)
    conv.eager = {m.method.attr(model.name): m for m in eager.values()}
    return conv


def _convert(model: ClassModel, resolver: Resolver) -> Converted:
    helpers: set[str] = set()
    methods: dict[str, ast.FunctionDef] = {}
    kept: dict[str, ast.FunctionDef] = {}
    in_place: list[InPlace] = []
    frames: dict[str, MethodFrames] = {}
    errors = list(model.refusals)
    init = _collecting(errors, lambda: _convert_init(model, resolver, helpers, in_place))
    left_to_base: dict[str, PurifyError] = {}  # methods of an undecorated base that stay the base's
    for method in model.methods.values():
        if method.kind == "init" and method.name != "__init__":  # an undecorated base's, for super()
            fn = _collecting(errors, lambda m=method: _convert_plain_init(model, m, resolver, helpers, in_place))
            if fn is not None:
                methods[method.name] = fn
            continue
        if method.kind == "init":
            continue
        if method.kind in ("static", "class"):
            if method.owner is model:
                kept[method.attr(model.name)] = clone(method.node)
            continue
        found: list[PurifyError] = []
        fn = _collecting(found, lambda m=method: _convert_method(model, m, resolver, helpers, in_place, frames))
        if found and method.owner.plain:
            left_to_base[method.name] = found[0]  # refused only where the class calls it (below)
            found = []
        errors += found
        if fn is not None:
            methods[method.attr(model.name)] = fn
    if model.layout.by_value:
        helpers.add("_register_state")  # emit.py registers the State with it
    errors += _calls_left_to_base(model, left_to_base)
    for name in left_to_base:  # (a method of the base that calls one left to it stays the base's too)
        method = model.methods.get(name)
        if method is not None:
            methods.pop(method.attr(model.name), None)
    errors += hygiene.check_helper_names(model, helpers)
    if errors:
        raise combined(errors)
    assert init is not None
    left = {m.attr(model.name): _no_pure_form(model, m, left_to_base[m.name]) for m in model.methods.values()
            if m.name in left_to_base and m.owner.plain}
    return Converted(model, init, methods, kept, helpers, in_place, frames=frames, left_to_base=left)


PLAIN_CALL_MSG = ("{call} runs {name} of the base class {base}, which is not decorated and which purify cannot "
                  "convert: {why}")
PLAIN_CALL_HINT = "override {name} in {cls} with code purify can convert, or decorate {base} with @purify.stateful"
NO_PURE_FORM_MSG = ("{cls}.{name} is {name} of the base class {base}, which is not decorated and which purify cannot "
                    "convert, so it has no pure form (it runs on instances as written): {why}")


def _no_pure_form(model: ClassModel, method: Method, why: PurifyError) -> PurifyError:
    """What the pure form of a method left to its undecorated base raises, at the base's line
    that purify cannot convert."""
    msg = NO_PURE_FORM_MSG.format(cls=model.name, name=method.name, base=method.owner.name, why=why.bare_msg)
    hint = PLAIN_CALL_HINT.format(name=method.name, cls=model.name, base=method.owner.name)
    return PurifyError(msg, hint=hint, filename=why.filename, lineno=why.lineno,
                       col=None if why.offset is None else why.offset - 1, end_lineno=why.end_lineno,
                       end_col=None if why.end_offset is None else why.end_offset - 1, text=why.text)


def _calls_left_to_base(model: ClassModel, left: dict[str, PurifyError]) -> list[PurifyError]:
    """A method of an undecorated base that purify cannot convert stays the base's: it runs on
    instances as written (Python finds it on the base), and is refused where a converted method
    of the class calls it."""
    out: list[PurifyError] = []
    if not left:
        return out
    found = True
    while found:  # a method of an undecorated base that calls one left to it is left to it too
        found = False
        for method in model.methods.values():
            if method.owner.plain and method.name not in left and method.kind.has_self:
                calls = _left_calls(model, method, left)
                if calls:
                    left[method.name], found = calls[0], True
    for method in model.methods.values():
        if not method.owner.plain and method.name not in left and method.kind.has_self:
            out += _left_calls(model, method, left)
    return out


def _left_calls(model: ClassModel, method: Method, left: dict[str, PurifyError]) -> list[PurifyError]:
    """A refusal at each call `method` makes of a base's method left to the base."""
    from .analysis.facts import facts

    out = []
    self_name = method.first_param or "self"
    for n in facts(method.node).of(ast.Call, ast.Attribute):
        callee = method.callees.get(id(n)) if isinstance(n, ast.Call) else None
        hit = next((m for _, m in callee.targets if m.name in left and m.owner.plain), None) if callee else None
        if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and n.attr in left \
                and is_self(n.value, self_name):  # a property of the base left to it, read
            prop = model.methods.get(n.attr)
            hit = prop if prop is not None and prop.kind == "property" and prop.owner.plain else None
        if hit is not None:
            why = left[hit.name].bare_msg
            out.append(error_at(n, method.origin.filename,
                                PLAIN_CALL_MSG.format(call=ast.unparse(n), name=hit.name, base=hit.owner.name,
                                                      why=why),
                                PLAIN_CALL_HINT.format(name=hit.name, cls=model.name, base=hit.owner.name),
                                method.origin.lines))
    return out


def _collecting(errors: list[PurifyError], make: Callable[[], T]) -> T | None:
    """`make()`, or None with its refusals added to `errors`. After a refusal elsewhere in the
    class, a later step may fail on what that refusal is about: only the refusals count then."""
    try:
        return make()
    except PurifyError as e:
        errors.extend(e.errors)
    except Exception:
        if not errors:
            raise
    return None


def _run_passes(ctx: MethodContext, fn: ast.FunctionDef, helpers: set[str], in_place: list[InPlace]) -> None:
    rewrite_method(ctx, fn)
    in_place += ctx.in_place
    helpers |= ctx.helpers


def _convert_method(model: ClassModel, method: Method, resolver: Resolver, helpers: set[str],
                    in_place: list[InPlace], frames: dict[str, MethodFrames]) -> ast.FunctionDef:
    fn = clone(method.node)
    ctx = MethodContext(model, method, resolver, fn)
    _run_passes(ctx, fn, helpers, in_place)
    frames[method.attr(model.name)] = _frames(ctx)
    fn.decorator_list = []
    fn.name = method.name  # a setter `k` is `k_setter` (analysis/setters.py)
    _annotate_self(fn, model)
    if method.kind == "property" and not method.writes:
        return fn  # a read-only property is a function of the state (a caching one returns both)
    out = fn.returns if fn.returns is not None else ast.Name("Any", ast.Load())
    fn.returns = templates.expr("tuple[out, State]", fn, out=out, State=model.state_name)
    return fn


def _frames(ctx: MethodContext) -> MethodFrames:
    """Where each call of the method puts its state (engine/partial_state.py)."""
    from .analysis.facts import facts

    table = partial_state.frames_for(ctx.method.node)
    for site in ctx.sites:
        table.add(site)
    table.user_functions = partial_state.user_functions(
        facts(ctx.method.node).of(ast.FunctionDef, ast.AsyncFunctionDef, nested=True))
    return table


def _convert_init(model: ClassModel, resolver: Resolver, helpers: set[str],
                  in_place: list[InPlace]) -> ast.FunctionDef:
    method = model.methods.get("__init__")
    state = model.state_name
    if method is None:
        fn = templates.stmts("def init():\n    return state_()", model.node, state_=state)[0]
        assert isinstance(fn, ast.FunctionDef)
        _empty_fields(fn.body[0].value, model, model.node)  # type: ignore[attr-defined]
        return fn
    fn = clone(method.node)
    ctx = MethodContext(model, method, resolver, fn)
    fn.body = [_super_init(ctx, s) for s in fn.body]
    _run_passes(ctx, fn, helpers, in_place)
    start = templates.stmts("self = state_()", method.node, self=ctx.self_name, state_=state)
    _empty_fields(start[0].value, model, method.node)  # type: ignore[attr-defined]
    doc = fn.body[:1] if _is_docstring(fn.body[0]) else []
    fn.body = doc + start + fn.body[len(doc):]
    initial.rewrite(fn, model)
    fn.name = "init"
    fn.decorator_list = []
    fn.args.posonlyargs, fn.args.args = _drop_first(fn.args)
    fn.returns = ast.copy_location(ast.Name(state, ast.Load()), fn)
    return fn


def _empty_fields(call: ast.Call, model: ClassModel, origin: ast.AST) -> None:
    """`XState(a=None, b=None)`: every field of the State given None, located at `origin`. (Built
    here, not in the template: a template naming the fields would be parsed once a class.)"""
    for f in model.fields.values():
        value = ast.copy_location(ast.Constant(None), origin)
        call.keywords.append(ast.copy_location(ast.keyword(f.name, value), origin))


PLAIN_SUPER_MSG = ("super().{name}(...) runs {name} of {base}, which is not decorated: purify converts its methods "
                   "for this class, but not the base's own version that super() reaches")
PLAIN_SUPER_HINT = "decorate {base} with @purify.stateful too (its instances then keep working as before)"


def _convert_plain_init(model: ClassModel, method: Method, resolver: Resolver, helpers: set[str],
                        in_place: list[InPlace]) -> ast.FunctionDef:
    """An undecorated base's `__init__`, reached by `super().__init__(...)`: its body run on the
    State the class's `init` is building (`self` in, the State with the base's fields set out)."""
    fn = clone(method.node)
    ctx = MethodContext(model, method, resolver, fn)
    fn.body = [_super_init(ctx, s) for s in fn.body]
    _run_passes(ctx, fn, helpers, in_place)
    fn.name, fn.decorator_list = method.name, []
    _annotate_self(fn, model)
    fn.returns = ast.copy_location(ast.Name(model.state_name, ast.Load()), fn)
    return fn


def _super_init(ctx: MethodContext, stmt: ast.stmt) -> ast.stmt:
    """`super().__init__(a)` -> `self = self._replace(**Base.init(a)._asdict())`."""
    if not is_super_init(stmt):
        return stmt
    owner = ctx.method.owner
    call = stmt.value  # type: ignore[attr-defined]
    if not owner.bases or owner.base_expr is None:
        return ast.copy_location(ast.Pass(), stmt)  # object.__init__()
    base = owner.bases[0]
    if base.plain and "__init__" not in base.methods:
        return ast.copy_location(ast.Pass(), stmt)  # an undecorated base without __init__: object's
    plain_init = ctx.model.methods.get(PLAIN_SUPER_INIT.format(base.name)) if owner is ctx.model else None
    if base.plain and plain_init is not None and ctx.method.name == "__init__":
        run = ast.copy_location(ast.Call(templates.expr("cls_.f", call, cls_=ctx.cls_expr(), f=plain_init.name),
                                         [ctx.self_load(), *call.args], call.keywords), call)
        return templates.stmts("self = run", stmt, self=ctx.self_name, run=run)[0]
    if base.plain:
        raise ctx.error(call, PLAIN_SUPER_MSG.format(base=base.name, name="__init__"),
                        PLAIN_SUPER_HINT.format(base=base.name, name="__init__"))
    base_init = ast.copy_location(ast.Call(templates.expr("base.init", call, base=owner.base_expr),
                                           call.args, call.keywords), call)
    return templates.stmts("self = self._replace(**value._asdict())", stmt, self=ctx.self_name, value=base_init)[0]


def _annotate_self(fn: ast.FunctionDef, model: ClassModel) -> None:
    first = (fn.args.posonlyargs or fn.args.args)[0]
    first.annotation = ast.copy_location(ast.Name(model.state_name, ast.Load()), first)


def _drop_first(args: ast.arguments) -> tuple[list[ast.arg], list[ast.arg]]:
    if args.posonlyargs:
        return args.posonlyargs[1:], args.args
    return [], args.args[1:]


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
