"""The user's file as the CLI emitter reads it: its lines, its nodes by position, its comments.

The writer asks it whether a node of the rewritten tree is still the user's node (then the
user's text is copied) and which comments belong where.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import hashlib
import io
import re
import sys
import tokenize

from ..model import Origin
from ..static_resolver import split_lines
from ..transformer import walk

Position = tuple[int, int, int, int]  # lineno, col_offset, end_lineno, end_col_offset
Memo = dict[int, tuple[ast.AST, "ast.AST | None"]]  # id(node) -> (node, the user's node it still is)


@dataclasses.dataclass
class Comment:
    line: int
    col: int  # byte offset, like ast's col_offset
    text: str
    own_line: bool  # nothing but whitespace before it


class SourceIndex:
    """One file's text, its nodes by position and its comments."""

    def __init__(self, text: str, filename: str = "<unknown>", tree: ast.Module | None = None) -> None:
        self.lines = split_lines(text)
        self.blines = [line.encode("utf-8") for line in self.lines]
        self.nodes: dict[tuple, ast.AST] = {}
        self.simple: set[Position] = set()  # positions of the simple statements
        parsed = tree is not None
        if tree is None:
            try:
                tree = ast.parse(text, filename=filename)
                parsed = True
            except SyntaxError:
                tree = ast.Module(body=[], type_ignores=[])
        nodes, simple = self.nodes, self.simple
        for node in walk(tree):
            if isinstance(node, (ast.expr, ast.stmt)):
                at = (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
                nodes[(node.__class__, *at)] = node
                if isinstance(node, ast.stmt) and not compound(node):
                    simple.add(at)
        self.comments = self._scanned(text) if parsed and _SCAN_COMMENTS else self._comments(text)  # in order
        self.comment_lines = [c.line for c in self.comments]

    def _scanned(self, text: str) -> list[Comment]:
        """The comments of code that parses, found by one regular expression that skips its
        strings: what `tokenize` finds (tests/test_text_speed.py compares the two) at a small
        part of its cost, before Python 3.12 (whose tokenize is the C tokenizer)."""
        starts = [0]  # where each line starts in `text`
        for line in self.lines:
            starts.append(starts[-1] + len(line))
        out = []
        for match in _STRING_OR_COMMENT.finditer(text):
            if match.lastgroup == "comment":
                at = match.start()
                row = bisect.bisect_right(starts, at)
                before = self.lines[row - 1][:at - starts[row - 1]]
                out.append(Comment(row, len(before.encode("utf-8")), match.group().rstrip(), not before.strip()))
        return out

    def _comments(self, text: str) -> list[Comment]:
        out = []
        try:
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.COMMENT:
                    row, col = tok.start
                    line = self.lines[row - 1] if row <= len(self.lines) else ""
                    out.append(Comment(row, len(line[:col].encode("utf-8")), tok.string.rstrip(),
                                       not line[:col].strip()))
        except (tokenize.TokenError, SyntaxError, IndentationError):
            pass
        return out

    def user_node(self, node: ast.AST) -> ast.AST | None:
        """The user's node of the same type at the same place, changed or not."""
        return self.nodes.get((type(node), *pos(node)))

    def original(self, node: ast.AST, memo: Memo) -> ast.AST | None:
        """The user's node at the same place, if `node` is still exactly it (memo: per rendering,
        so that each node is compared once)."""
        seen = memo.get(id(node))
        if seen is not None and seen[0] is node:
            return seen[1]
        orig = None
        end = getattr(node, "end_col_offset", None)
        if end is not None:  # (user_node, inline)
            orig = self.nodes.get((node.__class__, node.lineno, node.col_offset, node.end_lineno, end))  # type: ignore
            if orig is not None and not self._equal(node, orig, memo):
                orig = None
        memo[id(node)] = (node, orig)
        return orig

    def _equal(self, a: ast.AST, b: object, memo: Memo) -> bool:
        """Is `a` the same tree as `b`? (This runs for every node written: the common fields are
        compared in the loop, without a call each.)"""
        if a.__class__ is not b.__class__:
            return False
        if a is not b:
            seen = memo.get(id(a))  # a rewritten node compared before at the user's place: the answer stands
            if seen is not None and seen[0] is a and isinstance(a, (ast.expr, ast.stmt)) \
                    and getattr(a, "end_col_offset", None) is not None and pos(a) == pos(b):
                return seen[1] is b
        for f in a._fields:
            x, y = getattr(a, f, None), getattr(b, f, None)
            if isinstance(x, _NO_FIELDS):
                if x.__class__ is not y.__class__:
                    return False
            elif isinstance(x, ast.AST):
                if not self._equal(x, y, memo):
                    return False
            elif not self._same(x, y, memo):
                return False
        return True

    def _same(self, x: object, y: object, memo: Memo) -> bool:
        """`_equal` for any field's value: a node, a list, a name or constant."""
        if isinstance(x, ast.AST):
            return self._equal(x, y, memo)
        if isinstance(x, list):
            if not isinstance(y, list) or len(x) != len(y):
                return False
            for p, q in zip(x, y):
                if not self._same(p, q, memo):
                    return False
            return True
        return x == y and type(x) is type(y)

    def segment(self, node: ast.AST) -> str:
        l1, c1, l2, c2 = pos(node)
        if l1 == l2:
            return self.blines[l1 - 1][c1:c2].decode("utf-8")
        parts = [self.blines[l1 - 1][c1:]] + self.blines[l1:l2 - 1] + [self.blines[l2 - 1][:c2]]
        return b"".join(parts).decode("utf-8")

    def blank_between(self, a: int, b: int) -> bool:
        """Is one of the lines strictly between a and b empty?"""
        return any(not self.lines[i - 1].strip() for i in range(a + 1, min(b, len(self.lines) + 1)))


# Strings and comments as the tokenizer of Python 3.11 and before sees them: a comment is a `#`
# outside every string, to the end of its line (an f-string is one string token there, with no
# `#` in its code; 3.12 nests quotes inside f-strings, and its tokenize is fast, so it is used).
_SCAN_COMMENTS = sys.version_info < (3, 12)
_STRING_OR_COMMENT = re.compile(r"""
    (?P<comment>\#[^\r\n]*)
  | '''(?:[^'\\]|\\.|'(?!''))*'''
  | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
  | '(?:[^'\\\n]|\\.)*'
  | "(?:[^"\\\n]|\\.)*"
""", re.DOTALL | re.VERBOSE)


def pos(node: ast.AST) -> Position:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def compound(node: ast.AST) -> bool:
    """A statement with a body (the writer writes its header and walks its statements)."""
    kind = node.__class__
    always = _ALWAYS_COMPOUND.get(kind)
    if always is None:  # (a table by class: this is asked of every statement of a file)
        always = _ALWAYS_COMPOUND[kind] = issubclass(kind, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
            or kind.__name__ in ("Match", "Try", "TryStar")
    if always:
        return True
    fields = node.__dict__  # (a node's fields are its attributes; no node class has a `body` of its own)
    for name in ("body", "orelse", "finalbody"):
        value = fields.get(name)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            return True
    return False


_ALWAYS_COMPOUND: dict[type, bool] = {}  # node class -> a statement of it is compound whatever it holds


# Nodes that hold nothing and are neither expressions nor statements: the same when of one class.
_NO_FIELDS = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)

_INDEXES: dict[tuple[str, str], SourceIndex] = {}  # (filename, digest) -> index; the last few files


# (the lines of the file indexed last, its name, its index): a file's classes come in a row. One
# tuple, read and replaced whole, so a thread indexing another file cannot mix the two.
_LAST: list[tuple[list[str], str, SourceIndex]] = []


def source_index(origin: Origin, tree: ast.Module | None = None) -> SourceIndex:
    """The index of a file (cached by name and content; `tree`: its parse, when there is one)."""
    last = _LAST[0] if _LAST else None
    if last is not None and last[0] is origin.lines and last[1] == origin.filename:
        return last[2]  # the same list of lines (a file's lines are split once and never changed)
    text = "".join(origin.lines)
    key = (origin.filename, hashlib.sha1(text.encode()).hexdigest())
    index = _INDEXES.get(key)
    if index is None:
        if len(_INDEXES) >= 32:
            _INDEXES.pop(next(iter(_INDEXES)), None)
        index = _INDEXES[key] = SourceIndex(text, origin.filename, tree)
    _LAST[:] = [(origin.lines, origin.filename, index)]
    return index


@dataclasses.dataclass
class Context:
    """Where the statements being written come from, and which comments they may take."""

    index: SourceIndex
    lo: int  # comments on lines lo < line <= hi
    hi: int

    def comments(self) -> list[int]:
        lines = self.index.comment_lines
        return list(range(bisect.bisect_right(lines, self.lo), bisect.bisect_right(lines, self.hi)))
