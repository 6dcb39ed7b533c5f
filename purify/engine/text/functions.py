"""The module functions a converted class calls, as text: `purify convert` writes each converted
function (engine/functions.py) in place of the user's, its comments kept."""

from __future__ import annotations

from ..functions import Functions
from ..model import Origin
from .imports import Edit
from .index import Context, source_index
from .writer import Writer


def function_edits(found: Functions, origin: Origin) -> list[Edit]:
    """An edit for each converted function: its text in place of the user's `def` lines."""
    index = source_index(origin)
    edits: list[Edit] = []
    for name, fn in found.defs.items():
        original = found.originals[name]
        w = Writer("    ", "", frozenset())
        w.ctx_for[id(fn)] = Context(index, original.lineno - 1, original.end_lineno or original.lineno)
        edits.append((original.lineno - 1, original.end_lineno or original.lineno, 1, w.render(fn) + "\n"))
    return edits
