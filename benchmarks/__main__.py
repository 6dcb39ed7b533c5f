"""`python -m benchmarks`: run the workloads and print the table.

    python -m benchmarks               # print the table only
    python -m benchmarks --write       # also update the tracked benchmarks/results.md and results.json
    python -m benchmarks --out DIR     # also write results.md and results.json into DIR
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from . import report
from .harness import run_workload
from .memory import measure_peaks
from .workloads import ORDER, load

HERE = Path(__file__).parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats of ~0.02 s and light checks: a smoke test, not a measurement")
    parser.add_argument("--workloads", default=",".join(ORDER), help=f"comma-separated subset of {','.join(ORDER)}")
    parser.add_argument("--rounds", type=int, default=None, help="timed repeats per implementation (default 21)")
    parser.add_argument("--target", type=float, default=None, help="seconds per repeat (default 0.1)")
    parser.add_argument("--memory", action="store_true", help="peak RSS of each row in a fresh process (slow)")
    parser.add_argument("--write", action="store_true", help="update the tracked benchmarks/results.md and results.json")
    parser.add_argument("--out", type=Path, default=None, help="write results.md and results.json into this directory")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse(argv)
    repeats = args.rounds or (3 if args.quick else 21)
    target_s = args.target or (0.02 if args.quick else 0.1)
    names = [name.strip() for name in args.workloads.split(",") if name.strip()]
    modules = [load(name) for name in names]  # fail fast on a typo

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    rows, exceptions = [], []
    started = time.perf_counter()
    for module in modules:
        log(f"{module.NAME}:")
        scaled = max(3, round(repeats * getattr(module, "REPEATS_SCALE", 1.0)))
        target = target_s * getattr(module, "TARGET_SCALE", 1.0)
        if (scaled, target) != (repeats, target_s):
            exceptions.append(f"{module.NAME}: {scaled} of ~{target:g} s")
        rows += run_workload(module, scaled, target, log, light=args.quick)
    if args.memory:
        measure_peaks(rows, log)
    context = {
        "argv": " ".join(argv),
        "repeats": repeats,
        "target_s": target_s,
        "exceptions": "; ".join(exceptions),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "seconds": round(time.perf_counter() - started, 1),
        "versions": report.versions(),
    }
    print(report.markdown(rows, context))
    out = args.out or (HERE if args.write else None)
    if out is None:
        log(f"done in {context['seconds']} s (nothing written: --write updates benchmarks/results.md)")
        return
    out.mkdir(parents=True, exist_ok=True)
    report.write(rows, context, out)
    log(f"done in {context['seconds']} s; wrote {out / 'results.md'} and results.json")


if __name__ == "__main__":
    main(sys.argv[1:])
