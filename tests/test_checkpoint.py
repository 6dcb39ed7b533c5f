"""Checkpointing: a State round-trips through `np.savez`, pickle and (when installed)
orbax, and a restored state continues training exactly as the original did."""

from __future__ import annotations

import pickle

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from examples.ml.adam import Adam
from examples.ml.mlp import MLP, train_step
from examples.ml.trainer import Classifier, Trainer, blobs


def save_npz(path, state):
    """Every leaf under its key path (the static fields live in the structure, not the file)."""
    flat, _ = jax.tree_util.tree_flatten_with_path(state)
    np.savez(path, **{jax.tree_util.keystr(k): np.asarray(v) for k, v in flat})


def load_npz(path, template):
    """Arrays from `path`, in the structure of `template` (e.g. `Cls.init(...)` or `jax.eval_shape`)."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(template)
    with np.load(path) as data:
        return jax.tree.unflatten(treedef, [jnp.asarray(data[jax.tree_util.keystr(k)]) for k, _ in flat])


def same(a, b):
    assert jax.tree.structure(a) == jax.tree.structure(b)
    for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b)):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.fixture(scope="module")
def batches():
    x, y = blobs(jax.random.key(0), 1024)  # the trainer example's data and batch size
    return [(x[i * 64:(i + 1) * 64], y[i * 64:(i + 1) * 64]) for i in range(6)]


def test_npz_restore_continues_training_identically(tmp_path, batches):
    """Trainer (Linear, BatchNorm statistics, Dropout RNG counter, optax state): save after 3
    steps, train 3 more; restore the checkpoint and train the same 3: identical, bit for bit."""
    trainer = Trainer(Classifier(2, 32, 3, seed=0), lr=5e-3)
    step = purify.jit(trainer.step)
    for b in batches[:3]:
        step(b)
    save_npz(tmp_path / "ckpt.npz", purify.state_of(trainer))
    first = [float(step(b)) for b in batches[3:]]
    final = jax.tree.map(np.asarray, purify.state_of(trainer))

    # Restore into the structure of the live state (same static optimizer: no recompilation).
    restored = load_npz(tmp_path / "ckpt.npz", purify.state_of(trainer))
    assert type(restored) is Trainer.State and int(restored.model.drop.rng.counter) == 3
    purify.set_state(trainer, restored)
    again = [float(step(b)) for b in batches[3:]]
    assert first == again
    same(final, purify.state_of(trainer))


def test_npz_restore_into_a_fresh_template(tmp_path):
    """A new process would rebuild the structure from `Cls.init` (or `jax.eval_shape` of it)."""
    state = MLP.init((1, 32, 32, 1), seed=0)
    opt = Adam.init(purify.split(state)[0], lr=0.01)
    x = jnp.linspace(-3, 3, 128)[:, None]
    y = jnp.sin(x)
    for _ in range(2):
        _, state, opt = train_step(state, opt, x, y)
    save_npz(tmp_path / "mlp.npz", (state, opt))
    template = jax.eval_shape(lambda: (MLP.init((1, 32, 32, 1), seed=1),
                                       Adam.init(purify.split(MLP.init((1, 32, 32, 1)))[0], lr=0.01)))
    restored, restored_opt = load_npz(tmp_path / "mlp.npz", template)
    same(state, restored)
    same(opt, restored_opt)
    l1, s1, _ = train_step(state, opt, x, y)
    l2, s2, _ = train_step(restored, restored_opt, x, y)
    assert float(l1) == float(l2)
    same(s1, s2)


def test_pickle_round_trip_of_nested_states():
    state = Classifier.init(2, 32, 3, seed=0)
    restored = pickle.loads(pickle.dumps(jax.device_get(state)))
    assert type(restored) is Classifier.State
    assert type(restored.bn) is type(state.bn) and type(restored.drop.rng) is purify.Rng.State
    assert restored.drop.rate == state.drop.rate  # static fields come back too
    same(state, restored)
    # A restored state runs (and jits) like the original.
    x = jnp.ones((4, 2))
    np.testing.assert_array_equal(jax.jit(Classifier.__call__, static_argnums=2)(state, x, False)[0],
                                  jax.jit(Classifier.__call__, static_argnums=2)(restored, x, False)[0])


def test_pickle_of_the_parameters_only():
    """Static fields holding functions (an optax optimizer) do not pickle; save the model or the
    arrays, and rebuild the rest from `init`."""
    state = Trainer.init(Classifier.init(2, 32, 3, seed=0))
    params, rest = purify.split(state.model)
    blob = pickle.dumps(jax.device_get(params))
    back = pickle.loads(blob)
    same(params, back)
    assert type(purify.merge(back, rest)) is Classifier.State


def test_orbax_round_trip(tmp_path, batches):
    ocp = pytest.importorskip("orbax.checkpoint")
    trainer = Trainer(Classifier(2, 32, 3, seed=0), lr=5e-3)
    step = purify.jit(trainer.step)
    for b in batches[:2]:
        step(b)
    state = purify.state_of(trainer)
    ckptr = ocp.StandardCheckpointer()
    ckptr.save(tmp_path / "orbax", state)
    ckptr.wait_until_finished()
    first = [float(step(b)) for b in batches[2:4]]
    final = jax.tree.map(np.asarray, purify.state_of(trainer))

    template = jax.tree.map(ocp.utils.to_shape_dtype_struct, purify.state_of(trainer))
    restored = ckptr.restore(tmp_path / "orbax", template)
    assert type(restored) is Trainer.State
    purify.set_state(trainer, restored)
    assert [float(step(b)) for b in batches[2:4]] == first
    same(final, purify.state_of(trainer))
