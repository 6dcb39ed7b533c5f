"""The engine's work runs with Python's cyclic garbage collector paused.

Rewriting a class makes and drops many small objects (AST nodes, lists, dicts), so the
collector runs often, and each full collection scans every object of the process: after
`import jax`, hundreds of thousands. Measured with `benchmarks/convert_throughput.py`'s module of
100 decorated classes, collections were about a third of decorating's time (0.65 s with the
collector, 0.44 s without). Nothing the engine makes needs collecting while it runs; what it
leaves in cycles goes at the first collection after it returns.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block, then as it was (nested blocks leave it to the outer)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
