"""The value checks of `Cls.init` in `purify convert` output.

The decorator's `Cls.init` refuses values that would make the pure methods silently part from
Python (runtime/value_checks.py: one object in two places, static `-0.0`, configuration hashed by
identity, a dict subclass). A converted module runs the same checks: its `init` is wrapped in
`_checks_init(...)`, copied from that file, with the facts only the analysis knows written out
(which fields are changed in place, which are static). A refusal names the call of `init`.
"""

from __future__ import annotations

import ast

from .. import templates
from ..emit import ClassParts
from ..model import ClassModel, Field, FieldKind

CHECKS, STATIC, UNSHARED = NAMES = ("_checks_init", "_static_config", "_unshared")  # the copied decorator and its checks


def add_value_checks(parts: ClassParts) -> set[str]:
    """Wrap the converted `init` in `_checks_init(...)` where a value could be refused (a field
    changed in place, or a static one); the names of runtime/value_checks.py it calls."""
    model = parts.model
    changed = tuple(f.name for f in model.changed_in_place() if not _constant_after_init(model, f))
    static = tuple(f.name for f in model.fields.values()
                   if f.kind == FieldKind.STATIC and not _constant_after_init(model, f))
    if not (changed or static):
        return set()
    init = next(i.stmt for i in parts.items if isinstance(i.stmt, ast.FunctionDef) and i.stmt.name == "init")
    checks = {STATIC: static, UNSHARED: changed}
    called = [f"{name}{_args(fields)}" for name, fields in checks.items() if fields]
    init.decorator_list.insert(1, templates.expr(f"{CHECKS}({', '.join(called)})", model.node))
    return {CHECKS, *(name for name, fields in checks.items() if fields)}


def _args(names: tuple[str, ...]) -> str:
    return f"({', '.join(map(repr, names))})"


def _constant_after_init(model: ClassModel, field: Field) -> bool:
    """Does `__init__` leave `field` holding a constant it writes itself (`self.steps = 0`), and
    nothing else? Then no value of the caller's, a default's or a global's reaches the field, and a
    number, a string or None can be neither shared nor `-0.0` passed in: the check would never fire."""
    init = model.methods.get("__init__")
    if init is None or init.sites is None:
        return False
    writes = [node for node, site in init.sites.values() if site is not None and field.attr in site.fields]
    return len(writes) == 1 and isinstance(writes[0], (ast.Assign, ast.AnnAssign)) \
        and writes[0].value is not None and _immutable_constant(writes[0].value)


def _immutable_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return all(_immutable_constant(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand  # `-1`; not `-0.0`, which a static field's check refuses
        if not isinstance(node, ast.Constant) or node.value == 0:
            return False
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex, str, bytes, bool, type(None))
