"""The writer: unparses rewritten code, copying what the rewrite left untouched from the user's file.

* Every expression and simple statement that is still the user's node is copied from the
  user's source character for character (quotes, number spellings, line breaks inside
  brackets, f-strings).
* The user's comments go back by original line; single blank lines between statements stay.
* The rest is written by the portable unparser (portable.py), the same on every Python.
* State constructors too long for a line get one field per line.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator
from typing import ClassVar

from ..syntax import dotted
from ..transformer import walk
from .index import Comment, Context, Memo, compound, pos
from .portable import PortableUnparser, _Precedence

WIDTH = 100  # State(...) constructors and merged imports longer than this are written one item per line


class Writer(PortableUnparser):
    """Renders statements; `ctx_for` says which user's lines each top statement comes from."""

    def __init__(self, unit: str = "    ", base: str = "", state_names: frozenset[str] = frozenset(),
                 **_: object) -> None:
        super().__init__()
        self._unit, self._base, self._state_names = unit, base, state_names
        self._ctx: Context | None = None
        self._pending: list[int] = []  # comment ids of the current ctx not yet written, in order
        self._done: set[tuple[int, int]] = set()  # (id(index), comment id)
        self._last = 0  # last original line written in the current ctx
        self._blank = False  # a blank line before the next line
        self._opened = False  # a block was just opened (no blank line there)
        self._no_newline = False  # the next def's blank line was written before its comments
        self._header: list[Comment] = []  # comments for the next block's colon
        self._eol: list[Comment] = []  # comments for the end of the statement being written
        self._flush_block = False  # the next block is an item's body: flush its comments at its end
        self._docstrings: set[int] = set()
        self._memo: Memo = {}  # node -> the user's node it still is
        self.ctx_for: dict[int, Context] = {}  # id(stmt) -> the ctx to write it in
        self.blank_before: set[int] = set()  # id(stmt) with a blank line before it

    def _visit(self, node: ast.AST) -> None:
        """`ast.NodeVisitor.visit`, its method found once per node class (not by name per node)."""
        kind = node.__class__
        method = self._visitors.get(kind)
        if method is None:
            method = self._visitors[kind] = getattr(type(self), "visit_" + kind.__name__, Writer.generic_visit)
        method(self, node)

    # node class -> its visit function (no instance has one of its own)
    _visitors: ClassVar[dict[type, Callable[[Writer, ast.AST], None]]] = {}

    # -- output ------------------------------------------------------------------
    def render(self, node: ast.AST) -> str:
        self._source = []
        self._blank = self._opened = False
        self.traverse(node)
        return "".join(self._source)

    def write(self, *text: str) -> None:
        self._source.extend(text)

    def maybe_newline(self) -> None:
        if self._no_newline:
            self._no_newline = False
        elif self._source and not self._opened:
            self._blank = True

    def fill(self, text: str = "") -> None:
        if self._source:
            self.write("\n")
            if self._blank and not self._opened:
                self.write("\n")
        self._blank = self._opened = False
        self.write(self._base + self._unit * self._indent + text)

    @contextlib.contextmanager
    def block(self, *, extra: str | None = None) -> Iterator[None]:
        flush, self._flush_block = self._flush_block, False
        self.write(":")
        if extra:
            self.write(extra)
        for c in self._header:
            self.write("  " + c.text)
        self._header = []
        self._indent += 1
        self._opened = True
        yield
        if flush:
            self._flush()
        self._indent -= 1

    def _col(self) -> int:
        n = 0
        for part in reversed(self._source):
            if "\n" in part:
                return n + len(part) - part.rindex("\n") - 1
            n += len(part)
        return n

    # -- comments ----------------------------------------------------------------
    @property
    def _context(self) -> Context:
        """The current ctx, where only statements from the user's lines are written."""
        assert self._ctx is not None
        return self._ctx

    def _take(self, cid: int) -> Comment:
        self._done.add((id(self._context.index), cid))
        return self._context.index.comments[cid]

    def _is_done(self, cid: int) -> bool:
        return self._ctx is not None and (id(self._ctx.index), cid) in self._done

    def _open_trailing(self, cid: int) -> bool:
        """A comment after code on its line, not written yet."""
        return not self._context.index.comments[cid].own_line and not self._is_done(cid)

    def _before(self, line: int, is_def: bool, keep: set[int] = frozenset()) -> None:  # type: ignore[assignment]
        """Write the comments above `line`, and a blank line where the source has one; trailing
        comments on the lines in `keep` stay for the code the statement moves up from there."""
        ctx = self._context
        comments = ctx.index.comments
        due = [c for c in self._pending if comments[c].line < line and not self._is_done(c)
               and not (comments[c].line in keep and not comments[c].own_line)]
        self._pending = [c for c in self._pending if c not in due and not self._is_done(c)]
        if due and is_def and self._source and not self._opened:
            self._blank = True
        for cid in due:
            c = self._take(cid)
            if self._last and ctx.index.blank_between(self._last, c.line):
                self._blank = True
            self.fill(c.text)
            self._last = max(self._last, c.line)
        if is_def:
            self._no_newline = bool(due) and not (self._last and ctx.index.blank_between(self._last, line))
        elif self._last and ctx.index.blank_between(self._last, line):
            self._blank = True

    def _trailing(self, first: int, last: int) -> None:
        """Comments after the code on lines first..last, at the end of the line just written."""
        ctx = self._context
        for cid in list(self._pending):
            if first <= ctx.index.comments[cid].line <= last and self._open_trailing(cid):
                self.write("  " + self._take(cid).text)

    def _flush(self) -> None:
        """The comments of the current ctx not written yet."""
        for cid in self._pending:
            if not self._is_done(cid):
                self.fill(self._take(cid).text)
        self._pending = []

    def _consume(self, node: ast.AST) -> None:
        """Comments inside a segment copied from the source went with it."""
        ctx = self._context
        l1, c1, l2, c2 = pos(node)
        if l1 == l2:
            return
        for cid in self._pending:
            c = ctx.index.comments[cid]
            if (l1, c1) < (c.line, c.col) < (l2, c2):
                self._done.add((id(ctx.index), cid))

    # -- statements --------------------------------------------------------------
    def traverse(self, node: ast.AST | list) -> None:  # type: ignore[override]
        if isinstance(node, list):
            for item in node:
                self.traverse(item)
            return
        ctx = self.ctx_for.get(id(node))
        if ctx is not None:
            self._in_context(ctx, node)
            return
        if isinstance(node, ast.stmt):
            self._stmt(node)
            return
        if isinstance(node, ast.expr) and self._ctx is not None and self._segments:
            orig = self._ctx.index.original(node, self._memo)
            if orig is not None and not isinstance(node, ast.Slice) and not (
                    isinstance(node, ast.Tuple) and id(node) not in self._slices
                    and any(isinstance(e, ast.Slice) for e in node.elts)):
                self._segment(node, self._ctx.index.segment(orig))
                return
        self._visit(node)

    def _in_context(self, ctx: Context, node: ast.AST) -> None:
        """A top statement with the comments of its user's lines (the rest of them at its end)."""
        saved = (self._ctx, self._pending, self._last)
        self._ctx, self._pending, self._last = ctx, ctx.comments(), ctx.lo
        try:
            self._flush_block = isinstance(node, (ast.FunctionDef, ast.ClassDef))
            self._stmt(node)  # type: ignore[arg-type]
            self._flush()
        finally:
            self._ctx, self._pending, self._last = saved

    def _stmt(self, node: ast.stmt) -> None:
        if id(node) in self.blank_before and self._source:
            self._blank = True
        ctx = self._ctx
        if ctx is None or getattr(node, "end_lineno", None) is None:
            self._visit(node)
            return
        is_def = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", []) if hasattr(d, "lineno")])
        self._before(first, is_def, self._moved_up_lines(node, first))
        if compound(node):
            self._compound(node)
        else:
            self._simple(node)

    def _moved_up_lines(self, node: ast.stmt, first: int) -> set[int]:
        """Code moved up from later lines (a folded `self.x = v  # why`) takes its trailing
        comments along: the lines it comes from."""
        ctx = self._context
        if compound(node) or not any(ctx.index.comments[c].line < first and self._open_trailing(c)
                                     for c in self._pending):
            return set()
        return {n.end_lineno for n in walk(node) if isinstance(n, ast.expr) and n is not node  # type: ignore[misc]
                and getattr(n, "end_lineno", None) is not None and n.end_lineno < first
                and ctx.index.user_node(n) is not None}

    def _simple(self, node: ast.stmt) -> None:
        ctx = self._context
        if ctx.index.original(node, self._memo) is not None:
            self.fill(ctx.index.segment(node))
            self._consume(node)
        else:
            self._visit(node)
        if pos(node) in ctx.index.simple:
            self._trailing(node.lineno, node.end_lineno)  # type: ignore[arg-type]
            self._last = max(self._last, node.end_lineno)  # type: ignore[arg-type]
        for c in self._eol:
            self.write("  " + c.text)
        self._eol = []

    def _compound(self, node: ast.stmt) -> None:
        """The header's trailing comments go after its colon."""
        ctx = self._context
        user = ctx.index.user_node(node)
        body = getattr(user, "body", None) or []  # the user's statement: the rewrite may move its body
        header_end = body[0].lineno - 1 if body else node.lineno
        if user is not None:
            comments = ctx.index.comments
            self._header = [self._take(c) for c in self._pending
                            if node.lineno <= comments[c].line <= header_end and self._open_trailing(c)]
            self._last = max(self._last, header_end)
        self._visit(node)

    def _write_docstring_and_traverse_body(self, node: ast.AST) -> None:
        if self.get_raw_docstring(node) is not None:
            self._docstrings.add(id(node.body[0]))  # type: ignore[attr-defined]
        self.traverse(node.body)  # type: ignore[attr-defined]

    def visit_Expr(self, node: ast.Expr) -> None:
        if id(node) in self._docstrings:
            self._write_docstring(node.value)
        else:
            super().visit_Expr(node)

    # -- expressions -------------------------------------------------------------
    def _is_original(self, node: ast.AST) -> bool:
        return self._ctx is not None and self._segments and self._ctx.index.original(node, self._memo) is not None

    def _segment(self, node: ast.expr, text: str) -> None:
        """The user's text of `node`, in parentheses where its place needs them."""
        own = _own_precedence(self, node, text)
        parens = own is None or self.get_precedence(node) > own
        if not parens and "\n" in text:
            try:
                ast.parse(text, mode="eval")
            except SyntaxError:
                parens = True
        self.write(f"({text})" if parens else text)
        self._consume(node)

    def _quote_of(self, node: ast.JoinedStr) -> str:
        ctx = self._ctx
        orig = ctx.index.user_node(node) if ctx is not None else None
        if orig is None:
            return "'"
        text = ctx.index.segment(orig).lstrip("fFrRbBuU")  # type: ignore[union-attr]
        return text[:3] if text[:3] in ("'''", '"""') else text[:1] if text[:1] in "'\"" else "'"

    def visit_Call(self, node: ast.Call) -> None:
        """State constructors too long for a line get one field per line (with its comment)."""
        if dotted(node.func) not in self._state_names or node.args or not node.keywords:
            super().visit_Call(node)
            return
        with self._buffered() as flat:
            super().visit_Call(node)
        notes = [self._value_comments(k.value) for k in node.keywords]
        text = "".join(flat)
        eol = sum(len(self._ctx.index.comments[c].text) + 2 for cids in notes for c in cids) if self._ctx else 0
        if "\n" not in text and self._col() + len(text) + eol <= WIDTH and sum(map(bool, notes)) <= 1:
            self.write(text)
            self._eol += [self._take(cid) for cids in notes for cid in cids]  # after the statement
            return
        inner = self._base + self._unit * (self._indent + 1)
        self.write(dotted(node.func) or "", "(")
        for kw, cids in zip(node.keywords, notes):
            self.write("\n", inner)
            self.traverse(kw)
            self.write(",")
            for cid in cids:
                self.write("  " + self._take(cid).text)
        self.write("\n", self._base + self._unit * self._indent, ")")

    def _value_comments(self, value: ast.expr) -> list[int]:
        """Trailing comments on the last line of an original value (a folded `self.x = v  # why`)."""
        ctx = self._ctx
        if ctx is None or getattr(value, "end_lineno", None) is None or ctx.index.user_node(value) is None:
            return []
        return [c for c in self._pending if ctx.index.comments[c].line == value.end_lineno  # type: ignore[attr-defined]
                and self._open_trailing(c)]


def _own_precedence(w: Writer, node: ast.expr, text: str) -> object | None:
    """How tightly the copied text binds; None: always parenthesise it."""
    P = _Precedence
    if isinstance(node, ast.BinOp):
        return w.binop_precedence[w.binop[type(node.op).__name__]]
    if isinstance(node, ast.BoolOp):
        return w.boolop_precedence[w.boolops[type(node.op).__name__]]
    if isinstance(node, ast.UnaryOp):
        return w.unop_precedence[w.unop[type(node.op).__name__]]
    if isinstance(node, ast.Compare):
        return P.CMP
    if isinstance(node, (ast.IfExp, ast.Lambda)):
        return P.TEST
    if isinstance(node, ast.NamedExpr):
        return None
    if isinstance(node, ast.Await):
        return P.AWAIT
    if isinstance(node, (ast.Yield, ast.YieldFrom)):
        return P.YIELD
    if isinstance(node, ast.Tuple):
        return P.ATOM if text.startswith("(") and text.endswith(")") else P.TUPLE
    if isinstance(node, ast.GeneratorExp):
        return P.ATOM if text.startswith("(") else None
    return P.ATOM
