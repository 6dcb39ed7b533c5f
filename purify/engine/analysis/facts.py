"""The nodes of a method, walked once and kept: the checks and analyses iterate these lists
instead of walking the method's tree again (a dozen of them would each walk it).

`own` is the method's own scope (nested functions, lambdas and classes appear, their insides do
not) and `every` every node below the method, both in the order of `ast.walk`, so a check
reports what it finds in that order; `parents` maps each node to the one holding it,
`statement` each expression to the innermost statement holding it. `of(ast.Call)` is the own
nodes of some classes, from an index by class made in the same walk: most checks look at one or
two kinds of node, and a loop over every node to find them cost more than the walk.
"""

from __future__ import annotations

import ast
import dataclasses

from ..syntax import FACTS
from ..syntax import SCOPES as _SCOPES
from ..transformer import child_nodes

_LOOPS = (ast.For, ast.While, ast.comprehension)


@dataclasses.dataclass
class MethodFacts:
    own: list[ast.AST]
    every: list[ast.AST]
    parents: dict[ast.AST, ast.AST]
    statement: dict[ast.AST, ast.stmt]
    loops: dict[ast.AST, frozenset[ast.AST]]  # for each node, the loops (for, while, comprehensions) around it
    by_class: dict[type, list[int]]  # node class -> the places in `own` of its nodes
    every_by_class: dict[type, list[int]]  # the same in `every`
    _of: dict[tuple[bool, tuple[type, ...]], tuple[ast.AST, ...]] = dataclasses.field(default_factory=dict)

    def of(self, *kinds: type, nested: bool = False) -> tuple[ast.AST, ...]:
        """The own nodes (`nested`: every node) that are instances of `kinds` (abstract classes
        such as `ast.stmt` too), in the order of `own` (of `every`)."""
        kept = self._of.get((nested, kinds))
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
            self._of[(nested, kinds)] = kept
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


def facts(fn: ast.FunctionDef) -> MethodFacts:
    """The facts of a method of the user's source (kept on the node: computed once)."""
    kept = fn.__dict__.get(FACTS)
    if kept is None:
        every: list[ast.AST] = [fn]
        own: list[ast.AST] = []
        nested: set[ast.AST] = set()  # nested functions, lambdas and classes, and all inside them
        parents: dict[ast.AST, ast.AST] = {}
        statement: dict[ast.AST, ast.stmt] = {}
        loops: dict[ast.AST, frozenset[ast.AST]] = {fn: frozenset()}
        by_class: dict[type, list[int]] = {}
        every_by_class: dict[type, list[int]] = {fn.__class__: [0]}
        for node in every:  # grows while it is read: ast.walk's order
            holder = node if isinstance(node, ast.stmt) else statement.get(node)
            inside = node in nested or (node is not fn and isinstance(node, _SCOPES))
            around = loops[node] | {node} if isinstance(node, _LOOPS) else loops[node]
            for child in child_nodes(node):
                parents[child] = node
                loops[child] = around
                if holder is not None and not isinstance(child, ast.stmt):
                    statement[child] = holder
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
        kept = fn.__dict__[FACTS] = MethodFacts(own, every, parents, statement, loops, by_class, every_by_class)
    return kept  # type: ignore[no-any-return]
