"""Peak resident memory of one row, measured in a fresh process (opt-in: `--memory`).

The child imports only the row's framework, builds and compiles the step and runs it, then
reports VmHWM. A child's ru_maxrss would inherit the parent's high-water mark, so VmHWM of
the child itself is read. Imports count: that is what a user's process pays.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

STEPS = 200


def vm_hwm_mb() -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None  # not Linux: peak memory is not readable here


def measure_peaks(rows: list, log: Callable[[str], None]) -> None:
    for row in rows:
        if not row.timed:
            continue
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.memory", row.workload, row.impl],
            capture_output=True, text=True, timeout=300, check=False,
        )
        lines = done.stdout.strip().splitlines()
        row.peak_mb = float(lines[-1]) if done.returncode == 0 and lines and lines[-1] != "None" else None
        log(f"  {row.workload}/{row.impl}: peak {row.peak_mb} MB")


def _child(workload: str, impl_name: str) -> None:
    import jax

    from .workloads import load

    module = load(workload)
    impl = next(impl for impl in module.IMPLS if impl.name == impl_name)
    runner = impl.build()
    for _ in range(max(1, round(STEPS * getattr(module, "MEMORY_SCALE", 1.0)))):
        jax.block_until_ready(runner.step())
    print(vm_hwm_mb())


if __name__ == "__main__":
    _child(*sys.argv[1:3])
