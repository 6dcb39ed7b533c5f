"""The nodes of a method, walked once and kept: the checks and analyses iterate these lists
instead of walking the method's tree again (a dozen of them would each walk it).

`own` is the method's own scope (nested functions, lambdas and classes appear, their insides do
not) and `every` every node below the method, both in the order of `ast.walk`, so a check
reports what it finds in that order; `parents` maps each node to the one holding it, and from
these, when first asked, `statement` each expression to the innermost statement holding it and
`loops` each node to the loops around it (few methods need them). `of(ast.Call)` is the own
nodes of some classes, from an index by class made in the same walk: most checks look at one or
two kinds of node, and a loop over every node to find them cost more than the walk.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable
from typing import Any

from ..syntax import FACTS
from ..syntax import SCOPES as _SCOPES
from ..transformer import child_nodes

_LOOPS = (ast.For, ast.While, ast.comprehension)


@dataclasses.dataclass
class MethodFacts:
    own: list[ast.AST]
    every: list[ast.AST]
    parents: dict[ast.AST, ast.AST]
    by_class: dict[type, list[int]]  # node class -> the places in `own` of its nodes
    every_by_class: dict[type, list[int]]  # the same in `every`
    _of: dict[tuple[type, ...], tuple[ast.AST, ...]] = dataclasses.field(default_factory=dict)  # own nodes by kinds
    _of_every: dict[tuple[type, ...], tuple[ast.AST, ...]] = dataclasses.field(default_factory=dict)
    _loops: dict[ast.AST, frozenset[ast.AST]] | None = None
    _statement: dict[ast.AST, ast.stmt] | None = None

    @property
    def statement(self) -> dict[ast.AST, ast.stmt]:
        """For each expression, the innermost statement holding it: found when first asked."""
        kept = self._statement
        if kept is None:
            # each node's holder: the innermost statement above it (the method's own node for the method)
            found: dict[ast.AST, ast.stmt] = {self.every[0]: self.every[0]}  # type: ignore[dict-item]
            parents = self.parents
            for node in self.every[1:]:
                parent = parents[node]
                if parent not in found:  # (see `_down`)
                    self._down(found, parent, _statement_step)
                found[node] = _statement_step(parent, found[parent])
            kept = self._statement = {n: s for n, s in found.items() if n.__class__ not in _STATEMENTS}
        return kept

    def _down(self, kept: dict[ast.AST, Any], node: ast.AST, step: Callable[[ast.AST, Any], Any]) -> None:
        """`kept[node] = step(parent, kept[parent])`, the parents first. (A parent comes before its
        children in the walk's order, but a node the desugaring shares has the parent it was seen
        under last, which may come later.)"""
        chain = []
        while node not in kept:
            chain.append(node)
            node = self.parents[node]
        for n in reversed(chain):
            parent = self.parents[n]
            kept[n] = step(parent, kept[parent])

    @property
    def loops(self) -> dict[ast.AST, frozenset[ast.AST]]:
        """For each node, the loops (for, while, comprehensions) around it: found when first asked
        (two checks ask, for few methods)."""
        kept = self._loops
        if kept is None:
            kept = self._loops = {self.every[0]: frozenset()}
            parents = self.parents
            for node in self.every[1:]:
                parent = parents[node]
                if parent not in kept:  # (see `_down`)
                    self._down(kept, parent, _loops_step)
                kept[node] = _loops_step(parent, kept[parent])
        return kept

    def of(self, *kinds: type, nested: bool = False) -> tuple[ast.AST, ...]:
        """The own nodes (`nested`: every node) that are instances of `kinds` (abstract classes
        such as `ast.stmt` too), in the order of `own` (of `every`)."""
        found = self._of_every if nested else self._of
        kept = found.get(kinds)
        if kept is None:
            index, nodes = (self.every_by_class, self.every) if nested else (self.by_class, self.own)
            classes = _CLASSES.get(kinds)
            if classes is None:
                classes = _CLASSES[kinds] = _subclasses(kinds)
            places = [p for c, p in index.items() if c in classes]
            if not places:
                kept = ()
            else:
                order = places[0] if len(places) == 1 else sorted(i for p in places for i in p)
                kept = tuple(nodes[i] for i in order)
            found[kinds] = kept
        return kept

    def around(self, nodes: list[ast.AST]) -> dict[ast.AST, bool]:
        """For every node of the method: does it hold one of `nodes` (or is it one)? What a
        pass that rewrites only `nodes` reads to leave the rest of its copy unvisited."""
        out = dict.fromkeys(self.parents, False)
        for n in nodes:
            while n is not None and not out.get(n, False):
                out[n] = True
                n = self.parents.get(n)  # type: ignore[assignment]
        return out


def _loops_step(parent: ast.AST, above: frozenset[ast.AST]) -> frozenset[ast.AST]:
    return above | {parent} if isinstance(parent, _LOOPS) else above


def _statement_step(parent: ast.AST, above: ast.stmt) -> ast.stmt:
    return parent if parent.__class__ in _STATEMENTS else above  # type: ignore[return-value]


_CLASSES: dict[tuple[type, ...], frozenset[type]] = {}  # the kinds asked of `MethodFacts.of` -> their node classes


def _subclasses(kinds: tuple[type, ...]) -> frozenset[type]:
    """Every class of node that is one of `kinds` (an abstract kind, `ast.stmt`, stands for its subclasses)."""
    out: set[type] = set()
    todo = list(kinds)
    while todo:
        kind = todo.pop()
        out.add(kind)
        todo += kind.__subclasses__()
    return frozenset(out)


_STATEMENTS = _subclasses((ast.stmt,))


def facts(fn: ast.FunctionDef) -> MethodFacts:
    """The facts of a method of the user's source (kept on the node: computed once)."""
    kept = fn.__dict__.get(FACTS)
    if kept is None:
        every: list[ast.AST] = [fn]
        own: list[ast.AST] = []
        nested: set[ast.AST] = set()  # nested functions, lambdas and classes, and all inside them
        parents: dict[ast.AST, ast.AST] = {}
        by_class: dict[type, list[int]] = {}
        every_by_class: dict[type, list[int]] = {fn.__class__: [0]}
        for node in every:  # grows while it is read: ast.walk's order
            inside = node in nested or (node is not fn and isinstance(node, _SCOPES))
            for child in child_nodes(node):
                parents[child] = node
                if inside:
                    nested.add(child)
                else:
                    places = by_class.get(child.__class__)
                    if places is None:
                        places = by_class[child.__class__] = []
                    places.append(len(own))
                    own.append(child)
                places = every_by_class.get(child.__class__)
                if places is None:
                    places = every_by_class[child.__class__] = []
                places.append(len(every))
                every.append(child)
        kept = fn.__dict__[FACTS] = MethodFacts(own, every, parents, by_class, every_by_class)
    return kept  # type: ignore[no-any-return]
