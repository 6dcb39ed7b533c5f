"""Loops over children in the calls pass: `for layer in self.layers:` (and slices, `zip`,
`enumerate`, `reversed`, `.items()` of a dict of children, analysis/loops.py) whose body calls
the loop variable. Each child's new state is threaded back to the item it came from, by its key;
any other iteration over children whose items are called is refused (they would be States).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .. import templates
from ..analysis.loops import LoopChild, keys_of, loop_children
from ..syntax import Link, clone, dotted, self_chain
from ..transformer import Transformer, walk, walk_statements
from .base import MethodContext
from .call_plans import Planner

CHILDREN_LOOP_MSG = ("purify threads the state of a list of children only through a loop over the field itself: "
                     "`for x in self.{f}:`, a slice of it (`self.{f}[1:]`), `reversed(...)`, `enumerate(...)`, "
                     "`zip(...)`, or `.values()`/`.items()` of a dict of children")
CHILDREN_LOOP_HINT = ("loop over self.{f} itself (skip items with `if`/`continue`), or call one child by index: "
                      "self.{f}[i](x)")


class ChildrenLoops:
    """The `for` statements of one method, for the calls pass (`block` rewrites a body)."""

    def __init__(self, ctx: MethodContext, planner: Planner, block: Callable[[list[ast.stmt]], list[ast.stmt]]) -> None:
        self.ctx, self.planner, self.plan, self.block = ctx, planner, planner.plan, block

    def rewrite(self, s: ast.For) -> None:
        """A loop over children (analysis/loops.py: `for layer in self.layers[:-1]:`,
        `zip(self.layers, self.norms)`, `self.heads.items()`, ...) with calls on a loop variable:
        thread each child's state back to the item it came from, by its key."""
        found = loop_children(self.ctx.model.fields, s.iter, s.target, self.ctx.self_name)
        # a loop variable only read is stale too when the body changes its item by another name
        if found and not any(self._calls_name(s.body, c.var) for c in found) \
                and not self._changes_state_otherwise(s.body, ""):
            found = []
        if not found:
            self._refuse_children_loop(s)
            s.body, s.orelse = self.block(s.body), self.block(s.orelse)
            return
        saved = dict(self.planner.loop_children)
        first: list[ast.stmt] = []
        for c in found:  # every variable first: a call on one may change the item another names
            chain = self_chain(c.source.base, self.ctx.self_name)
            assert chain is not None
            self.planner.loop_children[c.var] = (self._key_each(s, c), chain)
        for c in found:
            key, chain = self.planner.loop_children[c.var]
            # `var` is the child as it is now, not as it was when the loop began: the loop (an earlier
            # iteration, or this one) may change it by another name (`self.layers[1](x)`), and Python's
            # loop variable is the object itself. Each use of it reads the item.
            item = ast.Subscript(self.ctx.load_chain(chain), ast.Name(key, ast.Load()), ast.Load())
            if c.var not in _bound_in(s.body) and self._changes_state_otherwise(s.body, c.var):
                _ReadItem(c.var, item).visit(ast.Module(body=s.body, type_ignores=[]))
            elif c.var in _bound_in(s.body):  # the body rebinds it: the item as it is when each iteration begins
                first += templates.stmts("var = item", s, var=c.var, item=item)
            # else only `var`'s own calls change the state: it stays current
        s.body = first + self.block(s.body)
        self.planner.loop_children = saved
        s.orelse = self.block(s.orelse)

    def _key_each(self, s: ast.For, c: LoopChild) -> str:
        """Make the loop bind the key of each item `c` names too, and return that key's name:
        `for _i, layer in enumerate(self.layers)` for a plain loop over a list (the user's own index
        when it is `enumerate`'s and stays unchanged), `zip(<keys>, <items>)` for the other forms."""
        it, plain = s.iter, not c.source.field.keyed and c.source.node is c.source.base
        if plain and c.target is s.target:
            key = self.ctx.fresh("i")
            s.target = _store(templates.expr("(index, var)", s.target, index=key, var=c.var))
            s.iter = templates.expr("enumerate(it)", s.iter, it=s.iter)
            return key
        if (plain and isinstance(it, ast.Call) and dotted(it.func) == "enumerate" and it.args
                and it.args[0] is c.source.node and not it.keywords
                and isinstance(s.target, ast.Tuple) and s.target.elts[1] is c.target
                and isinstance(s.target.elts[0], ast.Name) and s.target.elts[0].id not in _bound_in(s.body)):
            return s.target.elts[0].id  # `for i, layer in enumerate(self.layers)`, `i` unchanged
        key = self.ctx.fresh("i")
        keyed = templates.expr("zip(keys, items)", c.source.node, keys=keys_of(c.source), items=c.source.node)
        pair = _store(templates.expr("(key, var)", c.target, key=key, var=c.target))
        s.iter = _Replace(c.source.node, keyed).visit(s.iter)
        s.target = _Replace(c.target, pair).visit(s.target)
        return key

    def _children_chain(self, it: ast.expr) -> list[Link] | None:
        """`self.layers` when it holds a sequence of children."""
        chain = self_chain(it, self.ctx.self_name)
        if not chain or len(chain) != 1 or chain[0][0] != "attr":
            return None
        f = self.ctx.field(str(chain[0][1]))
        return chain if f is not None and f.children else None

    def _refuse_children_loop(self, s: ast.For) -> None:
        """Calling the items of any other iteration over children would call their States."""
        names = [n.id for n in walk(s.target) if isinstance(n, ast.Name)]
        if not any(self._calls_name(s.body, v) for v in names):
            return
        for n in walk(s.iter):
            if isinstance(n, (ast.Attribute, ast.Subscript)) and self._children_chain(n) is not None:
                f = self_chain(n, self.ctx.self_name)[0][1]  # type: ignore[index]
                raise self.ctx.error(s.iter, CHILDREN_LOOP_MSG.format(f=f), CHILDREN_LOOP_HINT.format(f=f))

    def _changes_state_otherwise(self, body: list[ast.stmt], var: str) -> bool:
        """Does a call in `body` other than one on `var` change the state (and so perhaps the
        item `var` stands for: `self.layers[1](x)`, an own method that calls the children, a loop
        over children nested in the body, whose items may be the one `var` names)?"""
        inner = self._inner_loop_vars(body) - {var}
        for n in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(n, ast.Call):
                f = n.func.value if isinstance(n.func, ast.Attribute) else n.func
                if isinstance(f, ast.Name) and f.id in inner:
                    return True  # (the planner knows an inner loop's variables only while it rewrites that loop)
                plan = None if isinstance(f, ast.Name) and f.id == var else self.plan(n)
                if plan is not None and plan.writes:  # the call itself, not its arguments
                    return True
            elif isinstance(n, ast.Attribute) and self.planner.plan_read(n) is not None:
                return True  # a caching property's body runs there, and may call the items
        return False

    def _inner_loop_vars(self, body: list[ast.stmt]) -> set[str]:
        """The variables of the loops over children nested in `body`."""
        return {c.var for n in walk_statements(ast.Module(body=body, type_ignores=[])) if isinstance(n, ast.For)
                for c in loop_children(self.ctx.model.fields, n.iter, n.target, self.ctx.self_name)}

    @staticmethod
    def _calls_name(body: list[ast.stmt], var: str) -> bool:
        for n in walk(ast.Module(body=body, type_ignores=[])):
            if isinstance(n, ast.Call):
                f = n.func.value if isinstance(n.func, ast.Attribute) else n.func
                if isinstance(f, ast.Name) and f.id == var:
                    return True
        return False


class _Replace(Transformer):
    """One node (by identity) becomes another."""

    def __init__(self, old: ast.AST, new: ast.expr) -> None:
        self.old, self.new = old, new

    def visit(self, node: ast.AST) -> ast.AST:
        return self.new if node is self.old else super().visit(node)


def _store(node: ast.expr) -> ast.expr:
    """A loop target built from loads: every name and tuple in it stores."""
    for n in walk(node):
        if isinstance(n, (ast.Name, ast.Tuple, ast.List)):
            n.ctx = ast.Store()
    return node


class _ReadItem(Transformer):
    """Loads of a loop variable over children become reads of the item (`self.layers[i]`)."""

    def __init__(self, var: str, item: ast.expr) -> None:
        self.var, self.item = var, item

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if node.id == self.var and isinstance(node.ctx, ast.Load):
            return templates.located(clone(self.item), node)
        return node


def _bound_in(body: list[ast.stmt]) -> set[str]:
    return {n.id for n in walk(ast.Module(body=body, type_ignores=[]))
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}
