"""Refuse `super().m()` where the base's method would dispatch differently in this class.

Python looks `self.x` up on the instance's class. A method a class inherits is converted again
for that class (analysis/classes.py), so its `self.helper()` runs the override and its
`self.SIZE` reads the subclass's constant. `super().step()` instead calls the base's pure
function, converted for the base: there `self.helper()` is the base's `helper` and `self.SIZE`
the base's `SIZE`. When the class being converted (or a class between it and that base)
overrides a name the base's method, or a method it calls, looks up through self, the two
differ, and purify refuses the `super()` call rather than run the base's version silently.
`super().__init__(...)` is checked the same way (`Base.__init__` calling `self.setup()`).
"""

from __future__ import annotations

import ast

from ..analysis.calls import CallKind
from ..analysis.facts import facts
from ..model import ClassModel, FieldKind, Method
from ..syntax import targets_of
from .base import MethodContext

_MSG = ("super().{name}() runs {base}.{name} as converted for {base}, where self.{attr} is {base}'s; "
        "Python looks self.{attr} up on the instance's class, where {cls} overrides it")
_STATIC_MSG = ("super().{name}() runs {base}.{name} as converted for {base}, where self.{attr} is static "
               "configuration ({base} never writes it, so its code tests it as a Python value); in {cls} it is "
               "state, a traced value under jax.jit")
_HINT = ("write the base's steps into {cls}.{name} without super() (purify converts them for {cls}), or pass "
         "what differs to {base}.{name} as an argument")


def check(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    for n in facts(fn).of(ast.Call):
        callee = ctx.method.callees.get(id(n))
        if callee is None or callee.kind is not CallKind.SUPER or not callee.targets:
            continue
        base, method = callee.targets[0]
        for where, m, read in _looked_up(base, method):
            if read.attr in where.fields:
                if _in_python_test(m, read):
                    _check_field_kind(ctx, n, callee.name, base, where, read.attr)
                continue
            overriding = _overriding(ctx.model, where, read.attr)
            if overriding is not None:
                raise ctx.error(n, _MSG.format(name=callee.name, base=base.name, attr=read.attr, cls=overriding.name),
                                _HINT.format(cls=ctx.model.name, name=callee.name, base=base.name))


def _check_field_kind(ctx: MethodContext, call: ast.Call, name: str, base: ClassModel, where: ClassModel,
                      attr: str) -> None:
    """A field the base keeps as static configuration (it never writes it) that this class makes
    state, tested by the base's code: there the test stays Python (a static `if`), and gets a
    traced value. (Read as a value, `self.n * 100`, a traced one works as well.)"""
    mine = ctx.model.fields.get(attr)
    if where.fields[attr].kind is FieldKind.STATIC and mine is not None and mine.kind is not FieldKind.STATIC:
        raise ctx.error(call, _STATIC_MSG.format(name=name, base=base.name, attr=attr, cls=ctx.model.name),
                        _HINT.format(cls=ctx.model.name, name=name, base=base.name))


def _in_python_test(method: Method, node: ast.AST) -> bool:
    """Is `node` part of the test of an `if`, `while`, conditional expression or `assert`, or of the
    iterable of a `for` (what the control-flow pass leaves Python when it is static)?"""
    parents = facts(method.node).parents
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and parent.test is child:
            return True
        if isinstance(parent, ast.For) and parent.iter is child or isinstance(parent, ast.comprehension) \
                and child in parent.ifs:
            return True
        if isinstance(parent, ast.stmt):
            return False
        child, parent = parent, parents.get(parent)
    return False


def _looked_up(cls: ClassModel, method: Method) -> list[tuple[ClassModel, Method, ast.Attribute]]:
    """(class it resolves in, method, the read) for every `self.name` that is no field, or a field
    read, in `method` as converted for `cls` and in the methods it calls (own calls stay in `cls`,
    super() calls go up)."""
    out: list[tuple[ClassModel, Method, ast.Attribute]] = []
    seen: set[tuple[int, int]] = set()
    todo = [(cls, method)]
    while todo:
        c, m = todo.pop()
        if (id(c.node), id(m.node)) in seen:
            continue
        seen.add((id(c.node), id(m.node)))
        self_name = m.first_param
        for n in facts(m.node).of(ast.Attribute, nested=True):
            if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == self_name
                    and (n.attr not in c.fields or isinstance(n.ctx, ast.Load))):
                out.append((c, m, n))
        for callee in m.callees.values():
            if callee.kind in (CallKind.OWN, CallKind.SUPER):
                todo += [(t_cls, t) for t_cls, t in callee.targets]
    return out


def _overriding(model: ClassModel, resolved_in: ClassModel, attr: str) -> ClassModel | None:
    """The class from `model` up to (not including) `resolved_in` whose body defines `attr`."""
    c: ClassModel | None = model
    while c is not None and c.node is not resolved_in.node:
        if attr in _defined(c.node):
            return c
        c = c.bases[0] if c.bases else None
    return None


def _defined(node: ast.ClassDef) -> set[str]:
    out: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(stmt.name)
        out |= {t.id for t in targets_of(stmt) if isinstance(t, ast.Name)}
    return out
