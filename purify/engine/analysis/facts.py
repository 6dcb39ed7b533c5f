"""The nodes of a method, walked once and kept: the checks and analyses iterate these lists
instead of walking the method's tree again (a dozen of them would each walk it).

`own` is the method's own scope (nested functions, lambdas and classes appear, their insides do
not) and `every` every node below the method, both in the order of `ast.walk`, so a check
reports what it finds in that order; `parents` maps each node to the one holding it,
`statement` each expression to the innermost statement holding it.
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

    def around(self, nodes: list[ast.AST]) -> dict[ast.AST, bool]:
        """For every node of the method: does it hold one of `nodes` (or is it one)? What a
        pass that rewrites only `nodes` reads to leave the rest of its copy unvisited."""
        out = dict.fromkeys(self.parents, False)
        for n in nodes:
            while n is not None and not out.get(n, False):
                out[n] = True
                n = self.parents.get(n)  # type: ignore[assignment]
        return out


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
                    own.append(child)
                every.append(child)
        kept = fn.__dict__[FACTS] = MethodFacts(own, every, parents, statement, loops)
    return kept  # type: ignore[no-any-return]
