"""The timing harness: build, compile, check, then time every implementation interleaved.

Method (shared/research/peer-benchmarks.md): all implementations of a workload live in one
process. Each is built, compiled by its first call and checked against the baseline. Then
R repeats are timed with the order rotating each repeat; one repeat times N back-to-back
calls, each followed by `block_until_ready` on the step's first output, with N calibrated
per implementation so that a repeat takes about `target_s`. GC is off inside a repeat. The
ratio to the baseline is the median over repeats of (impl time / baseline time in the same
repeat): absolute times drift 2-3x on a shared machine, paired ratios do not.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import importlib.util
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax

from .jaxpr_stats import count_equations
from .runner import Runner


@dataclass
class Impl:
    """One implementation of a workload: `build(**overrides)` makes a fresh Runner.

    Overrides (``lr=0``, ``rate=0``) are for the checker's variants; the timed Runner uses
    none. `decorate` names a module whose import decorates this row's classes (purify rows).
    """

    name: str
    build: Callable[..., Runner]
    decorate: str | None = None


@dataclass
class Row:
    workload: str
    impl: str
    note: str = ""
    checks: str = ""  # "pass", or what failed
    compile_s: float | None = None
    eqns: dict[str, int] | None = None
    decorate_ms: float | None = None
    calls_per_repeat: int = 0
    times_s: list[float] = field(default_factory=list)  # seconds per step, one per repeat
    ratios: list[float] = field(default_factory=list)  # per repeat, against the baseline
    peak_mb: float | None = None

    @property
    def timed(self) -> bool:
        return bool(self.times_s)


def describe(error: BaseException) -> str:
    """One line for the table: an import failure says the peer is missing."""
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    if isinstance(error, ImportError):
        return f"not importable: {first}"[:160]
    return f"{type(error).__name__}: {first}"[:160]


def time_calls(step: Callable[[], Any], n: int) -> float:
    """Seconds per call over n back-to-back calls, each blocked on, with GC off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(n):
            jax.block_until_ready(step())
        return (time.perf_counter() - start) / n
    finally:
        gc.enable()


def calibrate(step: Callable[[], Any], target_s: float) -> int:
    """Calls per repeat so that one repeat takes about target_s."""
    n = 1
    while True:
        per_call = time_calls(step, n)
        if per_call * n >= target_s / 5 or n >= 1 << 20:
            return max(1, round(target_s / per_call))
        n *= 4


class _FirstRunner:
    """The builder handed to the checker. It keeps the first default-config Runner (the
    checker's own first build) as the row's timed Runner and times its first call, the
    compile; so a row compiles once for both, plus once per checker variant (lr=0, ...)."""

    def __init__(self, impl: Impl):
        self.impl = impl
        self.runner: Runner | None = None
        self.compile_s: float | None = None

    def __call__(self, **overrides: Any) -> Runner:
        runner = self.impl.build(**overrides)
        if overrides or self.runner is not None:
            return runner
        self.runner, step = runner, runner.step

        def first_step() -> Any:
            start = time.perf_counter()
            out = jax.block_until_ready(step())
            self.compile_s = time.perf_counter() - start
            runner.step = step  # later calls go straight through
            return out

        runner.step = first_step
        return runner


def prepare(workload: str, impl: Impl, checker: Any, reference: Any = None) -> tuple[Row, Runner | None, Any]:
    """Build, compile and check one implementation, count its equations, time its decoration.

    Returns the row, the Runner to time (None: the row is skipped, the reason in its note)
    and the observations (the reference when this is the baseline, `reference` None).
    """
    row = Row(workload, impl.name)
    first = _FirstRunner(impl)
    observed = None
    try:
        observed = checker.observe(first)
        failures = checker.verify(observed, observed if reference is None else reference)
    except Exception as error:  # noqa: BLE001 - any failure is reported in the row, not raised
        if first.compile_s is None:  # never built or never ran: a missing peer, an unsupported idiom
            row.note = describe(error)
            return row, None, None
        failures = [f"check raised {describe(error)}"]
        traceback.print_exc(file=sys.stderr)
    row.checks = "pass" if not failures else "FAIL: " + "; ".join(failures)
    row.compile_s = first.compile_s
    try:
        row.eqns = count_equations(first.runner.program())
    except Exception as error:  # noqa: BLE001
        row.note = f"jaxpr: {describe(error)}"
    if impl.decorate:
        try:
            row.decorate_ms = time_to_decorate(impl.decorate)
        except Exception as error:  # noqa: BLE001
            row.note = f"decorate: {describe(error)}"
    return row, first.runner, observed


def run_repeats(runners: dict[str, Runner], calls: dict[str, int], repeats: int) -> dict[str, list[float]]:
    """Interleaved repeats; the order rotates so no implementation always runs first."""
    names = list(runners)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(time_calls(runners[name].step, calls[name]))
    return times


def run_workload(
    module: Any, repeats: int, target_s: float, log: Callable[[str], None], light: bool = False
) -> list[Row]:
    """All rows of one workload; the baseline must be the first implementation.

    `light` runs the checker's cheap subset (a smoke test), where the checker has one.
    """
    name = module.NAME
    checker = dataclasses.replace(module.CHECK, light=True) if light and hasattr(module.CHECK, "light") else module.CHECK
    rows: list[Row] = []
    runners: dict[str, Runner] = {}
    impls = list(module.IMPLS)
    reference = None
    for impl in impls:
        row, runner, observed = prepare(name, impl, checker, reference)
        if impl is impls[0]:
            if runner is None:
                raise RuntimeError(f"{name}: the baseline failed: {row.note}")
            reference = observed
        rows.append(row)
        if runner is not None:
            runners[impl.name] = runner
            log(f"  {name}/{impl.name}: compiled in {row.compile_s:.2f} s; checks {row.checks}")
        else:
            log(f"  {name}/{impl.name}: skipped: {row.note}")
    baseline = impls[0].name

    calls = {n: calibrate(r.step, target_s) for n, r in runners.items()}
    times = run_repeats(runners, calls, repeats)
    for row in rows:
        if row.impl in times:
            row.calls_per_repeat = calls[row.impl]
            row.times_s = times[row.impl]
            row.ratios = [t / b for t, b in zip(times[row.impl], times[baseline])]
    return rows


def summary(values: list[float]) -> tuple[float, float, float]:
    """Median and interquartile range."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, med, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return med, q1, q3


# ---------------------------------------------------------------------------------------
# HOOK: time to decorate a class (purify rows).
#
# A purify row names the module holding its plain classes (all decorated with
# @purify.stateful at import). The hook loads a fresh copy of that module from its file
# (not sys.modules) a few times and reports the median milliseconds: class-body execution
# plus every decoration, which dominates. Replace the body here if purify grows a cheaper
# way to re-decorate an undecorated class.
# ---------------------------------------------------------------------------------------
@functools.cache  # both purify rows of a workload share one module
def time_to_decorate(module_name: str, repeats: int = 5) -> float | None:
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        return None
    samples = []
    probe = f"{module_name}_decorate_probe"
    for _ in range(repeats):
        fresh = importlib.util.spec_from_file_location(probe, spec.origin)
        module = importlib.util.module_from_spec(fresh)
        sys.modules[probe] = module  # as an import would: the decorator may look its module up
        try:
            start = time.perf_counter()
            fresh.loader.exec_module(module)
            samples.append(time.perf_counter() - start)
        finally:
            del sys.modules[probe]
    return statistics.median(samples) * 1e3
