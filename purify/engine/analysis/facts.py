"""The nodes of a method, walked once and kept: the checks and analyses iterate these lists
instead of walking the method's tree again (a dozen of them would each walk it).

`own` is the method's own scope in the order of `syntax.walk_own` (nested functions, lambdas
and classes appear, their insides do not); `every` is every node below the method in the order
of `ast.walk`; `parents` maps each node to the one holding it, `statement` each expression to
the innermost statement holding it. The orders are the walks' own,
so a check that reports its first finding reports the same one as before.
"""

from __future__ import annotations

import ast
import dataclasses

from ..syntax import enclosing_loops, walk_own


@dataclasses.dataclass
class MethodFacts:
    own: list[ast.AST]
    every: list[ast.AST]
    parents: dict[ast.AST, ast.AST]
    statement: dict[ast.AST, ast.stmt]
    _loops: dict[ast.AST, frozenset[ast.AST]] | None = None

    @property
    def loops(self) -> dict[ast.AST, frozenset[ast.AST]]:
        """For each node, the loops (for, while, comprehensions) around it."""
        if self._loops is None:
            self._loops = enclosing_loops(self.every[0])
        return self._loops


def facts(fn: ast.FunctionDef) -> MethodFacts:
    """The facts of a method of the user's source (kept on the node: computed once)."""
    kept = fn.__dict__.get("_purify_facts")
    if kept is None:
        every: list[ast.AST] = [fn]
        parents: dict[ast.AST, ast.AST] = {}
        statement: dict[ast.AST, ast.stmt] = {}
        for node in every:  # grows while it is read: ast.walk's order
            holder = node if isinstance(node, ast.stmt) else statement.get(node)
            for child in ast.iter_child_nodes(node):
                parents[child] = node
                if holder is not None and not isinstance(child, ast.stmt):
                    statement[child] = holder
                every.append(child)
        kept = fn.__dict__["_purify_facts"] = MethodFacts(list(walk_own(fn)), every, parents, statement)
    return kept  # type: ignore[no-any-return]
