"""river's `stats.Mean` and `stats.Var`, ported (river 0.26.1, BSD-3-Clause, the river developers):
re-exported as river's `stats/__init__.py` does, so `stats.Mean()` in var.py is the ported Mean."""

from .mean import Mean
from .var import Var

__all__ = ["Mean", "Var"]
