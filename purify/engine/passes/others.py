"""Objects of the class other than `self` (issue 14): copies of self, and arguments.

* `r = copy.copy(self)` / `r = copy.deepcopy(self)` (river's `__add__`): inside the pure method
  `self` is a State, an immutable value, so a copy is the same value in a new tuple
  (`self._replace()`; a deep copy with its lists and NumPy arrays anew, `_deepcopy(self)`), and `r`
  is that State from then on: `r.update(x)` becomes
  `_, r = Cls.update(r, x)`, `r += other` becomes `r = Cls.__iadd__(r, other)[0]` (Python's
  `r = r.__iadd__(other)`), `r._x` reads the field `x_`, `r.x = v` becomes `r = r._replace(x=v)`.
  `return copy.deepcopy(self)` returns a copy: eagerly a new object (runtime/views.py).
  Any other use of `r` (passed on, compared, iterated) is refused: it would see a tuple.
* an argument used like an object of the class (`other._mean`, `other.get()`, a property): on an
  instance it is the object, in the pure API its State; the dispatch helpers `_obj_field`,
  `_obj_property` and `_obj_call` (runtime/other_objects.py) read it or call its methods either way,
  and refuse at run time, at the user's line, a method that changes the argument's state.
  Public fields (`other.n`) are the State's own attributes and stay as written.
* a child of such an argument (`other.mean.get()`, river's `Var.__iadd__`): an object of the
  child's class on an instance, its State in the pure API; its methods, private fields and
  properties go through the same helpers, with the child's class deciding which is which.
"""

from __future__ import annotations

import ast

from .. import partial_state, templates
from ..analysis.calls import CallKind
from ..analysis.facts import facts
from ..model import ClassModel, MethodKind
from ..syntax import arg_names, dotted, is_self
from ..transformer import Transformer
from .base import MethodContext

HELPERS = ("_obj_field", "_obj_property", "_obj_call")  # in runtime/other_objects.py (imported by control.py)
COPIES = ("copy.copy", "copy.deepcopy", "deepcopy")
_INPLACE = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.FloorDiv: "floordiv",
            ast.Mod: "mod", ast.Pow: "pow", ast.MatMult: "matmul", ast.BitOr: "or", ast.BitAnd: "and",
            ast.BitXor: "xor", ast.LShift: "lshift", ast.RShift: "rshift"}

USE_MSG = ("{name} is a copy of {self}, which inside the pure method is a State (a tuple of its fields), so "
           "{what} would act on that tuple")
USE_HINT = ("use the copy through its methods and fields ({name}.method(...), {name}.field, {name} += other) "
            "and return it")
OPERATOR_MSG = "{name} {op}= ... on a copy of {self}: {cls} defines neither __i{dunder}__ nor __{dunder}__"
OPERATOR_HINT = "define __i{dunder}__ (ending in `return self`) or __{dunder}__ in {cls}"


def is_copy_of_self(node: ast.AST, self_name: str) -> bool:
    """`copy.copy(self)` / `copy.deepcopy(self)`."""
    return (isinstance(node, ast.Call) and dotted(node.func) in COPIES and len(node.args) == 1
            and not node.keywords and is_self(node.args[0], self_name))


def allowed_copy(ctx: MethodContext, call: ast.Call, parent: ast.AST | None) -> bool:
    """A copy of self bound to a name of its own, or returned (the forms this pass rewrites)."""
    if not is_copy_of_self(call, ctx.self_name) or ctx.method.kind != MethodKind.METHOD:
        return False
    return isinstance(parent, ast.Return) or parent in _copy_bindings(ctx).values()


def _copy_bindings(ctx: MethodContext) -> dict[str, ast.Assign]:
    """{local: its one binding `r = copy.copy(self)`} for locals bound only that way."""
    kept = ctx.__dict__.get("_copy_bindings")
    if kept is not None:
        return kept
    known = facts(ctx.method.node)
    found: dict[str, list[ast.AST]] = {}
    augmented = {id(n.target) for n in known.of(ast.AugAssign)}  # type: ignore[attr-defined] # `r += other` keeps r the copy
    for n in known.of(ast.Name):
        if isinstance(n.ctx, (ast.Store, ast.Del)) and id(n) not in augmented:  # type: ignore[attr-defined]
            found.setdefault(n.id, []).append(n)  # type: ignore[attr-defined]
    out = {}
    for n in known.of(ast.Assign):
        if (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                and is_copy_of_self(n.value, ctx.self_name) and len(found.get(n.targets[0].id, [])) == 1
                and n.targets[0].id not in arg_names(ctx.method.node)):
            out[n.targets[0].id] = n
    ctx.__dict__["_copy_bindings"] = out
    return out


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """Refuse the uses of a copy of self that this pass cannot rewrite (see the module docstring)."""
    copies = _copy_bindings(ctx)
    if not copies:
        return
    known = facts(fn)
    for n in known.of(ast.Name):
        if not (isinstance(n, ast.Name) and n.id in copies and isinstance(n.ctx, ast.Load)):
            continue
        parent = known.parents.get(n)
        what = _unsupported_use(ctx, n, parent, known.parents.get(parent) if parent is not None else None)
        if what:
            raise ctx.error(n, USE_MSG.format(name=n.id, self=ctx.self_name, what=what),
                            USE_HINT.format(name=n.id))
    for n in known.of(ast.AugAssign):
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and n.target.id in copies \
                and _operator_method(ctx, n.op) is None:
            dunder = _INPLACE.get(type(n.op), "?")
            op = ast.unparse(ast.BinOp(ast.Name("a"), n.op, ast.Name("b")))[2:-2]
            raise ctx.error(n, OPERATOR_MSG.format(name=n.target.id, op=op, self=ctx.self_name, cls=ctx.model.name,
                                                   dunder=dunder), OPERATOR_HINT.format(dunder=dunder, cls=ctx.model.name))


