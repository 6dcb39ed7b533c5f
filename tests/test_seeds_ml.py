"""Every example of seeds 002 and 003, written as a plain class (examples/seeds), under the
transformations the seed uses, compared with the seed's hand-written pure JAX and, for the
blox notebook, with the outputs it prints."""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from examples.ml.dropout import Dropout
from examples.seeds import (
    add_constant,
    dict_counter,
    donation,
    dropout_lanes,
    init_vs_runtime,
    locked_params,
    sharded_init,
    shared_params,
    shared_variants,
    training_step,
)
from examples.seeds.dict_counter import DictCounter, stateful_counter
from examples.seeds.training_step import LinearModel, X, Y

# Printed by the blox notebook (seed 003), seed 42, 4 lanes of 8 units.
SEED_NAIVE = [[1, 1, 0, 0, 0, 0, 0, 0]] * 4
SEED_FOLDED = [[0, 1, 0, 1, 1, 1, 0, 0], [0, 1, 1, 0, 0, 0, 1, 1], [0, 1, 0, 0, 1, 1, 1, 0], [0, 0, 0, 1, 0, 1, 0, 0]]
SEED_RUNTIME = [[0, 0, 0, 0, 1, 0, 1, 1], [0, 1, 0, 1, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0, 1, 0], [1, 1, 0, 0, 0, 0, 1, 1]]


def lanes(text):
    return [[int(v) for v in m.split(",")] for m in re.findall(r"Lane \d: \[([0-9, ]+)\]", text)]


# -- seed 002 ---------------------------------------------------------------------------


def test_dict_counter_eager_jit_and_vmap_match_the_seed():
    counter = DictCounter()
    counter.increment(jnp.array(1))
    assert int(counter.increment(jnp.array(5))["count"]) == 6

    step = jax.jit(DictCounter.increment)
    state = DictCounter.init()
    ref = {"count": 0}
    for inc in (1, 5):
        out, state = step(state, jnp.array(inc))
        ref = jax.jit(stateful_counter)(ref, jnp.array(inc))
        assert int(state.count_state["count"]) == int(ref["count"]) == int(out["count"])

    batched = DictCounter.init(jnp.array([0, 0, 0]))
    vm = jax.vmap(DictCounter.increment, in_axes=(DictCounter.State(count_state={"count": 0}), 0))
    ref = {"count": jnp.array([0, 0, 0])}
    ref_vm = jax.vmap(stateful_counter, in_axes=({"count": 0}, 0))
    for incs in ([1, 5, 10], [2, 3, 4]):
        _, batched = vm(batched, jnp.array(incs))
        ref = ref_vm(ref, jnp.array(incs))
    np.testing.assert_array_equal(batched.count_state["count"], [3, 8, 14])
    np.testing.assert_array_equal(batched.count_state["count"], ref["count"])
    # in_axes=0 for the whole state works too.
    _, again = jax.vmap(DictCounter.increment)(DictCounter.init(jnp.array([0, 0, 0])), jnp.array([1, 5, 10]))
    np.testing.assert_array_equal(again.count_state["count"], [1, 5, 10])


def test_dict_counter_example_prints_the_seed_values(capsys):
    dict_counter.main()
    out = capsys.readouterr().out
    assert out.count("[ 3,  8, 14]") == 2


def test_training_step_under_jit_matches_the_seed():
    params = {"w": jnp.array(2.0), "b": jnp.array(1.0)}
    np.testing.assert_allclose(LinearModel(2.0, 1.0).loss(X, Y), training_step.loss_fn(params, X, Y))
    g = purify.grad(LinearModel(2.0, 1.0).loss)(X, Y)
    ref = jax.grad(training_step.loss_fn)(params, X, Y)
    assert float(g.w) == float(ref["w"]) == -2.0 and float(g.b) == float(ref["b"]) == -1.0

    step, ref_step = jax.jit(LinearModel.training_step), jax.jit(training_step.training_step)
    state = LinearModel.init(2.0, 1.0)
    for _ in range(5):
        loss, state = step(state, X, Y, 0.1)
        ref_loss, params = ref_step(params, X, Y, 0.1)
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-6)
        np.testing.assert_allclose([state.w, state.b], [params["w"], params["b"]], rtol=1e-6)

    model = LinearModel(2.0, 1.0)
    fast = purify.jit(model.training_step)
    params = {"w": jnp.array(2.0), "b": jnp.array(1.0)}
    for _ in range(5):
        fast(X, Y, 0.1)
        _, params = ref_step(params, X, Y, 0.1)
    np.testing.assert_allclose([model.w, model.b], [params["w"], params["b"]], rtol=1e-6)


def test_training_step_example(capsys):
    training_step.main()
    out = capsys.readouterr().out
    for line in out.splitlines():
        if line.startswith("step"):
            mine, seed = line.split("seed:")
            assert mine.split(":", 1)[1].split() == seed.split()


def test_shared_params_in_axes_none(capsys):
    state = LinearModel.init(2.0, 1.0)
    xs = jnp.array([1.0, 2.0, 3.0, 4.0])
    preds, out_state = jax.vmap(LinearModel.predict, in_axes=(None, 0))(state, xs)
    ref_preds, ref_params = jax.vmap(training_step.predict_and_update, in_axes=(None, 0))(
        {"w": jnp.array(2.0), "b": jnp.array(1.0)}, xs)
    np.testing.assert_array_equal(preds, ref_preds)
    np.testing.assert_array_equal(out_state.w, ref_params["w"])  # replicated by vmap
    _, same = jax.vmap(LinearModel.predict, in_axes=(None, 0), out_axes=(0, None))(state, xs)
    assert float(same.w) == 2.0 and same.w.shape == ()
    shared_params.main()
    assert "[3. 5. 7. 9.]  seed: [3. 5. 7. 9.]" in capsys.readouterr().out


