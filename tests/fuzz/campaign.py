"""Run a fuzzing campaign through hypothesis, counting what happened.

A failure is recorded (program text and reason, under `out/` when given) and then
re-raised so hypothesis shrinks it; the last failure recorded is the minimal one.
With `keep_going` failures are only recorded and the campaign goes on.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st


@dataclasses.dataclass
class Stats:
    kind: str
    tried: int = 0  # programs run (shrinking replays included)
    failures: int = 0
    outcomes: dict[str, int] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    first_failure_at: int | None = None  # programs tried when the first failure came
    last_failure: str | None = None  # the program and reason of the latest (after shrinking: minimal) failure
    error: BaseException | None = None  # what hypothesis raised after shrinking (None: no failure, or keep_going)

    def summary(self) -> str:
        extra = ", ".join(f"{k}: {v}" for k, v in sorted(self.outcomes.items()))
        first = f", the first at program {self.first_failure_at}" if self.first_failure_at is not None else ""
        return (f"{self.kind}: {self.tried} programs, {self.failures} failures{first}"
                f"{' (' + extra + ')' if extra else ''} in {self.seconds:.0f} s")


def run(kind: str, strategy: st.SearchStrategy[Any], check: Callable[[Any], str],
        describe: Callable[[Any], str], is_failure: tuple[type[BaseException], ...], *, examples: int,
        seed: int | None = None, keep_going: bool = False, shrink: bool = True, out: str | None = None,
        derandomize: bool = False, progress: int = 0) -> Stats:
    """`check(program)` returns an outcome label (counted) or raises one of `is_failure`."""
    stats = Stats(kind)
    start = time.time()
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]

    @settings(max_examples=examples, deadline=None, database=None, derandomize=derandomize, phases=phases,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(strategy)
    def test(program: Any) -> None:
        stats.tried += 1
        if progress and stats.tried % progress == 0:
            print(f"  {kind}: {stats.tried} programs, {stats.failures} failures, "
                  f"{time.time() - start:.0f} s", flush=True)
        try:
            outcome = check(program)
        except is_failure as e:
            stats.failures += 1
            if stats.first_failure_at is None:
                stats.first_failure_at = stats.tried
                print(f"  {kind}: first failure at program {stats.tried}", flush=True)
            stats.last_failure = f"{describe(program)}\n# FAILURE: {e}\n"
            if out:
                os.makedirs(out, exist_ok=True)
                with open(os.path.join(out, f"{kind}_failure_{stats.failures}.py"), "w") as f:
                    f.write(stats.last_failure)
            if keep_going:
                return
            raise
        stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1

    if seed is not None:
        test = hypothesis_seed(seed)(test)
    try:
        test()
    except Exception as e:  # the failure hypothesis found and shrank (last_failure holds it)
        if not stats.failures:
            raise
        stats.error = e
    finally:
        stats.seconds = time.time() - start
    return stats
