"""A batch of filterpy Kalman filters: the filterpy loop against the port under jax.jit(jax.vmap(...)).

    python -m benchmarks.ported_kalman                # 10,000 filters, 20 steps, float64
    python -m benchmarks.ported_kalman --filters 1000 --steps 50

The port is examples/ported/kalman_filter.py (filterpy's own KalmanFilter, decorated). One step is
predict then update, for every filter; filterpy runs its objects one after another, the port runs
`KalmanFilter.predict` and `KalmanFilter.update` of the pure API over the whole batch at once. The
results are checked against filterpy before the times are shown. Times are the best of `--repeats`
runs of all the steps, after one compiling run; the ratio is filterpy's time over the port's.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

F = np.array([[1.0, 1.0], [0.0, 1.0]])
H = np.array([[1.0, 0.0]])


def measurements(filters: int, steps: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.arange(steps, dtype=np.float64)[None, :] + rng.normal(0.0, 2.0, (filters, steps))


def configure(kf, array):
    kf.F, kf.H = array(F), array(H)
    kf.P = kf.P * 1000.0
    kf.R = kf.R * 5.0
    kf.Q = kf.Q * 0.1
    return kf


def filterpy_loop(zs: np.ndarray) -> np.ndarray:
    from filterpy.kalman import KalmanFilter

    filters = [configure(KalmanFilter(2, 1), np.array) for _ in range(zs.shape[0])]
    for t in range(zs.shape[1]):
        for kf, z in zip(filters, zs[:, t]):
            kf.predict()
            kf.update(z)
    return np.stack([kf.x for kf in filters])


def port_batch(zs: np.ndarray):
    from examples.ported.kalman_filter import KalmanFilter

    one = configure(KalmanFilter(2, 1), jnp.array)
    from purify import state_of

    states = jax.tree_util.tree_map(lambda x: jnp.broadcast_to(x, (zs.shape[0], *jnp.shape(x))), state_of(one))

    @jax.jit
    def step(states, z):
        _, states = jax.vmap(KalmanFilter.predict)(states)
        _, states = jax.vmap(KalmanFilter.update)(states, z)
        return states

    # A Python loop, not lax.scan: update sets the likelihood caches to None where __init__ set
    # floats, so the state's structure changes once (the first step compiles twice).
    def run(states, zs):
        for t in range(zs.shape[1]):
            states = step(states, zs[:, t])
        return states.x

    zs = jnp.asarray(zs)
    return lambda: run(states, zs).block_until_ready()


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filters", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    jax.config.update("jax_enable_x64", True)
    zs = measurements(args.filters, args.steps)
    want = filterpy_loop(zs)
    run = port_batch(zs)
    start = time.perf_counter()
    got = np.asarray(run())
    compile_s = time.perf_counter() - start
    error = float(np.max(np.abs(got - want)))
    assert error < 1e-9, f"the port differs from filterpy by {error}"
    loop_s = best(lambda: filterpy_loop(zs), args.repeats)
    port_s = best(run, args.repeats)
    print(f"{args.filters:,} filters x {args.steps} steps (predict + update), float64, {jax.devices()[0].platform}")
    print("| run | time (s) | per filter-step (us) |")
    print("|---|---:|---:|")
    per = 1e6 / (args.filters * args.steps)
    print(f"| filterpy, a loop over the objects | {loop_s:.3f} | {loop_s * per:.2f} |")
    print(f"| port, jax.jit(jax.vmap(...)), a step at a time | {port_s:.4f} | {port_s * per:.3f} |")
    print(f"ratio {loop_s / port_s:.0f}x; first run (compiling) {compile_s:.2f} s; max |x - filterpy's x| {error:.1e}")


if __name__ == "__main__":
    main()