# -- seed 003 (blox sharp bits) ----------------------------------------------------------


def test_dropout_lanes_reproduce_the_seed_bit_for_bit(capsys):
    dropout_lanes.main()
    out = capsys.readouterr().out
    got = lanes(out)
    assert got[:4] == SEED_NAIVE
    assert got[4:] == SEED_FOLDED
    assert "recipe: True" in out


def test_dropout_lanes_state_identical_across_lanes():
    state = Dropout.init(0.5, seed=42)
    # With out_axes=0 the state comes back per lane, and every lane's copy is the same
    # (which is why out_axes=None is allowed).
    out, per_lane = jax.jit(purify.vmap(Dropout.__call__, in_axes=(None, 0)))(state, jnp.ones((4, 8)))
    assert [(row == 0).astype(int).tolist() for row in out] == SEED_FOLDED
    assert per_lane.rng.counter.tolist() == [1, 1, 1, 1]
    assert (per_lane.rng.seed == per_lane.rng.seed[0]).all()


def test_init_vs_runtime_reproduces_the_seed(capsys):
    init_vs_runtime.main()
    out = capsys.readouterr().out
    assert lanes(out) == SEED_RUNTIME
    assert "equals the unbatched init: True" in out
    # (main() initialises under purify.vmap with out_axes=None: that needs identical lanes.)


def test_init_vs_runtime_lane_folding_is_per_lane_outside_init():
    # The same draw outside Cls.init, under purify.vmap: every lane differs.
    def draw(_):
        rng = purify.Rng(42)
        return jax.random.normal(rng(), (3,))

    vals = jax.jit(purify.vmap(draw))(jnp.zeros(4))
    assert len({tuple(np.asarray(v).tolist()) for v in vals}) == 4


def test_sharded_init_with_jit_out_shardings(capsys):
    """On this process's devices (one, usually); test_multidevice runs it on eight."""
    sharded_init.main()
    out = capsys.readouterr().out
    assert "values equal an unsharded Model.init: True" in out
    # (JAX before 0.7 prints a PartitionSpec as `PartitionSpec(...)`, later ones as `P(...)`)
    assert "l1.w: global (4, 32)" in out and re.search(r"spec (P|PartitionSpec)\(None, 'model'\)", out)


def test_shared_params_across_two_model_variants(capsys):
    shared_variants.main()
    out = capsys.readouterr().out
    sums = re.findall(r"LSTM output sum: (-?[0-9.]+)", out)
    assert len(sums) == 2 and sums[0] == sums[1]
    assert "max diff 0.0" in out


def test_add_constant_change_is_visible_after_jit(capsys):
    adder = add_constant.AddConstant(10.0)
    x = jnp.array([1.0, 2.0, 3.0])
    f = purify.jit(adder.__call__)
    np.testing.assert_array_equal(f(x), [11.0, 12.0, 13.0])
    adder.value = 100.0
    np.testing.assert_array_equal(f(x), [101.0, 102.0, 103.0])
    np.testing.assert_array_equal(purify.jit(adder.__call__)(x), [101.0, 102.0, 103.0])
    adder.value = 10.0  # back to a value seen before: the first compiled version is reused
    np.testing.assert_array_equal(f(x), [11.0, 12.0, 13.0])
    add_constant.main()
    assert "After change: [1.0, 2.0, 3.0] -> [101.0, 102.0, 103.0]" in capsys.readouterr().out


def test_donation_deletes_old_state_buffers(capsys):
    model = LinearModel(2.0, 1.0)
    old = purify.state_of(model)
    purify.jit(model.training_step)(X, Y, 0.1)
    assert all(leaf.is_deleted() for leaf in jax.tree.leaves(old))
    assert not any(leaf.is_deleted() for leaf in jax.tree.leaves(purify.state_of(model)))
    # Pure API: purify.jit(Cls.method) donates argument 0; jax.jit does not unless asked.
    state = LinearModel.init(2.0, 1.0)
    _, new = purify.jit(LinearModel.training_step)(state, X, Y, 0.1)
    assert state.w.is_deleted() and not new.w.is_deleted()
    state = LinearModel.init(2.0, 1.0)
    jax.jit(LinearModel.training_step)(state, X, Y, 0.1)
    assert not state.w.is_deleted()
    donation.main()
    out = capsys.readouterr().out
    assert "[True, True]" in out and "reuses the donated buffer: True" in out


def test_locked_structure_and_immutability(capsys):
    assert "self.sacle is assigned in grow but __init__ never creates it" in locked_params.decorate_typo()
    layer = LinearModel(2.0, 1.0)
    with pytest.raises(purify.PurifyError, match="no state field 'kernel'"):
        layer.kernel = jnp.zeros(())
    state = LinearModel.init(2.0, 1.0)
    _, new = LinearModel.training_step(state, X, Y, 0.1)
    assert float(state.w) == 2.0 and float(new.w) != 2.0  # the input state is untouched
    locked_params.main()
    assert "original state is unchanged: True" in capsys.readouterr().out
