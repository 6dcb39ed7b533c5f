"""What every rewrite pass shares: the class model, the method, fresh names, errors."""

from __future__ import annotations

import ast
from typing import Any

from ...errors import PurifyError, error_at
from .. import templates
from ..analysis.calls import OTHER, Callee
from ..analysis.facts import facts
from ..analysis.names import Namer, SecondName
from ..model import ClassModel, Field, Method, Resolver
from ..syntax import Link, all_names, origin
from ..transformer import Transformer


class Focused(Transformer):
    """A pass that rewrites only some nodes of the user's method (`around`: facts.around of them)
    leaves a copy of any other node of it as it is, unvisited: the passes before it build each
    replacement from the node's own parts, so what a copy holds is what its node holds. New nodes
    (no `origin`) are visited."""

    around: dict[ast.AST, bool]

    def generic_visit(self, node: Any) -> Any:
        if self.around.get(origin(node), True) is False:
            return node
        return super().generic_visit(node)


class MethodContext:
    """One method being rewritten for one class (inherited methods are rewritten per class)."""

    def __init__(self, model: ClassModel, method: Method, resolver: Resolver, fn: ast.FunctionDef) -> None:
        self.model, self.method, self.resolver, self.fn = model, method, resolver, fn
        self.self_name = method.first_param or "self"
        self._taken: set[str] | None = None  # the names fresh ones must avoid, found at the first one
        self._counter = 0
        self.in_place: list[Any] = []  # aliasing.InPlace sites, for the decorator to check at init
        self.helpers: set[str] = set()  # the runtime helpers (runtime/helpers.py) the rewritten code calls
        self.sites: list[Any] = []  # partial_state.CallSite of each call that threads the state

    # -- names -------------------------------------------------------------------
    def _used(self) -> set[str]:
        """Every name of the user's method, the class's and its State's, and the fresh ones made."""
        if self._taken is None:
            self._taken = all_names(facts(self.method.node).every) | {self.model.name, self.model.state_name}
        return self._taken

    def fresh(self, stem: str) -> str:
        """A new local name that the user's code does not use."""
        while True:
            self._counter += 1
            name = f"_{stem}{self._counter}"
            if name not in self._used():
                self._used().add(name)
                return name

    def fresh_named(self, name: str) -> str:
        """`name` itself if the user's code does not use it, else `name` with a number."""
        if name not in self._used():
            self._used().add(name)
            return name
        return self.fresh(name.lstrip("_"))

    def second_names(self) -> list[SecondName]:
        """The names the method binds to values that may hold state objects (analysis/names.py),
        found once for the checks that read them (the method and the class do not change)."""
        kept = self.__dict__.get("_second_names")
        if kept is None:
            kept = self.__dict__["_second_names"] = Namer(self.model, self.resolver).second_names(self.method)
        return kept  # type: ignore[no-any-return]

    def holds(self, *types: type) -> bool:
        """Does the user's method hold a node of one of `types`? (From the kept facts: no walk.)"""
        return bool(facts(self.method.node).of(*types))

    def cls_expr(self) -> ast.expr:
        return ast.Name(self.model.name, ast.Load())

    def self_load(self) -> ast.Name:
        return ast.Name(self.self_name, ast.Load())

    # -- facts -------------------------------------------------------------------
    def field(self, attr: str) -> Field | None:
        return self.model.fields.get(attr)

    def method_named(self, name: str) -> Method | None:
        return self.model.methods.get(name)

    def callee(self, call: ast.Call) -> Callee:
        """What `call` (of the user's method, or of its rewritten copy) runs: the analysis's answer."""
        return self.method.callees.get(id(origin(call)), OTHER)

    def load_chain(self, links: list[Link]) -> ast.expr:
        """`self.<links>` as a load, attributes as written (the names pass renames them)."""
        node: ast.expr = self.self_load()
        for kind, key, _ in links:
            if kind == "attr":
                node = ast.Attribute(node, str(key), ast.Load())
            else:
                assert isinstance(key, ast.expr)
                node = ast.Subscript(node, key, ast.Load())
        return node

    def _is_child_state(self, prefix: list[Link]) -> bool:
        f = self.field(str(prefix[0][1]))
        if f is None:
            return False
        if len(prefix) == 1:
            return f.child is not None
        return f.children and len(prefix) == 2 and prefix[1][0] == "item"

    def error(self, node: ast.AST, msg: str, hint: str = "") -> PurifyError:
        return error_at(node, self.method.origin.filename, msg, hint, self.method.origin.lines)


class StatementPass:
    """A pass that maps each statement to a list of statements."""

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        if stmts and not out:  # every statement dropped (`if c: self.x: int`): a body cannot be empty
            out = [ast.copy_location(ast.Pass(), stmts[0])]
        return out

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        raise NotImplementedError


def rewrite_inner_blocks(rewriter: Any, s: ast.stmt) -> None:
    """Give every block of a compound statement (bodies, `else`, `finally`, handlers, cases)
    to `rewriter.block`, in place."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(s, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(s, name, rewriter.block(block))
    for part in [*getattr(s, "handlers", []), *getattr(s, "cases", [])]:
        part.body = rewriter.block(part.body)


def lower_exit_if(lowerer: Any, s: ast.If, rest: list[ast.stmt], flag: str) -> list[ast.stmt]:
    """An `if` holding an exit (`return`, `break`, `continue`) lowered to a flag: its blocks
    lowered, and the statements after it run only while `flag` is unset (AutoGraph's form)."""
    s.body = lowerer.block(s.body)
    s.orelse = lowerer.block(s.orelse) if s.orelse else []
    out: list[ast.stmt] = [s]
    after = lowerer.block(rest)
    if after:
        # located at the `if` that exits: the guard's refusals (a traced `_if` whose branches differ,
        # a `raise` in the rest) are about leaving there, not about the statement after it
        guard = templates.stmts(f"if {flag}:\n    pass\nelse:\n    pass", s)[0]
        assert isinstance(guard, ast.If)
        guard.orelse = after
        out.append(guard)
    return out
