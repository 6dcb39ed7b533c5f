"""Multi-device: purified training steps under `jax.pmap`, `jax.shard_map` and `jax.jit` with
`NamedSharding`, on 8 CPU devices forced with `XLA_FLAGS=--xla_force_host_platform_device_count=8`.

XLA reads that flag once, when JAX starts its backend, and the pytest process has usually
started it already. So the checks run in a subprocess (this file run as a script, with the
flag set), once per session; each test reports one check's result. The subprocess starts
when pytest imports this file, so it runs alongside the other tests (XLA compiles on one
core at a time); set PURIFY_MULTIDEVICE_LAZY=1 to start it only when its tests run.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import purify

from examples.ml.linear import Linear

N_DEVICES = 8
MARK = "PURIFY-MULTIDEVICE-RESULTS "


@purify.stateful
class Net:
    def __init__(self, seed=0):
        rng = purify.Rng(seed)
        self.l1 = Linear(4, 16, rng)
        self.l2 = Linear(16, 3, rng)

    def __call__(self, x):
        return self.l2(jax.nn.relu(self.l1(x)))

    def loss(self, x, labels):
        return optax.softmax_cross_entropy_with_integer_labels(self(x), labels).mean()


@purify.stateful
class DPTrainer:
    """A training step in OOP style; with `axis_name` it averages loss and gradients over
    that axis (data parallelism), so every replica applies the same update."""

    def __init__(self, seed=0, lr=0.05):
        self.model = Net(seed)
        self.opt = optax.adam(lr)
        self.opt_state = self.opt.init(purify.split(self.model)[0])
        self.steps = 0

    def step(self, x, labels, axis_name=None):
        loss, grads = purify.value_and_grad(self.model.loss)(x, labels)
        if axis_name is not None:
            loss = jax.lax.pmean(loss, axis_name)
            grads = jax.lax.pmean(grads, axis_name)
        params, rest = purify.split(self.model)
        updates, self.opt_state = self.opt.update(grads, self.opt_state, params)
        self.model = purify.merge(optax.apply_updates(params, updates), rest)
        self.steps += 1
        return loss


# -- the worker (runs with 8 devices) ------------------------------------------------------


def _data(steps=4, batch=64):
    x = jax.random.normal(jax.random.key(0), (steps, batch, 4))
    labels = (x[..., 0] > 0).astype(jnp.int32) + (x[..., 1] > 1).astype(jnp.int32)
    return x, labels


_STATE0 = []


def _initial():
    """One initial state for every check (its optax optimizer is static metadata, compared by
    identity: sharing it lets the checks share compiled code)."""
    if not _STATE0:
        _STATE0.append(DPTrainer.init(0))
    return jax.tree.map(jnp.copy, _STATE0[0])


@functools.cache
def _reference_cached():
    """One device, full batches: what every data-parallel variant must reproduce."""
    state = _initial()
    x, labels = _data()
    step = jax.jit(DPTrainer.step)
    losses = []
    for i in range(x.shape[0]):
        loss, state = step(state, x[i], labels[i])
        losses.append(float(loss))
    return losses, state


def _reference(state, x, labels):
    return _reference_cached()


def _close(a, b, atol=1e-5):
    for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        np.testing.assert_allclose(np.asarray(u), np.asarray(v), atol=atol, rtol=1e-4)


def check_devices():
    assert len(jax.devices()) == N_DEVICES, jax.devices()


def check_pmap():
    state = _initial()
    x, labels = _data()
    ref_losses, ref_state = _reference(state, x, labels)
    replicated = jax.tree.map(lambda a: jnp.stack([a] * N_DEVICES), state)
    step = jax.pmap(DPTrainer.step, axis_name="dev", static_broadcasted_argnums=3)
    losses = []
    for i in range(x.shape[0]):
        xs = x[i].reshape(N_DEVICES, -1, 4)
        ls = labels[i].reshape(N_DEVICES, -1)
        loss, replicated = step(replicated, xs, ls, "dev")
        assert np.allclose(loss, loss[0])
        losses.append(float(loss[0]))
    for leaf in jax.tree.leaves(replicated):  # replicas stay identical
        np.testing.assert_array_equal(leaf, np.broadcast_to(leaf[0], leaf.shape))
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    _close(jax.tree.map(lambda a: a[0], replicated), ref_state)
    assert losses[-1] < losses[0] and int(replicated.steps[0]) == x.shape[0]


def check_shard_map():
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = _mesh()
    state = _initial()
    x, labels = _data()
    ref_losses, ref_state = _reference(state, x, labels)
    state = jax.device_put(state, NamedSharding(mesh, P()))
    x, labels = jax.device_put((x, labels), NamedSharding(mesh, P(None, "dev")))
    # check_vma=False: pmap's semantics, where the step averages its gradients with pmean. (With
    # the default check_vma=True, JAX itself sums the gradient of a replicated input over the
    # devices, and a further pmean would leave it N_DEVICES times the full-batch gradient.)
    step = jax.jit(jax.shard_map(functools.partial(DPTrainer.step, axis_name="dev"), mesh=mesh,
                                 in_specs=(P(), P("dev"), P("dev")), out_specs=(P(), P()), check_vma=False))
    losses = []
    for i in range(x.shape[0]):
        loss, state = step(state, x[i], labels[i])
        losses.append(float(loss))
    for leaf in jax.tree.leaves(state):  # replicated: every device holds the same values
        shards = [np.asarray(s.data) for s in leaf.addressable_shards]
        assert len(shards) == N_DEVICES and all(np.array_equal(s, shards[0]) for s in shards)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    _close(state, ref_state)


def _mesh():
    """A 1-D mesh of Auto axes: JAX 0.12 makes Explicit ones by default, under which an item
    update (`.at[i].set`, what `self.x[i] = v` becomes) needs an explicit out_sharding."""
    from jax.sharding import AxisType

    return jax.make_mesh((N_DEVICES,), ("dev",), axis_types=(AxisType.Auto,))


def check_jit_named_sharding():
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    mesh = _mesh()
    replicated, batch = NamedSharding(mesh, P()), NamedSharding(mesh, P("dev"))
    state = _initial()
    x, labels = _data()
    ref_losses, ref_state = _reference(state, x, labels)

    trainer = DPTrainer(0)
    purify.set_state(trainer, jax.device_put(purify.state_of(trainer), replicated))
    step = purify.jit(trainer.step, out_shardings=replicated)  # XLA inserts the gradient all-reduce
    losses = [float(step(jax.device_put(x[i], batch), jax.device_put(labels[i], batch)))
              for i in range(x.shape[0])]
    new = purify.state_of(trainer)
    for leaf in jax.tree.leaves(new):
        assert leaf.sharding.is_fully_replicated
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-5)
    _close(new, ref_state)


def check_sharded_init():
    from examples.seeds import sharded_init

    mesh, state, _ = sharded_init.sharded_init()
    assert len(mesh.devices.flat) == N_DEVICES
    assert state.l1.w.addressable_shards[0].data.shape == (4, 32 // N_DEVICES)
    assert state.l2.w.addressable_shards[0].data.shape == (32 // N_DEVICES, 2)
    _close(state, sharded_init.Model.init(4, 32, 2, 42), atol=1e-6)


def check_vmap_lanes_inside_shard_map():
    """purify.vmap lanes inside shard_map: unique masks per example, state replicated."""
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    from examples.ml.dropout import Dropout

    mesh = _mesh()
    state = jax.device_put(Dropout.init(0.5, seed=0), NamedSharding(mesh, P()))
    lanes = purify.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None), axis_name="batch")
    f = jax.jit(jax.shard_map(lanes, mesh=mesh, in_specs=(P(), P("dev")), out_specs=(P("dev"), P())))
    out, new = f(state, jax.device_put(jnp.ones((N_DEVICES * 2, 64)), NamedSharding(mesh, P("dev"))))
    per_device = np.asarray(out == 0).reshape(N_DEVICES, 2, 64)
    assert not np.array_equal(per_device[0, 0], per_device[0, 1])  # lanes differ within a device
    assert int(new.rng.counter) == 1


CHECKS = [check_devices, check_pmap, check_shard_map, check_jit_named_sharding, check_sharded_init,
          check_vmap_lanes_inside_shard_map]


def _worker() -> None:
    results = {}
    for check in CHECKS:
        try:
            check()
            results[check.__name__] = "ok"
        except Exception:  # noqa: BLE001  (report every check, whichever fail)
            results[check.__name__] = traceback.format_exc()
    print(MARK + json.dumps(results), flush=True)


# -- the tests (pytest process) -------------------------------------------------------------


_worker_proc: list = []  # [(Popen, output file)] once started


def _start_worker() -> None:
    if _worker_proc:
        return
    env = dict(os.environ)
    # (Optimisation level 0: XLA compiles about twice as fast; every comparison here is between
    # programs compiled in this same process, so it changes no result.)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + f" --xla_force_host_platform_device_count={N_DEVICES}"
                        " --xla_backend_optimization_level=0").strip()
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (read by the fixture, after the worker ends)
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve())], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    _worker_proc.append((proc, out))
    atexit.register(_stop_worker)


def _stop_worker() -> None:
    for proc, _ in _worker_proc:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


if __name__ != "__main__" and os.environ.get("PURIFY_MULTIDEVICE_LAZY") != "1":
    _start_worker()


@pytest.fixture(scope="module")
def results():
    _start_worker()
    proc, out = _worker_proc[0]
    try:
        proc.wait(timeout=600)
    except subprocess.TimeoutExpired:
        _stop_worker()
    out.seek(0)
    text = out.read()
    lines = [line for line in text.splitlines() if line.startswith(MARK)]
    assert lines, f"the multi-device worker failed (exit {proc.returncode}):\n{text}"
    return json.loads(lines[-1][len(MARK):])


@pytest.mark.parametrize("check", [c.__name__ for c in CHECKS])
def test_multidevice(results, check):
    assert results[check] == "ok", results[check]


if __name__ == "__main__":
    _worker()
