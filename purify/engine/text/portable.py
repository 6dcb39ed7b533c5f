"""The stdlib unparser, made to write the same text on every Python from 3.10 to 3.13.

`ast.unparse` differs between versions (parentheses around returned tuples and walrus
expressions, slices, f-strings: 3.12+ writes f-strings that 3.10 cannot read); this subclass
writes one spelling that all of them read. The writer (writer.py) builds on it.
"""

from __future__ import annotations

import ast
import contextlib
import sys
from collections.abc import Iterator

try:  # Python 3.10 - 3.13
    from ast import _Precedence, _Unparser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.14 moved the unparser
    from _ast_unparse import Unparser as _Unparser  # type: ignore[no-redef]
    from _ast_unparse import _Precedence


class PortableUnparser(_Unparser):
    """`ast._Unparser` with the same output on every supported Python.

    The stdlib unparser instantiates `type(self)(...)` with version-specific keywords in a few
    places, so `__init__` accepts and ignores them.
    """

    def __init__(self, **_: object) -> None:
        super().__init__()
        self._segments = True  # a subclass may copy the user's text (off inside f-strings before 3.12)
        self._slices: set[int] = set()  # Slice nodes (and tuples of them) in a subscript's brackets

    def _is_original(self, node: ast.AST) -> bool:
        """Is `node` written as the user's text? (The writer copies untouched code.)"""
        return False

    def _quote_of(self, node: ast.JoinedStr) -> str:
        """The quote an f-string prefers (the writer keeps the user's)."""
        return "'"

    @contextlib.contextmanager
    def _buffered(self) -> Iterator[list[str]]:
        saved, self._source = self._source, []
        try:
            yield self._source
        finally:
            self._source = saved

    # -- statements --------------------------------------------------------------
    def visit_Return(self, node: ast.Return) -> None:
        """`return out, self` without the parentheses older unparsers add."""
        self.fill("return")
        if node.value is not None:
            self.write(" ")
            value = node.value
            if isinstance(value, ast.Tuple) and value.elts and not self._is_original(value):
                self.items_view(self.traverse, value.elts)
            else:
                self.traverse(value)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.set_precedence(_Precedence.TUPLE, target)
        super().visit_Assign(node)

    def _for_helper(self, fill: str, node: ast.AST) -> None:
        self.set_precedence(_Precedence.TUPLE, node.target)  # type: ignore[attr-defined]
        super()._for_helper(fill, node)

    # -- expressions -------------------------------------------------------------
    def visit_Tuple(self, node: ast.Tuple) -> None:
        with self.delimit_if("(", ")", len(node.elts) == 0 or self.get_precedence(node) > _Precedence.TUPLE):
            self.items_view(self.traverse, node.elts)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        # 3.11+: parentheses above NAMED_EXPR, the one level below TUPLE (3.10 has no NAMED_EXPR)
        with self.delimit_if("(", ")", self.get_precedence(node) >= _Precedence.TUPLE):
            self.set_precedence(_Precedence.ATOM, node.target, node.value)
            self.traverse(node.target)
            self.write(" := ")
            self.traverse(node.value)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        with self.require_parens(_Precedence.TEST, node):
            with self._buffered() as args:
                self.traverse(node.args)
            self.write("lambda")
            if args:
                self.write(" ", *args)
            self.write(": ")
            self.set_precedence(_Precedence.TEST, node.body)
            self.traverse(node.body)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        self.set_precedence(_Precedence.ATOM, node.value)
        self.traverse(node.value)
        s = node.slice
        self._slices.add(id(s))
        if isinstance(s, ast.Tuple):
            self._slices.update(id(e) for e in s.elts)
        with self.delimit("[", "]"):
            if isinstance(s, ast.Tuple) and s.elts and not any(isinstance(e, ast.Starred) for e in s.elts):
                self.items_view(self.traverse, s.elts)
            else:
                self.traverse(s)

    def visit_Slice(self, node: ast.Slice) -> None:
        """`a:b` where Python allows it (a subscript); elsewhere (an index the rewrite saved in a
        temporary, `_i1 = 1:3`) the same object written as `slice(a, b)`."""
        if id(node) in self._slices:
            super().visit_Slice(node)
            return
        parts = [node.lower, node.upper] + ([node.step] if node.step is not None else [])
        self.write("slice(")
        self.interleave(lambda: self.write(", "), lambda p: self.traverse(p) if p is not None else self.write("None"),
                        parts)
        self.write(")")

    # -- f-strings ---------------------------------------------------------------
    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        """f-strings readable by Python 3.10: never the outer quote inside a replacement field."""
        saved = self._segments
        self._segments = saved and sys.version_info >= (3, 12)  # older parsers misplace f-string parts
        try:
            parts = self._fstring_parts(node)
        finally:
            self._segments = saved
        code = "".join(text for text, is_code in parts if is_code)
        preferred = self._quote_of(node)
        for quote in dict.fromkeys([preferred, "'", '"', "'''", '"""']):
            if "\\" in code or quote[0] in code and len(quote) == 1 or quote in code:
                continue
            if len(quote) == 1 and "\n" in code:
                continue
            body = "".join(text if is_code else _escape(text, quote[0]) for text, is_code in parts)
            self.write("f", quote, body, quote)
            return
        super().visit_JoinedStr(node)  # pragma: no cover - only for f-strings 3.10 cannot express

    def _fstring_parts(self, node: ast.JoinedStr) -> list[tuple[str, bool]]:
        """(text, is code) pieces: literal text, and replacement fields written by this unparser."""
        parts: list[tuple[str, bool]] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append((str(value.value), False))
            elif isinstance(value, ast.FormattedValue):
                text = self._field_text(value.value)
                parts.append(("{" + (" " if text.startswith("{") else "") + text, True))
                if value.conversion != -1:
                    parts.append((f"!{chr(value.conversion)}", True))
                if value.format_spec is not None:
                    parts.append((":", True))
                    parts += self._fstring_parts(value.format_spec)  # type: ignore[arg-type]
                parts.append(("}", True))
            else:  # an expression whose value is the formatted text already
                parts.append(("{" + self._field_text(value) + "}", True))
        return parts

    def _field_text(self, value: ast.expr) -> str:
        with self._buffered() as buf:
            self.set_precedence(_Precedence.TEST.next(), value)
            self.traverse(value)
        return "".join(buf)


def _escape(text: str, quote: str) -> str:
    """Literal f-string text inside `quote`: braces doubled, backslashes and the quote escaped."""
    out = []
    for ch in text:
        if ch in "{}":
            out.append(ch * 2)
        elif ch == "\\":
            out.append("\\\\")
        elif ch == quote:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif not ch.isprintable():
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)
