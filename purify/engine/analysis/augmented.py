"""An augmented assignment to a child (`self.mean += other.mean`, river's `Var.__iadd__`) runs the
child's in-place operator, as Python does: `self.mean = self.mean.__iadd__(other.mean)`, or
`self.mean.__add__(...)` when the child's class defines no `__iadd__`. Once the fields are known
(a child's class is only known then) and before the effects are summarised, every such statement
of the class's methods becomes that assignment of the operator's call (in place, like the setters
of analysis/setters.py): from then on the call resolver, the summaries and the passes thread it as
a call of a method of the child. Eagerly the operator ending in `return self` gives the child back;
in the pure API it gives the child's new State. An operator that always ends in `return self`
gives the object back unchanged in identity, so the statement is the call alone
(`self.mean.__iadd__(other.mean)`): the child's new state is threaded back as any call's."""

from __future__ import annotations

import ast

from ..model import ClassModel, Method, MethodKind, Resolver
from ..syntax import FACTS, LOCALS, walk_own
from .facts import facts

_OPERATORS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul", ast.Div: "truediv",
              ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.BitOr: "or", ast.BitAnd: "and",
              ast.BitXor: "xor", ast.LShift: "lshift", ast.RShift: "rshift"}


def desugar_child_operators(model: ClassModel, resolver: Resolver) -> None:
    """Rewrite `self.child op= value` into `self.child = self.child.__iop__(value)` in the methods
    of `model` whose child's class defines the operator (the others are refused by the passes)."""
    for m in model.methods.values():
        if not m.kind.has_self or m.kind == MethodKind.INIT or m.owner is not model:
            continue
        self_name = m.first_param
        if any(_operator(model, resolver, n, self_name) for n in facts(m.node).of(ast.AugAssign)):  # type: ignore[arg-type]
            _rewrite_blocks(model, resolver, m.node, self_name)
            m.node.__dict__.pop(FACTS, None)  # the method's nodes changed: walk them again
            m.node.__dict__.pop(LOCALS, None)


def _operator(model: ClassModel, resolver: Resolver, s: ast.AST, self_name: str) -> Method | None:
    """The child's operator method `self.child op= value` runs (Python's choice), if it defines one."""
    if not (isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Attribute)
            and isinstance(s.target.value, ast.Name) and s.target.value.id == self_name):
        return None
    f = model.fields.get(s.target.attr)
    child = resolver.stateful(f.child) if f is not None and f.child is not None else None
    name = _OPERATORS.get(type(s.op))
    if child is None or name is None:
        return None
    for dunder in (f"__i{name}__", f"__{name}__"):
        method = child.methods.get(dunder)
        if method is not None and method.kind == MethodKind.METHOD:
            return method
    return None


def always_returns_self(method: Method) -> bool:
    from ..passes.fluent import always_returns_self as every_return_is_self  # (passes import the analysis)

    return every_return_is_self(method)


def _rewrite_blocks(model: ClassModel, resolver: Resolver, fn: ast.FunctionDef, self_name: str) -> None:
    blocks = [fn.body, *(getattr(n, f) for n in walk_own(fn) for f in ("body", "orelse", "finalbody")
                         if isinstance(n, ast.stmt) and isinstance(getattr(n, f, None), list) and getattr(n, f)
                         and isinstance(getattr(n, f)[0], ast.stmt)),
              *(h.body for n in walk_own(fn) for h in [*getattr(n, "handlers", []), *getattr(n, "cases", [])])]
    for block in blocks:
        for i, s in enumerate(block):
            method = _operator(model, resolver, s, self_name)
            if method is None:
                continue
            assert isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Attribute)
            t = s.target
            read = ast.copy_location(ast.Attribute(ast.copy_location(ast.Name(self_name, ast.Load()), t), t.attr,
                                                   ast.Load()), t)
            func = ast.copy_location(ast.Attribute(read, method.name, ast.Load()), t)
            call = ast.copy_location(ast.Call(func, [s.value], []), s)
            if always_returns_self(method):  # the object itself comes back: assigning it changes nothing
                block[i] = ast.copy_location(ast.Expr(call), s)
                continue
            store = ast.copy_location(ast.Attribute(ast.copy_location(ast.Name(self_name, ast.Load()), t), t.attr,
                                                    ast.Store()), t)
            block[i] = ast.copy_location(ast.Assign([store], call), s)
