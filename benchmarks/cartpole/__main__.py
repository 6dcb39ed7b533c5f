"""`python -m benchmarks.cartpole`: time `jax.jit(jax.vmap(step))` of every CartPole
implementation over 1, 1,000 and 100,000 environments, side by side in one run.

Method (benchmarks/harness.py's): every implementation is built, compiled, checked against the
hand-written (4,) step over 40 threaded steps, then timed in interleaved repeats whose order
rotates; a repeat is N back-to-back calls on the same inputs (the step is a pure function: the
same work every call), N calibrated so a repeat takes ~0.1 s. A ratio is the median over repeats
of (time / the other's time in the same repeat). Compile time: `.lower()` (trace and lower) and
`.compile()` of a fresh `jax.jit(jax.vmap(step))`, median of 3, at 1,000 environments.
"""

import argparse
import platform
import statistics
import sys
import time
from typing import Any

import jax
import numpy as np

from ..harness import calibrate, describe, run_repeats, summary
from ..jaxpr_stats import count_equations
from ..report import versions
from ..runner import Runner
from .impls import IMPLS, Impl, initial, observe

SIZES = (1, 1_000, 100_000)
CHECK_STEPS = 40
# (row, against): the ratios the table shows; `purify / hand-written` is the 5% target.
PAIRS = [
    (("purify", "(4,)"), ("hand-written JAX", "(4,)")),
    (("purify", "scalars"), ("hand-written JAX", "scalars")),
    (("purify", "(4,)"), ("gymnax", "scalars")),
    (("hand-written JAX", "(4,)"), ("gymnax", "scalars")),
    (("purify", "scalars"), ("gymnax", "scalars")),
    (("hand-written JAX", "scalars"), ("gymnax", "scalars")),
]


def key(impl: Impl) -> tuple[str, str]:
    return impl.name, impl.layout


def build(impl: Impl, n: int) -> tuple[Runner, Any]:
    values, actions = initial(n)
    step, batch = impl.build(values, actions)
    actions = jax.numpy.asarray(actions)
    jitted = jax.jit(jax.vmap(step))
    jax.block_until_ready(jitted(batch, actions))  # compile
    runner = Runner(step=lambda: jitted(batch, actions)[0][0], read=dict,
                    program=lambda: jax.make_jaxpr(jitted)(batch, actions))
    return runner, (jitted, batch, actions)


def check(parts: Any) -> list[dict[str, np.ndarray]]:
    jitted, batch, actions = parts
    seen = []
    for _ in range(CHECK_STEPS):
        out, batch = jitted(batch, actions)
        seen.append(observe(out))
    return seen


def differences(got: list[dict], want: list[dict], with_reward: bool) -> list[str]:
    failures = []
    for i, (g, w) in enumerate(zip(got, want)):
        if not np.allclose(g["obs"], w["obs"], rtol=1e-4, atol=1e-4):
            failures.append(f"obs differs at step {i}")
        if not np.array_equal(g["terminated"], w["terminated"]):
            failures.append(f"terminated differs at step {i}")
        if with_reward and not np.array_equal(g["reward"], w["reward"]):
            failures.append(f"reward differs at step {i}")
        if failures:
            break
    return failures


def compile_seconds(impl: Impl, n: int = 1_000, repeats: int = 3) -> tuple[float, float]:
    values, actions = initial(n)
    lower, comp = [], []
    for _ in range(repeats):
        step, batch = impl.build(values, actions)
        fresh = jax.jit(jax.vmap(lambda s, a, step=step: step(s, a)))
        start = time.perf_counter()
        lowered = fresh.lower(batch, jax.numpy.asarray(actions))
        lower.append(time.perf_counter() - start)
        start = time.perf_counter()
        lowered.compile()
        comp.append(time.perf_counter() - start)
    return statistics.median(lower), statistics.median(comp)


