"""Run the pure API of modules written by `purify convert`, in a process where purify cannot be
imported (tests/test_cli.py starts it).

    python tests/cli_runner.py PLAN RESULTS

PLAN (a pickle): {"block": "none" | "stub", "paths": [folders for sys.path], "runs": [
    (key, module name, class name, init args, init kwargs, calls [(method, args, kwargs)],
     static {method: (argument positions or names)}, jit: bool)]}.
With "none", `import purify` raises ImportError. With "stub", it gives a module whose every
attribute access raises, for modules that keep their purify import for code outside the
converted classes: importing works, any use of purify fails.

RESULTS (a pickle): {key: ("ok", [outputs...], final state) | ("error", traceback text)}, with
values made comparable the way tests/conftest.py's `snapshot` does.
"""

from __future__ import annotations

import importlib
import pickle
import sys
import traceback
import types
from typing import Any


class _Unavailable(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        raise ImportError(f"purify.{name} was used, but purify is not available here")


def _block(mode: str) -> None:
    if mode == "stub":
        sys.modules["purify"] = _Unavailable("purify")
    else:
        sys.modules["purify"] = None  # type: ignore[assignment]  # `import purify` raises ImportError


def snapshot(value: Any) -> Any:
    import jax
    import numpy as np

    if isinstance(value, tuple) and hasattr(type(value), "_fields") and hasattr(type(value), "_cls"):
        return tuple(snapshot(getattr(value, f)) for f in value._fields)
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(snapshot(v) for v in value)
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float, complex, np.generic, np.ndarray, jax.Array)):
        return np.array(value)
    if callable(value) or type(value).__module__.split(".")[0] in ("optax", "jax"):
        return ("object", type(value).__qualname__)  # e.g. an optax transformation (static config)
    return value


def run(module: str, cls: str, init: tuple, init_kwargs: dict, calls: list, static: dict, jit: bool = True) -> tuple:
    import jax

    mod = importlib.import_module(module)
    C = getattr(mod, cls)
    # ("init of", "Child", args) in the arguments stands for that module's `Child.init(*args)`
    init = tuple(getattr(mod, a[1]).init(*a[2]) if isinstance(a, tuple) and a[:1] == ("init of",) else a
                 for a in init)
    state = C.init(*init, **init_kwargs)
    assert type(state) is C.State, f"{cls}.init returned a {type(state).__name__}"
    outs, cache = [], {}
    for name, args, kwargs in calls:
        if name not in cache and not jit:
            cache[name] = getattr(C, name)
        if name not in cache:
            marks = static.get(name, ())
            cache[name] = jax.jit(getattr(C, name), static_argnums=tuple(n + 1 for n in marks if isinstance(n, int)),
                                  static_argnames=tuple(n for n in marks if isinstance(n, str)))
        out, state = cache[name](state, *args, **kwargs)
        assert type(state) is C.State, f"{name} returned a {type(state).__name__} as state"
        outs.append(snapshot(out))
    return outs, snapshot(state)


def main(plan_path: str, results_path: str) -> None:
    with open(plan_path, "rb") as f:
        plan = pickle.load(f)
    _block(plan["block"])
    sys.path[:0] = plan["paths"]
    results = {}
    for key, module, cls, init, init_kwargs, calls, static, jit in plan["runs"]:
        try:
            results[key] = ("ok", *run(module, cls, init, init_kwargs, calls, static, jit))
        except BaseException:  # noqa: BLE001 - reported to the test
            results[key] = ("error", traceback.format_exc())
    for name in plan.get("imports", []):
        try:
            importlib.import_module(name)
            results[f"import:{name}"] = ("ok",)
        except BaseException:  # noqa: BLE001
            results[f"import:{name}"] = ("error", traceback.format_exc())
    with open(results_path, "wb") as f:
        pickle.dump(results, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
