"""The one error type users see: a located, actionable `PurifyError`."""

from __future__ import annotations

import ast
import linecache


class PurifyError(Exception):
    """Raised when purify cannot rewrite a class faithfully, or it is misused.

    An error about a place in the user's code is a `LocatedPurifyError`, which is also a
    `SyntaxError`, so that Python's and IPython's traceback machinery print the user's file,
    line, the source line and a caret under the construct. An error with no place in the
    source (a misuse at run time) prints as a plain exception. Catch `PurifyError` for both.

    Attributes:
        msg: what is wrong, with the hint.
        bare_msg: what is wrong.
        hint: what to write instead (may be empty).
        filename, lineno, offset, text, end_lineno, end_offset: the location,
            1-based like `SyntaxError` (offset is the column + 1); None when unlocated.
    """

    filename: str | None
    lineno: int | None
    offset: int | None
    text: str | None
    end_lineno: int | None
    end_offset: int | None

    def __new__(cls, msg: str, **location: object) -> PurifyError:  # noqa: PYI034 - may make the subclass
        located = cls is PurifyError and location.get("filename") is not None
        return super().__new__(LocatedPurifyError if located else cls, msg)

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
        self.errors: list[PurifyError] = [self]  # more when one error reports several (`combined`)
        full = f"{msg}\n  hint: {hint}" if hint else msg
        if not isinstance(self, SyntaxError):
            super().__init__(full)
            self.msg = full
            self.filename = self.lineno = self.offset = self.text = self.end_lineno = self.end_offset = None
            return
        if text is None and lineno is not None:
            text = linecache.getline(filename, lineno) or None
        offset = None if col is None else col + 1
        end_offset = None if end_col is None else end_col + 1
        if end_lineno is not None and end_lineno != lineno:
            # A multi-line node: underline to the end of the first line only.
            end_lineno, end_offset = lineno, (len(text.rstrip("\n")) + 1 if text else None)
        SyntaxError.__init__(self, full, (filename, lineno, offset, text, end_lineno, end_offset))

    def __reduce__(self) -> tuple:
        # Exceptions pickle as type(*args); these take their location as keywords.
        col = None if self.offset is None else self.offset - 1
        end_col = None if self.end_offset is None else self.end_offset - 1
        return (_rebuild, (self.bare_msg, self.hint, self.filename, self.lineno, col, self.end_lineno, end_col,
                           self.text))

    def __str__(self) -> str:
        if len(self.errors) > 1:
            parts = [e.describe() for e in self.errors]
            return "\n\n".join(parts) + "\n\n" + _count(self.errors)
        return self.describe()

    def describe(self) -> str:
        """This error alone: `file:line:col: message`, the line, a caret under the construct, the hint."""
        if self.filename is None:
            return self.msg
        if self.lineno is None:
            return f"{self.filename}: {self.msg}"
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


class PurifyWarning(UserWarning):
    """Something purify accepts that is likely to fail later, far from its cause: a field that is
    None after `__init__` and an array once a method ran (a `lax.scan` carrying the state fails)."""


class LocatedPurifyError(PurifyError, SyntaxError):
    """A `PurifyError` at a place in the user's source (`PurifyError(..., filename=...)` makes one)."""


def _rebuild(msg: str, hint: str, filename: str | None, lineno: int | None, col: int | None,
             end_lineno: int | None, end_col: int | None, text: str | None) -> PurifyError:
    return PurifyError(msg, hint=hint, filename=filename, lineno=lineno, col=col, end_lineno=end_lineno,
                       end_col=end_col, text=text)


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


def combined(errors: list[PurifyError]) -> PurifyError:
    """One error that reports all of `errors` in the order of the source; it is located at the
    first of them, and `.errors` lists them all. Of several at one place only the first found is
    kept: a later step of the rewrite fails again on what an earlier refusal is about."""
    at: dict[tuple, PurifyError] = {}
    for e in errors:
        at.setdefault((e.filename, e.lineno, e.offset) if e.filename is not None else (e.describe(),), e)
    unique = list(at.values())
    unique.sort(key=lambda e: (e.filename or "", e.lineno or 0, e.offset or 0))
    if len(unique) == 1:
        return unique[0]
    first = unique[0]
    out = _rebuild(first.bare_msg, first.hint, first.filename, first.lineno,
                   None if first.offset is None else first.offset - 1, first.end_lineno,
                   None if first.end_offset is None else first.end_offset - 1, first.text)
    out.errors = unique
    if isinstance(out, SyntaxError):  # Python's traceback shows the first's place, then `msg`: the rest go there
        out.msg = "\n\n".join([first.msg, *(e.describe() for e in unique[1:])]) + "\n\n" + _count(unique)
    return out


def _count(errors: list[PurifyError]) -> str:
    return f"({len(errors)} problems; purify reports every one it finds)"

