"""The one checker: each workload kind observes a fixed protocol on fresh Runners.

A checker has `observe(build) -> observations` and `verify(observed, reference) -> failures`.
The harness observes the baseline once as the reference, then every implementation (the
baseline too, so its absolute facts are checked: 1, 2, 3; the OLS fit; falling loss).
A checker with a `light` flag drops its costly parts when set (`--quick`: a smoke test).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

Build = Callable[..., Any]


def flat(tree: Any) -> np.ndarray:
    """All leaves of a pytree as one float64 vector; PRNG keys as their key data."""
    parts = []
    for leaf in jax.tree_util.tree_leaves(tree):
        if jax.dtypes.issubdtype(getattr(leaf, "dtype", None), jax.dtypes.prng_key):
            leaf = jax.random.key_data(leaf)
        parts.append(np.ravel(np.asarray(leaf, dtype=np.float64)))
    return np.concatenate(parts) if parts else np.zeros(0)


def mismatch(what: str, got: Any, want: Any, rtol: float, atol: float = 0.0) -> list[str]:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape == want.shape and np.allclose(got, want, rtol=rtol, atol=atol):
        return []
    worst = np.max(np.abs(got - want)) if got.shape == want.shape else "shape"
    return [f"{what} differs from the baseline (max abs diff {worst})"]


def steps(runner: Any, n: int) -> list[np.ndarray]:
    return [flat(runner.step()) for _ in range(n)]


class CounterCheck:
    def observe(self, build: Build) -> list[int]:
        return [int(out[0]) for out in steps(build(), 3)]

    def verify(self, observed: list[int], reference: list[int]) -> list[str]:
        return [] if observed == [1, 2, 3] else [f"first three calls returned {observed}"]


@dataclass
class LinRegCheck:
    x: Any
    y: Any
    steps: int = 300

    def observe(self, build: Build) -> np.ndarray:
        runner = build()
        steps(runner, self.steps)
        state = runner.read()
        return np.concatenate([flat(state["w"]), flat(state["b"])])

    def verify(self, observed: np.ndarray, reference: np.ndarray) -> list[str]:
        x, y = np.ravel(self.x), np.ravel(self.y)
        ols = np.polyfit(x, y, 1)  # (slope, intercept): where SGD converges
        failures = mismatch(f"(w, b) after {self.steps} steps", observed, reference, rtol=1e-4)
        return failures + mismatch("(w, b) against the OLS fit", observed, ols, rtol=0, atol=1e-3)


@dataclass
class ParticlesCheck:
    x0: Any
    v: Any
    dt: float

    def observe(self, build: Build) -> dict[str, np.ndarray]:
        runner = build()
        outs = steps(runner, 3)
        return {"out": outs[-1], "x": flat(runner.read()["x"])}

    def verify(self, observed: dict, reference: dict) -> list[str]:
        exact = np.ravel(self.x0) + 3 * self.dt * np.ravel(self.v)
        return (
            mismatch("x after 3 steps", observed["x"], reference["x"], rtol=1e-6)
            + mismatch("the third step's output", observed["out"], observed["x"], rtol=0)
            + mismatch("x against x0 + 3 v dt", observed["x"], exact, rtol=1e-5, atol=1e-5)
        )


@dataclass
class MLPCheck:
    """BN statistics, RNG threading, dropout freshness, numerics and learning.

    Dropout masks come from each framework's own RNG scheme, so exact loss equality is only
    asked for with dropout off; with it on, the checks are structural (masks change).
    """

    train_steps: int = 40
    light: bool = False  # skip the variants (two more compiles per row) and the training run

    def observe(self, build: Build) -> dict[str, Any]:
        runner = build()
        rngs, means = [flat(runner.read()["rng"])], []
        for _ in range(2):
            runner.step()
            rngs.append(flat(runner.read()["rng"]))
            means.append(flat(runner.read()["running_mean"]))
        observed = {"rngs": rngs, "means": means}
        if not self.light:
            observed["losses"] = [float(out[0]) for out in steps(runner, self.train_steps)]
            observed["plain"] = [float(out[0]) for out in steps(build(rate=0.0), 3)]
            observed["frozen"] = [float(out[0]) for out in steps(build(lr=0.0), 3)]
        return observed

    def verify(self, observed: dict, reference: dict) -> list[str]:
        failures = self.verify_state(observed, reference)
        if self.light:
            return failures
        failures += mismatch("losses with dropout off", observed["plain"], reference["plain"], rtol=2e-4)
        if len(set(observed["frozen"])) != 3:
            failures.append(f"with lr=0 the losses repeat (stale dropout masks): {observed['frozen']}")
        losses = observed["losses"]
        if not np.mean(losses[-5:]) < np.mean(losses[:5]):
            failures.append(f"loss did not fall over {len(losses)} steps")
        return failures

    def verify_state(self, observed: dict, reference: dict) -> list[str]:
        """BN statistics and RNG threading over the first two steps."""
        failures = []
        first, second = observed["means"]
        if not np.any(first):
            failures.append("BN running mean is zero after step 1")
        if np.array_equal(first, second):
            failures.append("BN running mean did not change at step 2")
        failures += mismatch("step-1 BN running mean", first, reference["means"][0], rtol=1e-4, atol=1e-6)
        rngs = observed["rngs"]
        if any(np.array_equal(a, b) for a, b in itertools.pairwise(rngs)):
            failures.append("RNG state did not change every step")
        return failures