def check_plain_super(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`super().m(...)` reaching a base that is not decorated: its methods are converted for the
    class that inherits them, not as the base's own versions."""
    from ..convert import PLAIN_SUPER_HINT, PLAIN_SUPER_MSG

    for n in facts(fn).of(ast.Call):
        callee = ctx.method.callees.get(id(n))
        if callee is not None and callee.kind is CallKind.SUPER and any(b.plain for b, _ in callee.targets):
            if callee.name == "__init__":
                continue  # convert.py's `_super_init` runs it, or says why not
            base = callee.targets[0][0].name
            raise ctx.error(n, PLAIN_SUPER_MSG.format(base=base, name=callee.name),
                            PLAIN_SUPER_HINT.format(base=base))


def _unsupported_use(ctx: MethodContext, n: ast.Name, parent: ast.AST | None, grand: ast.AST | None) -> str:
    """What a use of the copy `n` is, when this pass cannot rewrite it ("" when it can)."""
    if isinstance(parent, ast.Return):
        return ""
    if isinstance(parent, ast.Attribute) and parent.value is n:
        if ctx.field(parent.attr) is not None:
            return ""
        method = ctx.method_named(parent.attr)
        if method is not None and method.kind == MethodKind.PROPERTY and not method.writes:
            return ""
        if method is not None and method.kind == MethodKind.METHOD and isinstance(grand, ast.Call) \
                and grand.func is parent and _call_statement(ctx, grand):
            return ""
        return f"`{ast.unparse(parent)}`"
    return f"`{ast.unparse(parent) if isinstance(parent, ast.expr) else n.id}`"


def _call_statement(ctx: MethodContext, call: ast.Call) -> bool:
    """`r.m(...)` as a statement of its own, or `y = r.m(...)`."""
    holder = facts(ctx.method.node).parents.get(call)
    return isinstance(holder, ast.Expr) or (isinstance(holder, ast.Assign) and len(holder.targets) == 1
                                            and isinstance(holder.targets[0], ast.Name))


def _operator_method(ctx: MethodContext, op: ast.operator) -> str | None:
    dunder = _INPLACE.get(type(op))
    for name in (f"__i{dunder}__", f"__{dunder}__"):
        m = ctx.method_named(name)
        if dunder and m is not None and m.kind == MethodKind.METHOD:
            return name
    return None


# -- the rewrite -----------------------------------------------------------------------


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    params = _object_params(ctx)
    if _copy_bindings(ctx) or params or any(is_copy_of_self(n, ctx.self_name)
                                            for n in facts(ctx.method.node).of(ast.Call)):
        _Others(ctx, set(_copy_bindings(ctx)), params).visit(fn)


def _attr_kind(model: ClassModel, attr: str) -> str:
    """What `obj.attr` is on an object of `model`'s class: "field" (a private one, renamed in the
    State), "property", "method", or "" (a public field, the State's own attribute)."""
    f = model.fields.get(attr)
    if f is not None:
        return "field" if f.name != attr else ""
    m = model.methods.get(attr)
    if m is not None and m.kind == MethodKind.PROPERTY and not m.writes:
        return "property"
    return "method" if m is not None and m.kind == MethodKind.METHOD else ""


def _object_params(ctx: MethodContext) -> set[str]:
    """Parameters read like objects of this class: a private field, a property or a method of it."""
    if ctx.method.kind not in (MethodKind.METHOD, MethodKind.PROPERTY, MethodKind.INIT):
        return set()
    names = set(arg_names(ctx.method.node)[1:])
    out = set()
    for n in facts(ctx.method.node).of(ast.Attribute):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in names \
                and _param_attr_kind(ctx, n.attr):
            out.add(n.value.id)
    return out


def _param_attr_kind(ctx: MethodContext, attr: str) -> str:
    f = ctx.field(attr)
    if f is not None:
        return "field" if f.name != attr else "child" if f.child is not None else ""
    m = ctx.method_named(attr)
    if m is not None and m.kind == MethodKind.PROPERTY and not m.writes:
        return "property"
    return "method" if m is not None and m.kind == MethodKind.METHOD else ""


class _Others(Transformer):
    def __init__(self, ctx: MethodContext, copies: set[str], params: set[str]) -> None:
        self.ctx, self.copies, self.params = ctx, copies, params

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        if node is self.ctx.fn:
            return self.generic_visit(node)
        return node  # a nested function's names are its own

    def visit_Lambda(self, node: ast.Lambda) -> ast.AST:
        return node

    def _child_of_param(self, node: ast.expr) -> ClassModel | None:
        """The class of `other.child`, a child of an argument used like an object of the class."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in self.params
                and isinstance(node.ctx, ast.Load)):
            return None
        f = self.ctx.field(node.attr)
        return self.ctx.resolver.stateful(f.child) if f is not None and f.child is not None else None

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if is_copy_of_self(node, self.ctx.self_name):
            if dotted(node.func) == "copy.copy":  # shallow, as Python's: the same values in a new State
                return templates.expr("self._replace()", node, self=self.ctx.self_name)
            self.ctx.helpers.add("_deepcopy")  # no container or NumPy array shared (runtime/helpers.py)
            return templates.expr("_deepcopy(self)", node, self=self.ctx.self_name)
        func = node.func
        child = self._child_of_param(func.value) if isinstance(func, ast.Attribute) else None
        if child is not None and _attr_kind(child, func.attr) == "method":  # `other.mean.get()`
            return self._obj_call(node, func)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in self.params \
                and _param_attr_kind(self.ctx, func.attr) == "method":
            return self._obj_call(node, func)
        return self.generic_visit(node)

    def _obj_call(self, node: ast.Call, func: ast.Attribute) -> ast.AST:
        """`other.m(a)` -> `_obj_call(other, "m", a)`: an object or a State, the helper answers."""
        self.ctx.helpers.add("_obj_call")
        self.generic_visit(node)
        return templates.located(ast.Call(ast.Name("_obj_call", ast.Load()),
                                          [func.value, ast.Constant(func.attr), *node.args], node.keywords), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        value = node.value
        if isinstance(value, ast.Name) and value.id in self.copies and isinstance(node.ctx, ast.Load):
            f = self.ctx.field(node.attr)
            if f is not None:
                return ast.copy_location(ast.Attribute(value, f.name, ast.Load()), node)
            return templates.expr("cls_.prop(r)", node, cls_=self.ctx.cls_expr(), prop=node.attr, r=value.id)
        child = self._child_of_param(value) if isinstance(node.ctx, ast.Load) else None
        if child is not None and _attr_kind(child, node.attr) in ("field", "property"):  # `other.mean._mean`
            helper = "_obj_field" if _attr_kind(child, node.attr) == "field" else "_obj_property"
            self.ctx.helpers.add(helper)
            return templates.expr(f"{helper}(obj, name)", node, obj=value, name=ast.Constant(node.attr))
        if isinstance(value, ast.Name) and value.id in self.params and isinstance(node.ctx, ast.Load):
            kind = _param_attr_kind(self.ctx, node.attr)
            if kind in ("field", "property"):
                helper = "_obj_field" if kind == "field" else "_obj_property"
                self.ctx.helpers.add(helper)
                return templates.expr(f"{helper}(obj, name)", node, obj=value, name=ast.Constant(node.attr))
        return self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> ast.AST:
        call = self._copy_method_call(node.value)
        if call is None:
            return self.generic_visit(node)
        return self._threaded(call, self.ctx.fresh("o"), node)

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        call = self._copy_method_call(node.value)
        target = node.targets[0] if len(node.targets) == 1 else None
        if call is not None and isinstance(target, ast.Name):
            return self._threaded(call, target.id, node)
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in self.copies:
            f = self.ctx.field(target.attr)
            if f is not None:
                self.generic_visit(node)
                return templates.stmts(f"r = r._replace({f.name}=value)", node, r=target.value.id,
                                       value=templates.moved(node.value))
        return self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        if isinstance(node.target, ast.Name) and node.target.id in self.copies:
            self.generic_visit(node)
            method = _operator_method(self.ctx, node.op)
            self.ctx.sites.append(partial_state.local_site(node))  # (the copy's state dies with it)
            return templates.stmts("r = cls_.m(r, value)[0]", node, r=node.target.id, cls_=self.ctx.cls_expr(),
                                   m=method, value=templates.moved(node.value))
        return self.generic_visit(node)

    def _copy_method_call(self, value: ast.expr) -> ast.Call | None:
        if (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and isinstance(value.func.value, ast.Name) and value.func.value.id in self.copies):
            return value
        return None

    def _threaded(self, call: ast.Call, out: str, origin: ast.stmt) -> list[ast.stmt]:
        """`out = r.m(args)` -> `out, r = Cls.m(r, args)`."""
        func = call.func
        assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        call.args = [self.visit(a) for a in call.args]  # (not the callee `r.m`: it becomes Cls.m)
        for k in call.keywords:
            k.value = self.visit(k.value)
        r = func.value.id
        invoke = ast.copy_location(ast.Call(templates.expr("cls_.m", func, cls_=self.ctx.cls_expr(), m=func.attr),
                                            [ast.copy_location(ast.Name(r, ast.Load()), func.value), *call.args],
                                            call.keywords), call)
        self.ctx.sites.append(partial_state.local_site(invoke))
        return templates.stmts("out, r = invoke", origin, out=out, r=r, invoke=templates.moved(invoke))
