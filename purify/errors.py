"""The one error type users see: a located, actionable `PurifyError`."""

from __future__ import annotations

import ast
import linecache


class PurifyError(SyntaxError):
    """Raised when purify cannot rewrite a class faithfully, or it is misused.

    It is a `SyntaxError` subclass so that Python's traceback machinery prints
    the user's file, line, the source line and a caret under the construct.
    `hint` says what to write instead.

    Attributes:
        msg: what is wrong.
        hint: what to write instead (may be empty).
        filename, lineno, offset, text, end_lineno, end_offset: the location,
            1-based like `SyntaxError` (offset is the column + 1).
    """

    def __init__(
        self,
        msg: str,
        *,
        hint: str = "",
        filename: str | None = None,
        lineno: int | None = None,
        col: int | None = None,
        end_lineno: int | None = None,
        end_col: int | None = None,
        text: str | None = None,
    ) -> None:
        self.hint = hint
        self.bare_msg = msg
        full = f"{msg}\n  hint: {hint}" if hint else msg
        if filename is None:
            super().__init__(full)
            return
        if text is None and lineno is not None:
            text = linecache.getline(filename, lineno) or None
        offset = None if col is None else col + 1
        end_offset = None if end_col is None else end_col + 1
        if end_lineno is not None and end_lineno != lineno:
            # A multi-line node: underline to the end of the first line only.
            end_lineno, end_offset = lineno, (len(text.rstrip("\n")) + 1 if text else None)
        super().__init__(full, (filename, lineno, offset, text, end_lineno, end_offset))

    def __str__(self) -> str:
        if self.filename is None:
            return self.msg
        where = f"{self.filename}:{self.lineno}:{(self.offset or 1)}"
        lines = [f"{where}: {self.bare_msg}"]
        if self.text:
            line = self.text.rstrip("\n")
            stripped = line.lstrip()
            indent = len(line) - len(stripped)
            start = max((self.offset or 1) - 1 - indent, 0)
            end = (self.end_offset or (self.offset or 1) + 1) - 1 - indent
            width = max(end - start, 1)
            lines.append(f"    {stripped}")
            lines.append("    " + " " * start + "^" * width)
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


def error_at(node: ast.AST, filename: str, msg: str, hint: str = "", lines: list[str] | None = None) -> PurifyError:
    """A `PurifyError` located at `node` (whose positions are the user's)."""
    lineno = getattr(node, "lineno", None)
    text = None
    if lines is not None and lineno is not None and 0 < lineno <= len(lines):
        text = lines[lineno - 1]
    return PurifyError(
        msg,
        hint=hint,
        filename=filename,
        lineno=lineno,
        col=getattr(node, "col_offset", None),
        end_lineno=getattr(node, "end_lineno", None),
        end_col=getattr(node, "end_col_offset", None),
        text=text,
    )
