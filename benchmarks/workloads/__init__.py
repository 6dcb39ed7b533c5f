"""The workloads, one module each. Every module defines NAME, IMPLS (baseline first) and CHECK;
optionally TARGET_SCALE (seconds per repeat relative to the default) and REPEATS_SCALE."""

import importlib
from types import ModuleType

ORDER = ("counter", "linreg", "tiny_mlp", "mlp", "particles")


def load(name: str) -> ModuleType:
    if name not in ORDER:
        raise KeyError(f"unknown workload {name!r}; choose from {', '.join(ORDER)}")
    return importlib.import_module(f"{__name__}.{name}")
