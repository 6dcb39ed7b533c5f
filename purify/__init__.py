"""purify: object-oriented JAX classes, rewritten into pure functions.

    @purify.stateful
    class Counter:
        def __init__(self):
            self.n = 0
        def count(self):
            self.n += 1
            return self.n

    state = Counter.init()
    value, state = jax.jit(Counter.count)(state)     # pure API
    counter = Counter(); purify.jit(counter.count)()  # instances keep working
"""

from __future__ import annotations

from ._version import __version__ as __version__
from .errors import PurifyError, PurifyWarning
from .runtime.branches import _Maybe as Maybe
from .runtime.instances import set_state, state_of
from .runtime.resolve import API as _API
from .runtime.stateful import source, stateful
from .runtime.transforms import grad, jit, merge, param, split, static, value_and_grad, vmap

__all__ = [
    "Maybe",
    "PurifyError",
    "PurifyWarning",
    "Rng",
    "grad",
    "jit",
    "merge",
    "param",
    "set_state",
    "source",
    "split",
    "state_of",
    "stateful",
    "static",
    "value_and_grad",
    "vmap",
]

for _name in ("stateful", "param", "static", "jit", "vmap", "grad", "value_and_grad", "split", "merge"):
    _API[id(globals()[_name])] = _name

from .runtime.rng import Rng
