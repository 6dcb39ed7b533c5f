"""Shared helpers for purify's tests.

Classes under test are written as *source text* and imported from a real file
(purify reads a class's source from linecache, as it would in a user's module).
`undecorated(source)` runs the same text with every `@purify.stateful` line
blanked (line numbers unchanged), giving the plain eager classes to compare with.

Import the helpers with `from tests.conftest import ...` (tests/ is a package).
"""

from __future__ import annotations

import atexit
import importlib.util
import itertools
import linecache
import shutil
import sys
import tempfile
import textwrap
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jax
import numpy as np
import purify

_counter = itertools.count()
_LOADED: set[str] = set()  # names of the modules load_module made
_tmp = Path(tempfile.mkdtemp(prefix="purify_tests_"))  # kept while the process runs (tracebacks read it)
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)

HEADER = "import jax\nimport jax.numpy as jnp\nimport numpy as np\nimport purify\n"


def load_module(source: str, *, name: str | None = None, header: bool = True,
                directory: Path | None = None) -> types.ModuleType:
    """Write `source` (dedented; with the usual imports prepended when `header`) to a fresh
    .py file, import it as a real module (registered in sys.modules) and return it."""
    text = (HEADER if header else "") + textwrap.dedent(source)
    name = name or f"purify_case_{next(_counter)}"
    path = (directory or _tmp) / f"{name}.py"
    path.write_text(text)
    linecache.checkcache(str(path))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    _LOADED.add(name)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def strip_decorator(source: str) -> str:
    """The same source with every `@purify.stateful` decorator line blanked (line numbers kept)."""
    lines = textwrap.dedent(source).splitlines()
    return "\n".join("" if line.strip() == "@purify.stateful" else line for line in lines) + "\n"


def undecorated(source: str) -> types.ModuleType:
    """Run the same class source without `@purify.stateful`: plain eager Python classes."""
    return load_module(strip_decorator(source))


def line_of(module: types.ModuleType, fragment: str, nth: int = 0) -> int:
    """1-based line number of the `nth` line of `module`'s file containing `fragment`."""
    lines = Path(module.__file__).read_text().splitlines() if hasattr(module, "__file__") else []
    hits = [i + 1 for i, line in enumerate(lines) if fragment in line]
    assert len(hits) > nth, f"{fragment!r} not in {module.__file__}"
    return hits[nth]


def line_in(text: str, fragment: str, nth: int = 0, *, header: bool = True) -> int:
    """1-based line in the file `load_module(text, header=header)` writes."""
    full = (HEADER if header else "") + textwrap.dedent(text)
    hits = [i + 1 for i, line in enumerate(full.splitlines()) if fragment in line]
    assert len(hits) > nth, f"{fragment!r} not in source"
    return hits[nth]


# -- comparing the three ways of running a class ---------------------------------------


def is_state(value: Any) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields") and hasattr(type(value), "_cls")


def snapshot(value: Any) -> Any:
    """A comparable picture of a value: states and plain instances become tuples of their
    fields in order of first assignment; arrays become numpy arrays."""
    if is_state(value):
        return tuple(snapshot(getattr(value, f)) for f in value._fields)
    if hasattr(type(value), "__purify__"):
        return snapshot(purify.state_of(value))
    if type(value).__module__ in _LOADED and hasattr(value, "__dict__") and not isinstance(value, type):
        return tuple(snapshot(v) for v in vars(value).values())
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(snapshot(v) for v in value)
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float, complex, np.generic, np.ndarray, jax.Array)):
        return np.array(value)  # a copy: NumPy state may be mutated by later calls
    return value


def assert_same(a: Any, b: Any, *, rtol: float = 1e-5, atol: float = 1e-6, where: str = "") -> None:
    """`a` and `b` have the same structure and (numerically) the same values."""
    a, b = snapshot(a), snapshot(b)
    _same(a, b, rtol, atol, where or "value")


