"""Exceptions nobody wrote: the operations of a method that raise on some values.

A `raise` or `assert` is not the only way out of a method. `self.d[k]` raises `KeyError` when
`k` is missing, `x / n` raises `ZeroDivisionError` when `n` is 0, `int(s)` raises `ValueError`,
and a function purify cannot see into may raise anything. When one of them runs after the
method changed the state and a caller's `try` catches it, Python keeps the changes and the pure
method loses them (passes/exceptions.py refuses that). So the effects analysis counts each of
them as a place the method may raise (`raises` says what, for the message).

Counted, conservatively: subscripts (read or written), division, modulo, floor division and
powers unless the right operand is a constant that cannot fail, `@` (shapes), unpacking a value
that is no display of the same length, attributes of local values (`x.shape` when `x` may be
None), properties that may raise, and every call that does not thread the state, except the
builtins below, which raise only on values of the wrong type. Operators on the state's numbers
and arrays are taken not to raise `TypeError`: that is a bug in every run, not an exception a
handler is written for.
"""

from __future__ import annotations

import ast
import dataclasses

from ..model import Method, MethodKind
from ..syntax import BINDING, LOCALS, arg_names, assigned_names, dotted, is_self
from .facts import facts

SAFE_CALLS = frozenset({"len", "isinstance", "issubclass", "print", "abs", "bool", "str", "repr", "type", "id",
                        "callable", "hasattr", "range", "enumerate", "zip", "reversed", "list", "tuple",
                        "sum", "all", "any", "super"})
_DIVISIONS = (ast.Div, ast.FloorDiv, ast.Mod)


@dataclasses.dataclass(frozen=True)
class Raising:
    """What an operation may raise, for messages: `form` with the text of `node` (shortened) for
    `{}`. Kept as the two, and written out only when a message needs it: most never do."""

    form: str
    node: ast.AST

    def __str__(self) -> str:
        return self.form.format(_short(self.node))


def raises(n: ast.AST, method: Method, self_name: str) -> Raising | None:
    """What `n` (a node of the method's own body, no threading call) may raise, or None."""
    kind = n.__class__  # (the parser's nodes: their classes are exact; this is asked of most nodes)
    if kind is ast.Subscript:
        return Raising("`{}` (KeyError or IndexError)", n)
    if kind is ast.BinOp:
        return _operator(n, n.op, n.right)  # type: ignore[attr-defined]
    if kind is ast.AugAssign:
        return _operator(n, n.op, n.value)  # type: ignore[attr-defined]
    if kind is ast.Call:
        name = dotted(n.func)  # type: ignore[attr-defined]
        if name in SAFE_CALLS:
            return None
        return Raising("the call `{}(...)`, into which purify cannot see", n.func)  # type: ignore[attr-defined]
    if kind is ast.Attribute and n.ctx.__class__ is ast.Load:  # type: ignore[attr-defined]
        return _attribute(n, method, self_name)  # type: ignore[arg-type]
    if kind is ast.Assign and any(isinstance(t, (ast.Tuple, ast.List)) for t in n.targets):  # type: ignore[attr-defined]
        return _unpacking(n)  # type: ignore[arg-type]
    return None


def _operator(n: ast.AST, op: ast.operator, right: ast.expr) -> Raising | None:
    if isinstance(op, ast.MatMult):
        return Raising("`{}` (ValueError on shapes that do not match)", n)
    if isinstance(op, _DIVISIONS) and not _nonzero(right):
        return Raising("`{}` (ZeroDivisionError)", n)
    if isinstance(op, ast.Pow) and not (isinstance(right, ast.Constant) and isinstance(right.value, (int, float))
                                        and right.value >= 0):
        return Raising("`{}` (ZeroDivisionError or OverflowError)", n)
    return None


def _nonzero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value != 0 \
        and not isinstance(node.value, bool)


def _attribute(n: ast.Attribute, method: Method, self_name: str) -> Raising | None:
    if is_self(n.value, self_name):
        target = method.owner.methods.get(n.attr)  # a property of the class that holds the read
        summary = target.summary if target is not None and target.kind == MethodKind.PROPERTY else None
        if summary is not None and summary.raises is not None:
            return Raising("the property `{}`, which may raise", n)
        return None
    root = n.value
    while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name) and root.id in _locals(method):
        return Raising("`{}` (AttributeError)", n)
    return None


def _unpacking(n: ast.Assign) -> Raising | None:
    value = n.value
    for t in n.targets:
        if isinstance(t, (ast.Tuple, ast.List)) and not (
                isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(t.elts)
                and not any(isinstance(e, ast.Starred) for e in (*t.elts, *value.elts))):
            return Raising("the unpacking `{} = ...` (ValueError)", t)
    return None


def _locals(method: Method) -> set[str]:
    """The method's parameters (after self) and the names it binds: values of any type."""
    fn = method.node
    kept = fn.__dict__.get(LOCALS)
    if kept is None:
        names = assigned_names(facts(fn).of(*BINDING)) | set(arg_names(fn))
        if method.kind.has_self and arg_names(fn):
            names.discard(arg_names(fn)[0])
        kept = fn.__dict__[LOCALS] = names
    return kept  # type: ignore[no-any-return]


def _short(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
