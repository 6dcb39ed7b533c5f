"""The one shape every implementation of a workload takes: a `Runner`.

A workload builds one Runner per implementation. The harness only ever calls `step`, the
checker only `step` and `read`, the jaxpr counter only `program`; so a framework's own
calling convention stays inside its builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax


@dataclass
class Runner:
    # One step on the implementation's own state; returns the step's first output (the
    # loss, the count), the value the harness blocks on.
    step: Callable[[], Any]
    # Named observables of the current state ("w", "running_mean", "rng", ...) for the checker.
    read: Callable[[], dict[str, Any]]
    # The ClosedJaxpr of one step, traced through the implementation's jitted call.
    program: Callable[[], Any]


def pure_runner(
    jitted: Callable, state: Any, args: tuple, observe: Callable[[Any], dict], trace: Callable = jax.make_jaxpr
) -> Runner:
    """A Runner for a jitted pure step `jitted(state, *args) -> (out, state)`.

    The state lives in a one-element list so that the donated input is dropped as soon as
    the call returns: a donated buffer must never be read again. `trace(fn)(*args)` gives
    the ClosedJaxpr (eqx traces with filter_make_jaxpr, which skips non-array leaves).
    """
    box = [state]

    def step():
        out, box[0] = jitted(box[0], *args)
        return out

    return Runner(
        step=step,
        read=lambda: observe(box[0]),
        program=lambda: trace(jitted)(box[0], *args),
    )
