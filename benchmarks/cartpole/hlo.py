"""What XLA compiles for each CartPole step, independent of the machine's load: the optimized
HLO's cost analysis (flops and bytes accessed, per environment) and its count of elementwise
operations, for `jax.jit(jax.vmap(step))` over n environments.

    python -m benchmarks.cartpole.hlo [--envs 1000]

Timings on a shared machine carry ±20-40% noise (benchmarks/cartpole/__main__.py); these counts
carry none, so they say how much more work a converted step asks of the hardware.
"""

from __future__ import annotations

import argparse
import collections
import re

import jax
import jax.numpy as jnp

from .impls import IMPLS, initial

OPS = ("compare", "select", "or", "and", "not", "convert", "add", "multiply", "subtract", "divide", "fusion")


def costs(n: int) -> list[tuple[str, str, float, float, collections.Counter]]:
    values, actions = initial(n)
    out = []
    for impl in IMPLS:
        try:
            step, batch = impl.build(values, actions)
        except ImportError:  # gymnax is an optional extra
            continue
        compiled = jax.jit(jax.vmap(step)).lower(batch, jnp.asarray(actions)).compile()
        cost = compiled.cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        ops = collections.Counter(m for m in re.findall(r"\s([a-z][\w-]*)\(", compiled.as_text()) if m in OPS)
        out.append((impl.name, impl.layout, cost.get("flops", 0.0) / n, cost.get("bytes accessed", 0.0) / n, ops))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=1000)
    args = parser.parse_args()
    print(f"Optimized HLO of jax.jit(jax.vmap(step)) over {args.envs:,} environments, per environment:\n")
    print("| implementation | state | flops | bytes accessed | " + " | ".join(OPS) + " |")
    print("|---|---|---:|---:|" + "---:|" * len(OPS))
    for name, layout, flops, nbytes, ops in costs(args.envs):
        print(f"| {name} | {layout} | {flops:.0f} | {nbytes:.0f} | " + " | ".join(str(ops[o]) for o in OPS) + " |")


if __name__ == "__main__":
    main()
