"""Where the new state of each generated call goes: the table an eager instance reads when a
method raises (runtime/partial.py puts the state back together from it).

Python keeps every change a method made before an exception escaped it. The pure function hands
back no state when it raises, but its frames still hold it: every generated function keeps the
state in its local `self` (each change is `self = self._replace(...)` or
`out, self = Other.m(self, ...)`), branch functions and loop bodies take and return the whole
state, and a child's method gets its part of it. Which part is known here, never guessed: the
calls pass records, for each call that threads the state, the place its plan writes the new state
back to, under the position of the generated call (the user's call's, which it keeps):

    _r1, _c2 = Kid.bump(self.kids[i], k)     ->   CallSite(at, PATH, (kids, key "i"))
    self = self._replace(kids=_setitem(self.kids, i, _c2))

Nothing here runs on a call that returns: the table is read only after an exception.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
from collections.abc import Iterable

from .model import ClassModel, field_name
from .syntax import arg_names

Position = tuple[int, int, int, int]  # lineno, end_lineno, col_offset, end_col_offset (co_positions' order)


class Placement(enum.Enum):
    """Where the state of a called pure function goes in the caller's."""

    WHOLE = "whole"  # an own method, super(), `purify.grad(self.loss)`: the callee's state is the caller's
    PATH = "path"  # a child's method: at a path of the caller's state (`self.kid`, `self.kids[i]`)
    LOCAL = "local"  # a method of a local copy (`r = copy.copy(self)`): Python drops it with the copy
    UNKNOWN = "unknown"  # no faithful place (`why` says why): the instance keeps its state, with a warning


@dataclasses.dataclass(frozen=True)
class PathStep:
    """One step into the caller's state: a field, or the key of an item (its source, read in the
    caller's frame: a constant, a local such as a loop's index, `self.<field>`)."""

    field: str | None = None
    key: str | None = None


@dataclasses.dataclass(frozen=True)
class CallSite:
    at: Position
    placement: Placement
    path: tuple[PathStep, ...] = ()
    why: str = ""


@dataclasses.dataclass
class MethodFrames:
    """The table of one pure method: its call sites by position, and the names of the functions
    the user nested in it (any other named function nested in the generated one is a branch of a
    converted `if` or a loop body, which holds the method's `self`)."""

    self_name: str
    sites: dict[Position, CallSite] = dataclasses.field(default_factory=dict)
    user_functions: frozenset[str] = frozenset()

    def add(self, site: CallSite) -> None:
        known = self.sites.get(site.at)
        if known is not None and known != site:  # one position, two places: none is faithful
            site = CallSite(site.at, Placement.UNKNOWN, why="two calls at one position")
        self.sites[site.at] = site


# A key is read again in the caller's frame after the exception: only expressions whose
# evaluation runs none of the user's code (names, constants, fields, arithmetic, `len`).
_KEY_NODES = (ast.Name, ast.Constant, ast.Attribute, ast.Subscript, ast.UnaryOp, ast.BinOp, ast.Tuple, ast.Load,
              ast.unaryop, ast.operator, ast.Call)
KEY_WHY = "the key of the child, {key}, cannot be read again without running code"


def position(node: ast.AST) -> Position:
    return (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)  # type: ignore[attr-defined,return-value]


def site_of(model: ClassModel, self_name: str, call: ast.expr, writeback: list[ast.expr]) -> CallSite:
    """The site of a generated call whose new state goes to `writeback` (the plan's targets:
    `self`, `self.kid`, `self.kids[i]`, a loop variable and its item)."""
    target = next((t for t in writeback if not isinstance(t, ast.Name)), None)
    if target is None:
        local = all(t.id != self_name for t in writeback if isinstance(t, ast.Name))
        return CallSite(position(call), Placement.LOCAL if local else Placement.WHOLE)
    steps: list[PathStep] = []
    node = target
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Attribute):
            steps.append(PathStep(field=field_name(node.attr)))
        else:
            key = _key_source(model, self_name, node.slice)
            if key is None:
                return CallSite(position(call), Placement.UNKNOWN, why=KEY_WHY.format(key=ast.unparse(node.slice)))
            steps.append(PathStep(key=key))
        node = node.value
    return CallSite(position(call), Placement.PATH, tuple(reversed(steps)))


def local_site(call: ast.expr) -> CallSite:
    return CallSite(position(call), Placement.LOCAL)


def _key_source(model: ClassModel, self_name: str, key: ast.expr) -> str | None:
    """The key's source with the State's field names (`self._j` -> `self.j_`), or None when
    reading it runs code."""
    for n in ast.walk(key):
        if not isinstance(n, _KEY_NODES) or isinstance(n, ast.Call) and not (
                isinstance(n.func, ast.Name) and n.func.id == "len" and len(n.args) == 1 and not n.keywords):
            return None
    renamed = _FieldNames(self_name).visit(_copy(key))
    return ast.unparse(renamed)


def _copy(node: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(node), mode="eval").body


class _FieldNames(ast.NodeTransformer):
    def __init__(self, self_name: str) -> None:
        self.self_name = self_name

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.value, ast.Name) and node.value.id == self.self_name:
            node.attr = field_name(node.attr)
        return node


def user_functions(nodes: Iterable[ast.AST]) -> frozenset[str]:
    """The names of the functions the user nested in the method (`nodes`: its kept facts): every
    other function nested in the generated one is the passes' (fresh names), and holds `self`."""
    return frozenset(n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


def frames_for(method_node: ast.FunctionDef) -> MethodFrames:
    names = arg_names(method_node)
    return MethodFrames(names[0] if names else "self")