def _same(a: Any, b: Any, rtol: float, atol: float, where: str) -> None:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), f"{where}: {a!r} != {b!r}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)
        return
    assert type(a) is type(b), f"{where}: {type(a).__name__} {a!r} != {type(b).__name__} {b!r}"
    if isinstance(a, tuple):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, rtol, atol, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _same(a[k], b[k], rtol, atol, f"{where}[{k!r}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


Call = tuple  # (method name, args tuple[, kwargs dict])


def _split_call(call: Call) -> tuple[str, tuple, dict]:
    name, args, *rest = call
    return name, tuple(args), (rest[0] if rest else {})


def run_plain(module: types.ModuleType, cls: str, init: Sequence[Any], calls: Sequence[Call],
              init_kwargs: dict | None = None) -> tuple[list[Any], Any]:
    """The undecorated class, eagerly: (outputs, final object)."""
    obj = getattr(module, cls)(*init, **(init_kwargs or {}))
    outs = []
    for call in calls:
        name, args, kwargs = _split_call(call)
        outs.append(snapshot(getattr(obj, name)(*args, **kwargs)))  # before later calls mutate it
    return outs, obj


def run_eager(module: types.ModuleType, cls: str, init: Sequence[Any], calls: Sequence[Call],
              init_kwargs: dict | None = None) -> tuple[list[Any], Any]:
    """The decorated class's instance, eagerly: (outputs, final state)."""
    return run_plain(module, cls, init, calls, init_kwargs)


def run_jit(module: types.ModuleType, cls: str, init: Sequence[Any], calls: Sequence[Call],
            init_kwargs: dict | None = None, static: dict[str, tuple[int | str, ...]] | None = None
            ) -> tuple[list[Any], Any]:
    """The pure API under jax.jit: `out, state = jax.jit(Cls.m)(state, *args)`."""
    C = getattr(module, cls)
    state = C.init(*init, **(init_kwargs or {}))
    assert type(state) is C.State
    outs = []
    cache: dict[str, Callable[..., Any]] = {}
    for call in calls:
        name, args, kwargs = _split_call(call)
        if name not in cache:
            marks = (static or {}).get(name, ())  # argument positions (of the method) or names
            cache[name] = jax.jit(getattr(C, name), static_argnums=tuple(n + 1 for n in marks if isinstance(n, int)),
                                  static_argnames=tuple(n for n in marks if isinstance(n, str)))
        out, state = cache[name](state, *args, **kwargs)
        assert type(state) is C.State, f"{name} returned a {type(state).__name__} as state"
        outs.append(out)
    return outs, state


def compare_three(source: str, cls: str, init: Sequence[Any], calls: Sequence[Call], *,
                  init_kwargs: dict | None = None, static: dict[str, tuple[int | str, ...]] | None = None,
                  jit: bool = True, rtol: float = 1e-5, plain_source: str | None = None) -> types.ModuleType:
    """Run `calls` on the undecorated class (eager), the decorated instance (eager) and the
    pure API under jax.jit; outputs after each call and the final state must agree.

    `plain_source` replaces `source` for the undecorated run (e.g. NumPy arrays where the
    decorated class item-assigns into JAX arrays, which plain Python cannot do)."""
    plain = undecorated(plain_source if plain_source is not None else source)
    module = load_module(source)
    p_outs, p_obj = run_plain(plain, cls, init, calls, init_kwargs)
    e_outs, e_obj = run_eager(module, cls, init, calls, init_kwargs)
    for i, (p, e) in enumerate(zip(p_outs, e_outs)):
        assert_same(p, e, rtol=rtol, where=f"eager output of call {i} {calls[i][0]}")
    assert_same(p_obj, e_obj, rtol=rtol, where="eager final state")
    if jit:
        j_outs, j_state = run_jit(module, cls, init, calls, init_kwargs, static)
        for i, (p, j) in enumerate(zip(p_outs, j_outs)):
            assert_same(p, j, rtol=rtol, where=f"jit output of call {i} {calls[i][0]}")
        assert_same(p_obj, j_state, rtol=rtol, where="jit final state")
    return module
