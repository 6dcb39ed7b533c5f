"""Checks on names and binding forms that the rewrite cannot follow (issue 12, kinds 8 and 11):
attributes of self bound by a loop, a comprehension or a `with`, methods reached through an alias
in the class body, and the user's names that are also the names of purify's generated helpers.

Each refusal says what to write instead; see docs/concepts/semantics-objects.md.
"""

from __future__ import annotations

import ast

from ...errors import PurifyError, error_at
from ..analysis.facts import facts
from ..model import ClassModel, MethodKind
from ..syntax import self_chain
from .base import MethodContext

TARGET_MSG = ("`{form}` binds {target} on every turn, which purify's rewrite cannot thread: it writes the "
              "state only through assignments")
TARGET_HINTS = {
    "for": "loop over a local and assign it: `for {local} in ...: {target} = {local}`",
    "comprehension": "use a local in the comprehension, then assign the last value: `{target} = ...`",
    "with": "bind a local and assign it: `with ... as {local}: {target} = {local}`",
}
ALIAS_MSG = "{cls}.{alias} is another name for {cls}.{name} (`{alias} = {name}` in the class body)"
ALIAS_HINT = "call the method by its own name inside the class: self.{name}(...)"
HELPER_MSG = ("`{name}` is the name of a helper that purify's generated code calls, so the rewritten "
              "{cls} would call the wrong function")
HELPER_HINT = "rename it (e.g. {name}_)"


def check_binding_targets(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`for self.i in ...`, `[... for self.i in ...]`, `with ... as self.x`."""
    for n in facts(fn).of(ast.For, ast.comprehension, ast.With, nested=True):
        found: list[tuple[str, ast.expr]] = []
        if isinstance(n, ast.For):
            found = [("for", n.target)]
        elif isinstance(n, ast.comprehension):
            found = [("comprehension", n.target)]
        elif isinstance(n, ast.With):
            found = [("with", item.optional_vars) for item in n.items if item.optional_vars is not None]
        for form, target in found:
            for t in _flat(target):
                if self_chain(t, ctx.self_name):
                    text = ast.unparse(t)
                    local = _local_name(t)
                    shown = {"for": f"for {text} in ...", "comprehension": f"[... for {text} in ...]",
                             "with": f"with ... as {text}"}[form]
                    raise ctx.error(t, TARGET_MSG.format(form=shown, target=text),
                                    TARGET_HINTS[form].format(local=local, target=text))


def _flat(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [t for e in target.elts for t in _flat(e)]
    if isinstance(target, ast.Starred):
        return _flat(target.value)
    return [target]


def _local_name(target: ast.expr) -> str:
    while isinstance(target, ast.Subscript):
        target = target.value
    return (target.attr.lstrip("_") or "value") if isinstance(target, ast.Attribute) else "value"


def method_aliases(node: ast.ClassDef) -> dict[str, str]:
    """`bump = inc` in the class body, where `inc` is a method defined before it: alias -> name."""
    defined: set[str] = set()
    out: dict[str, str] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef):
            defined.add(stmt.name)
        elif (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in defined
              and all(isinstance(t, ast.Name) for t in stmt.targets)):
            out.update({t.id: stmt.value.id for t in stmt.targets})  # type: ignore[attr-defined]
    return out


def check_alias_calls(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    """`self.bump()` where `bump = inc`: the analysis resolves methods by their def name."""
    aliases = method_aliases(ctx.model.node)
    if not aliases:
        return
    for n in facts(fn).of(ast.Attribute, nested=True):
        if (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == ctx.self_name
                and n.attr in aliases and ctx.field(n.attr) is None and ctx.method_named(n.attr) is None):
            name = aliases[n.attr]
            raise ctx.error(n, ALIAS_MSG.format(cls=ctx.model.name, alias=n.attr, name=name),
                            ALIAS_HINT.format(name=name))


def check_helper_names(model: ClassModel, helpers: set[str]) -> list[PurifyError]:
    """A name of the user's methods (a local, a parameter, a module function they call) that is
    also a helper the rewritten code calls: the helper would take its place, or it the helper's."""
    out: list[PurifyError] = []
    for method in model.methods.values():
        if method.owner is not model or method.kind in (MethodKind.STATIC, MethodKind.CLASS):
            continue
        args = method.node.args
        params = [a for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a]
        for p in params:
            if p.arg in helpers:
                out.append(_helper_error(model, method.origin.filename, method.origin.lines, p, p.arg))
        for n in facts(method.node).of(ast.Name, nested=True):
            if isinstance(n, ast.Name) and n.id in helpers:
                out.append(_helper_error(model, method.origin.filename, method.origin.lines, n, n.id))
                break
    return out


def _helper_error(model: ClassModel, filename: str, lines: list[str], node: ast.AST, name: str) -> PurifyError:
    return error_at(node, filename, HELPER_MSG.format(name=name, cls=model.name), HELPER_HINT.format(name=name),
                    lines)
