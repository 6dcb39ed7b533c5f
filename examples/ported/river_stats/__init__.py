"""river's `stats.Mean` and `stats.Var`, ported (river 0.26.1, BSD-3-Clause, the river developers):
re-exported as river's `stats/__init__.py` does, so `stats.Mean()` in var.py is the ported Mean, and
`stats.base` river's own (the base classes the ports derive from, `stats.base.Univariate`)."""

from river.stats import base

from .mean import Mean
from .var import Var

__all__ = ["Mean", "Var", "base"]