def run_size(n: int, repeats: int, target_s: float, log) -> dict[str, Any]:
    runners, notes, eqns, observed = {}, {}, {}, {}
    for impl in IMPLS:
        try:
            runner, parts = build(impl, n)
        except Exception as error:  # noqa: BLE001 - a row that cannot be built is skipped with the reason
            notes[key(impl)] = describe(error)
            log(f"  {n}: {impl.name} {impl.layout}: skipped: {notes[key(impl)]}")
            continue
        observed[key(impl)] = check(parts)
        eqns[key(impl)] = count_equations(runner.program())["flat"]
        runners[key(impl)] = runner
    reference = observed[("hand-written JAX", "(4,)")]
    checks = {k: differences(v, reference, with_reward=k[0] != "gymnax") for k, v in observed.items()}
    for k, failures in checks.items():
        log(f"  {n}: {k[0]} {k[1]}: checks {'pass' if not failures else failures}")
    calls = {k: calibrate(r.step, target_s) for k, r in runners.items()}
    times = run_repeats(runners, calls, repeats)
    return {"times": times, "notes": notes, "eqns": eqns, "checks": checks}


def ratio(times: dict, a: tuple, b: tuple) -> str:
    if a not in times or b not in times:
        return "–"
    med, q1, q3 = summary([x / y for x, y in zip(times[a], times[b])])
    return f"**{med:.2f}** [{q1:.2f}–{q3:.2f}]"


def table(results: dict[int, dict], compiles: dict, argv: list[str], seconds: float) -> str:
    sizes = list(results)
    lines = [
        f"Generated by `python -m benchmarks.cartpole {' '.join(argv)}`".rstrip() + f" in {seconds:.0f} s; "
        f"{platform.machine()}, {platform.platform()}; "
        + ", ".join(f"{k} {v}" for k, v in versions().items() if v != "not installed") + ".",
        "",
        "µs per step of `jax.jit(jax.vmap(step))` (median over repeats):",
        "",
        "| implementation | state | " + " | ".join(f"{n:,} envs" for n in sizes) + " | jaxpr eqns | trace+lower ms | compile ms | checks |",
        "|---|---|" + "---:|" * len(sizes) + "---:|---:|---:|---|",
    ]
    for impl in IMPLS:
        k = key(impl)
        first = results[sizes[0]]
        if k in first["notes"]:
            lines.append(f"| {impl.name} | {impl.layout} | skipped: {first['notes'][k]} |" + " |" * (len(sizes) + 3))
            continue
        us = [f"{statistics.median(results[n]['times'][k]) * 1e6:,.1f}" for n in sizes]
        low, comp = compiles.get(k, (None, None))
        failures = sorted({f for n in sizes for f in results[n]["checks"][k]})
        lines.append(f"| {impl.name} | {impl.layout} | " + " | ".join(us) + f" | {first['eqns'][k]} | "
                     f"{low * 1e3:.0f} | {comp * 1e3:.0f} | {'pass' if not failures else 'FAIL: ' + '; '.join(failures)} |")
    lines += ["", "Ratios, median over repeats of (time / time of the other in the same repeat) [IQR]:", "",
              "| ratio | " + " | ".join(f"{n:,} envs" for n in sizes) + " |", "|---|" + "---:|" * len(sizes)]
    for a, b in PAIRS:
        lines.append(f"| {a[0]} {a[1]} / {b[0]} {b[1]} | " + " | ".join(ratio(results[n]["times"], a, b) for n in sizes) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cartpole", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated numbers of environments")
    parser.add_argument("--rounds", type=int, default=21, help="timed repeats per implementation (default 21)")
    parser.add_argument("--target", type=float, default=0.1, help="seconds per repeat (default 0.1)")
    parser.add_argument("--quick", action="store_true", help="3 repeats of ~0.02 s: a smoke test, not a measurement")
    args = parser.parse_args(argv)
    repeats, target = (3, 0.02) if args.quick else (args.rounds, args.target)

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.perf_counter()
    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        log(f"{n:,} environments:")
        results[n] = run_size(n, repeats, target, log)
    compiles = {}
    for impl in IMPLS:
        if key(impl) not in results[next(iter(results))]["notes"]:
            compiles[key(impl)] = compile_seconds(impl, repeats=1 if args.quick else 3)
    print(table(results, compiles, argv, time.perf_counter() - started))


if __name__ == "__main__":
    main(sys.argv[1:])
