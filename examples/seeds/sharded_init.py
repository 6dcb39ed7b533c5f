"""Seed 003 ("Sharded initialisation"): create sharded parameters with
`jax.jit(Model.init, out_shardings=...)` from a replicated RNG.

`Model.init` is an ordinary pure function returning the State pytree, so `jax.jit`
partitions the freshly created parameters straight into their shardings; the
values equal an unsharded init. Run with several devices to see the shards:

    XLA_FLAGS=--xla_force_host_platform_device_count=8 python -m examples.seeds.sharded_init
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import purify
from jax.sharding import AxisType, NamedSharding
from jax.sharding import PartitionSpec as P

from examples.ml.linear import Linear


@purify.stateful
class Model:
    """Two dense layers; their widths are sharded over the 'model' mesh axis."""

    def __init__(self, n_in, hidden, n_out, seed=0):
        rng = purify.Rng(seed)
        self.l1 = Linear(n_in, hidden, rng)
        self.l2 = Linear(hidden, n_out, rng)

    def __call__(self, x):
        return self.l2(jax.nn.relu(self.l1(x)))


def shardings(mesh, shapes):
    """Column-shard l1 (its hidden units), row-shard l2's weight, replicate the rest."""
    replicated = NamedSharding(mesh, P())
    tree = jax.tree.map(lambda _: replicated, shapes)
    return tree._replace(
        l1=tree.l1._replace(w=NamedSharding(mesh, P(None, "model")), b=NamedSharding(mesh, P("model"))),
        l2=tree.l2._replace(w=NamedSharding(mesh, P("model", None))),
    )


def sharded_init(n_devices=None, hidden=32):
    devices = jax.devices()[: n_devices or len(jax.devices())]
    mesh = jax.make_mesh((len(devices),), ("model",), axis_types=(AxisType.Auto,), devices=devices)
    init = functools.partial(Model.init, 4, hidden, 2, 42)
    out_shardings = shardings(mesh, jax.eval_shape(init))
    state = jax.jit(init, out_shardings=out_shardings)()
    return mesh, state, out_shardings


def main() -> None:
    mesh, state, out_shardings = sharded_init()
    print(f"{len(mesh.devices.flat)} device(s), mesh axes {mesh.axis_names}")
    for name, leaf in (("l1.w", state.l1.w), ("l1.b", state.l1.b), ("l2.w", state.l2.w), ("l2.b", state.l2.b)):
        shard = leaf.addressable_shards[0].data.shape
        print(f"  {name}: global {leaf.shape}, per-device shard {shard}, spec {leaf.sharding.spec}")
    plain = Model.init(4, 32, 2, 42)
    same = all(bool(jnp.allclose(a, b, atol=1e-6)) for a, b in zip(jax.tree.leaves(state), jax.tree.leaves(plain)))
    print("values equal an unsharded Model.init:", same)

    # The sharded state runs under jit; the output state keeps its shardings.
    x = jnp.ones((8, 4))
    y, new_state = jax.jit(Model.__call__, out_shardings=(None, out_shardings))(state, x)
    print("forward pass under jit: output", y.shape, "| l1.w spec after:", new_state.l1.w.sharding.spec)


if __name__ == "__main__":
    main()
