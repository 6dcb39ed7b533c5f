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

import threading as _threading
import typing as _typing

from ._version import __version__ as __version__
from .errors import PurifyError, PurifyWarning

if _typing.TYPE_CHECKING:  # what type checkers and the API docs read; at run time `__getattr__` imports them
    from .runtime.branches import _Maybe as Maybe
    from .runtime.instances import set_state, state_of
    from .runtime.rng import Rng
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

# The runtime (and so JAX, about 0.6 s) is imported at the first use of a name that needs it, not
# by `import purify`: `purify convert` (`python -m purify`, which imports this package first)
# reads and writes code and needs neither. Every name is the same object as before, registered
# for the resolver as before: by the time anything can see a purify name, it is registered.
_lock = _threading.RLock()  # one thread imports the runtime; the others wait for it
_state = {"loading": False, "loaded": False}


def _load_runtime() -> None:
    with _lock:
        if _state["loaded"] or _state["loading"]:
            return  # (re-entered while the runtime imports: names not bound yet are missing, as they were)
        _state["loading"] = True
        try:
            _bind_runtime()
            _state["loaded"] = True
        finally:
            _state["loading"] = False


def _bind_runtime() -> None:
    from .runtime.branches import _Maybe
    from .runtime.instances import set_state, state_of
    from .runtime.resolve import API
    from .runtime.stateful import source, stateful  # (which registers the API for the resolver)
    from .runtime.transforms import grad, jit, merge, param, split, static, value_and_grad, vmap

    globals().update(stateful=stateful, param=param, static=static, jit=jit, vmap=vmap, grad=grad,
                     value_and_grad=value_and_grad, split=split, merge=merge, Maybe=_Maybe, set_state=set_state,
                     state_of=state_of, source=source, _API=API)
    from .runtime.rng import Rng  # decorated at import

    globals()["Rng"] = Rng


if not _typing.TYPE_CHECKING:  # (type checkers read the imports above, and flag a name purify lacks)

    def __getattr__(name: str) -> object:
        if not (name.startswith("__") and name.endswith("__")):  # (tools probe dunders: they need no JAX)
            _load_runtime()
            if name in globals():
                return globals()[name]
        raise AttributeError(f"module 'purify' has no attribute {name!r}")

    def __dir__() -> list[str]:
        _load_runtime()
        return sorted(globals())
