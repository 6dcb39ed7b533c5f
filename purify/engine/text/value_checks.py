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
from ..model import FieldKind

CHECKS, STATIC, UNSHARED = NAMES = ("_checks_init", "_static_config", "_unshared")  # the copied decorator and its checks


def add_value_checks(parts: ClassParts) -> set[str]:
    """Wrap the converted `init` in `_checks_init(...)` where a value could be refused (a field
    changed in place, or a static one); the names of runtime/value_checks.py it calls."""
    model = parts.model
    changed = tuple(f.name for f in model.changed_in_place())
    static = tuple(f.name for f in model.fields.values() if f.kind == FieldKind.STATIC)
    if not (changed or static):
        return set()
    init = next(i.stmt for i in parts.items if isinstance(i.stmt, ast.FunctionDef) and i.stmt.name == "init")
    checks = {STATIC: static, UNSHARED: changed}
    called = [f"{name}{_args(fields)}" for name, fields in checks.items() if fields]
    init.decorator_list.insert(1, templates.expr(f"{CHECKS}({', '.join(called)})", model.node))
    return {CHECKS, *(name for name, fields in checks.items() if fields)}


def _args(names: tuple[str, ...]) -> str:
    return f"({', '.join(map(repr, names))})"
