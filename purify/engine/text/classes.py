"""A converted class as text: its State, the class, the State's class attributes.

`purify.source(Cls)` is `class_source`; `purify convert` writes each class with `class_text` in
place of the user's lines `class_start`..`class_end`.
"""

from __future__ import annotations

import ast

from ..convert import Converted
from ..emit import ClassParts, class_parts
from ..model import Resolver
from .index import Context, source_index
from .standalone import standalone
from .value_checks import add_value_checks
from .writer import Writer


def indent_unit(node: ast.ClassDef, lines: list[str]) -> str:
    """The indentation the class body uses (4 spaces when it cannot tell)."""
    first = node.body[0] if node.body else None
    if first is not None and first.lineno != node.lineno and first.lineno <= len(lines):
        line = lines[first.lineno - 1].encode("utf-8")
        unit = line[node.col_offset:first.col_offset].decode("utf-8", "replace")
        if unit and not unit.strip() and "\n" not in unit:
            return unit
    return "    "


def class_start(node: ast.ClassDef, lines: list[str], floor: int = 0) -> int:
    """The class's first line: its decorators, and the comment lines right above them (they
    describe the class, so they stay above it rather than above its new State)."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    indent = lines[node.lineno - 1][:len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())]
    while first - 1 > floor and lines[first - 2].startswith(indent + "#"):
        first -= 1
    return first


def class_end(node: ast.ClassDef, lines: list[str]) -> int:
    """The class's last line, with the comment lines right after it that are indented into it."""
    end = node.end_lineno or node.lineno
    line = lines[node.lineno - 1]
    indent = len(line) - len(line.lstrip())
    while end < len(lines) and lines[end].lstrip().startswith("#") and \
            len(lines[end]) - len(lines[end].lstrip()) > indent:
        end += 1
    return end


def class_text(parts: ClassParts, indent: str = "", unit: str | None = None) -> str:
    """The source of a converted class: its State, the class, the State's class attributes."""
    model = parts.model
    index = source_index(model.origin)
    w = Writer(unit or indent_unit(model.node, index.lines), indent, frozenset({model.state_name}))
    _place_comments(w, parts)
    gap = "\n\n\n" if not indent else "\n\n"
    head = w.render(parts.state_class)
    for s in parts.register:
        head += gap + w.render(s)
    body = _eager_comments(w.render(parts.cls), parts)
    tail = "\n".join(w.render(s) for s in parts.tail)
    return head + gap + body + gap + tail


def _eager_comments(text: str, parts: ClassParts) -> str:
    """Each eager-only method's marker (emit.py) becomes the comment that says why it is left out."""
    for item in parts.items:
        if item.comment:
            name = item.stmt.value.id  # type: ignore[attr-defined]
            text = "\n".join(_indented(item.comment, line[:line.index(name)]) if line.strip() == name else line
                             for line in text.split("\n"))
    return text


def _indented(comment: str, indent: str) -> str:
    return "\n".join(indent + line for line in comment.split("\n"))


def _place_comments(w: Writer, parts: ClassParts) -> None:
    """Which user's lines (and so which comments) each statement of the class comes from: the
    class header, each own item up to the next (the last to the class's end), and each
    inherited item from its own file."""
    model = parts.model
    node, index = model.node, source_index(model.origin)
    header_end = node.body[0].lineno - 1 if node.body else node.lineno
    w.ctx_for[id(parts.cls)] = Context(index, class_start(node, index.lines) - 1, header_end)
    own = sorted((i for i in parts.items if i.own and i.original is not None), key=lambda i: i.original.lineno)
    previous = header_end
    for n, item in enumerate(own):
        assert item.original is not None
        end = class_end(node, index.lines) if n == len(own) - 1 else item.original.end_lineno
        # (an eager-only method left out takes the comments above it, not those inside it)
        hi = item.original.lineno - 1 if item.comment else end
        w.ctx_for[id(item.stmt)] = Context(index, previous, hi)  # type: ignore[arg-type]
        previous = end  # type: ignore[assignment]
    for item in parts.items:
        if not item.own and item.original is not None and item.origin is not None:
            orig = item.original
            start = orig.decorator_list[0].lineno if getattr(orig, "decorator_list", None) else orig.lineno
            w.ctx_for[id(item.stmt)] = Context(source_index(item.origin), start - 1, orig.end_lineno)  # type: ignore
    if parts.items and parts.items[0].own and len(parts.items) > 1:
        w.blank_before.add(id(parts.items[1].stmt))  # after the docstring


def class_source(conv: Converted, resolver: Resolver | None = None) -> str:
    """What `purify convert` writes for one class (`purify.source(Cls)`); `resolver` names the
    @stateful classes (objects made in methods become `_Eager(...)`, purify.Rng becomes `Rng`)."""
    parts = class_parts(conv)
    add_value_checks(parts)
    if resolver is not None:
        standalone(parts, resolver)
    return class_text(parts) + "\n"
