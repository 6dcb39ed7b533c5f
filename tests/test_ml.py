"""Section 3 of the design: state in machine-learning code.

`purify.param` / `split` / `merge`, `purify.grad` / `value_and_grad` of methods,
`purify.Rng` and `purify.vmap` lanes, and the examples in examples/ml (each run at a
small size, compared with hand-written pure JAX where one exists).
"""

from __future__ import annotations

import contextlib
import io
import re

import jax
import jax.numpy as jnp
import numpy as np
import optax
import purify
import pytest

from examples.ml import adam as adam_mod
from examples.ml import batchnorm as bn_mod
from examples.ml import dropout as dropout_mod
from examples.ml import linear as linear_mod
from examples.ml import lstm as lstm_mod
from examples.ml import mlp as mlp_mod
from examples.ml import trainer as trainer_mod
from examples.ml.adam import Adam
from examples.ml.batchnorm import BatchNorm
from examples.ml.dropout import Dropout
from examples.ml.linear import Linear
from examples.ml.lstm import LSTM
from examples.ml.mlp import MLP
from examples.ml.trainer import Classifier, Trainer, blobs


def leaves_equal(a, b, atol=0.0):
    la, lb = jax.tree.leaves(a), jax.tree.leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=atol, rtol=0 if atol == 0 else 1e-5)


# -- classes used only here ------------------------------------------------------------


@purify.stateful
class LinearRegression:
    """Seed 000's linear regression, with `update` written in OOP style."""

    def __init__(self, key):
        weights_key, bias_key = jax.random.split(key)
        self.weight = purify.param(jax.random.normal(weights_key, ()))
        self.bias = purify.param(jax.random.normal(bias_key, ()))

    def loss(self, x, y):
        pred = self.weight * x + self.bias
        return jnp.mean((pred - y) ** 2)

    def update(self, x, y, lr=0.005):
        g = purify.grad(self.loss)(x, y)
        self.weight -= lr * g.weight
        self.bias -= lr * g.bias


@purify.stateful
class Unmarked:
    """No field is marked: every floating-point array counts as a parameter."""

    def __init__(self):
        self.w = jnp.ones((2,))
        self.steps = jnp.zeros((), jnp.int32)
        self.name = "unmarked"


@purify.stateful
class NormNet:
    """Linear -> BatchNorm -> Dropout; `fit` differentiates a child's method."""

    def __init__(self, seed=0):
        rng = purify.Rng(seed)
        self.lin = Linear(3, 4, rng)
        self.bn = BatchNorm(4)
        self.drop = Dropout(0.5, seed)

    def __call__(self, x):
        return self.drop(self.bn(self.lin(x)))

    def loss(self, x):
        return jnp.sum(self(x) ** 2)

    def loss_aux(self, x):
        out = self(x)
        return jnp.sum(out ** 2), out.mean()

    def grads(self, x):
        return purify.grad(self.loss)(x)

    def value_and_grads_aux(self, x):
        return purify.value_and_grad(self.loss_aux, has_aux=True)(x)


@purify.stateful
class Holder:
    """A child's method differentiated from the parent: `purify.grad(self.net.loss)`."""

    def __init__(self):
        self.net = NormNet(3)
        self.calls = 0

    def step(self, x, lr):
        loss, g = purify.value_and_grad(self.net.loss)(x)
        params, rest = purify.split(self.net)
        self.net = purify.merge(jax.tree.map(lambda p, d: p - lr * d, params, g), rest)
        self.calls += 1
        return loss


X3 = jax.random.normal(jax.random.key(7), (8, 3))


# -- param / split / merge -------------------------------------------------------------


def test_param_marks_fields():
    assert Linear.State._params == ("w", "b")
    assert BatchNorm.State._params == ("scale", "bias")
    assert purify.Rng.State._params == ()
    assert purify.param(3) == 3  # the identity at run time


def test_split_nested_state_types_and_none_placement():
    state = Classifier.init(2, 32, 3, seed=0)  # the trainer example's sizes
    params, rest = purify.split(state)
    # Same type at every level of nesting.
    for a, b in ((params, state), (rest, state), (params.l1, state.l1), (rest.bn, state.bn),
                 (params.drop.rng, state.drop.rng)):
        assert type(a) is type(b)
    assert params.l1.w is state.l1.w and rest.l1.w is None
    assert params.bn.scale is state.bn.scale and rest.bn.scale is None
    assert params.bn.mean is None and rest.bn.mean is state.bn.mean
    assert params.drop.rng.counter is None and rest.drop.rng.counter is state.drop.rng.counter
    assert params.drop.rng.seed is None and rest.drop.rng.seed is state.drop.rng.seed
    # Static fields are in both halves.
    assert params.bn.momentum == rest.bn.momentum == 0.9 and params.drop.rate == rest.drop.rate == 0.1
    assert len(jax.tree.leaves(params)) == 6 and len(jax.tree.leaves(rest)) == 4
    merged = purify.merge(params, rest)
    assert type(merged) is Classifier.State
    assert all(a is b for a, b in zip(jax.tree.leaves(merged), jax.tree.leaves(state)))


def test_split_of_an_object_and_of_a_pure_init_with_a_child_state():
    layer = Linear(3, 4, purify.Rng(0))
    params, rest = purify.split(layer)  # an object splits as its State
    assert type(params) is Linear.State and params.w is layer.w and rest.w is None
    # A child passed to __init__ (annotated `model: Classifier`): the pure init takes its State.
    state = Trainer.init(Classifier.init(2, 32, 3, seed=0), lr=5e-3)
    assert type(state.model) is Classifier.State
    assert jax.tree.structure(state.opt_state[0].mu) == jax.tree.structure(purify.split(state.model)[0])


def test_split_without_marks_takes_floating_arrays():
    state = Unmarked.init()
    params, rest = purify.split(state)
    assert params.w is state.w and params.steps is None
    assert rest.w is None and rest.steps is state.steps
    assert params.name == rest.name == "unmarked"
    assert purify.merge(params, rest) == state


def test_split_of_list_children_and_jax_grad_through_none_leaves():
    state = MLP.init((1, 32, 32, 1), seed=0)  # the mlp example's sizes
    params, rest = purify.split(state)
    assert isinstance(params.hidden, tuple) and len(params.hidden) == 2
    assert jax.tree.leaves(rest) == []
    grads = jax.jit(jax.grad(lambda p: MLP.loss(purify.merge(p, rest), X3[:, :1], X3[:, 2:])[0]))(params)
    assert type(grads) is MLP.State and type(grads.hidden[1]) is Linear.State
    assert grads.out.w.shape == (32, 1)


def test_blox_train_step_with_split_merge_matches_hand_written():
    """The seed's train_step: grad on the trainable part, BatchNorm statistics and the RNG
    counter threaded through has_aux; compared with the same model written with dicts."""
    state = NormNet.init(1)

    @jax.jit
    def train_step(state, x):
        trainable, non_trainable = purify.split(state)

        def loss_fn(t, nt):
            loss, new_state = NormNet.loss(purify.merge(t, nt), x)
            _, new_nt = purify.split(new_state)
            return loss, new_nt

        grads, new_nt = jax.grad(loss_fn, has_aux=True)(trainable, non_trainable)
        new_t = jax.tree.map(lambda w, g: w - 0.01 * g, trainable, grads)
        return purify.merge(new_t, new_nt)

    # Hand-written pure JAX, the same model on plain dicts.
    p = {"w": state.lin.w, "b": state.lin.b, "scale": state.bn.scale, "bias": state.bn.bias}
    s = {"mean": state.bn.mean, "var": state.bn.var, "seed": state.drop.rng.seed, "counter": state.drop.rng.counter}

    def ref_loss(p, s, x):
        h = x @ p["w"] + p["b"]
        mean, var = h.mean(0), h.var(0)
        s = {**s, "mean": 0.9 * s["mean"] + 0.1 * mean, "var": 0.9 * s["var"] + 0.1 * var}
        h = p["scale"] * (h - mean) / jnp.sqrt(var + 1e-5) + p["bias"]
        keep = jax.random.bernoulli(jax.random.fold_in(s["seed"], s["counter"]), 0.5, h.shape)
        h = jnp.where(keep, h / 0.5, 0.0)
        return jnp.sum(h ** 2), {**s, "counter": s["counter"] + 1}

    @jax.jit
    def ref_step(p, s, x):
        grads, s = jax.grad(ref_loss, has_aux=True)(p, s, x)
        return jax.tree.map(lambda w, g: w - 0.01 * g, p, grads), s

    for _ in range(3):
        state = train_step(state, X3)
        p, s = ref_step(p, s, X3)
    np.testing.assert_allclose(state.lin.w, p["w"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.bn.scale, p["scale"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.bn.mean, s["mean"], rtol=1e-5, atol=1e-6)
    assert int(state.drop.rng.counter) == int(s["counter"]) == 3


# -- grad / value_and_grad of methods ----------------------------------------------------


def test_linear_regression_update_matches_seed():
    """Seed 000: `g = purify.grad(self.loss)(x, y); self.weight -= lr * g.weight`."""

    def loss(params, x, y):
        pred = params["weight"] * x + params["bias"]
        return jnp.mean((pred - y) ** 2)

    @jax.jit
    def update(params, x, y):
        grad = jax.grad(loss)(params, x, y)
        return jax.tree.map(lambda param, g: param - g * 0.005, params, grad)

    rng = jax.random.key(42)
    x_rng, noise_rng = jax.random.split(rng)
    xs = jax.random.normal(x_rng, (128, 1))
    ys = xs * 2 - 1 + jax.random.normal(noise_rng, (128, 1)) * 0.5

    model = LinearRegression(rng)
    weights_key, bias_key = jax.random.split(rng)
    params = {"weight": jax.random.normal(weights_key, ()), "bias": jax.random.normal(bias_key, ())}
    assert float(model.weight) == float(params["weight"])
    step = purify.jit(model.update)
    for _ in range(200):
        step(xs, ys)
        params = update(params, xs, ys)
    np.testing.assert_allclose(model.weight, params["weight"], rtol=1e-5)
    np.testing.assert_allclose(model.bias, params["bias"], rtol=1e-5)
    # The pure API agrees too.
    state = LinearRegression.init(rng)
    upd = jax.jit(LinearRegression.update)
    for _ in range(200):
        _, state = upd(state, xs, ys)
    np.testing.assert_allclose(state.weight, params["weight"], rtol=1e-5)


@jax.jit
def _normnet_grads(state):
    """Everything the two tests below compare, in one compiled function."""
    params, rest = purify.split(state)
    return {
        "grads": NormNet.grads(state, X3),
        "ref": jax.grad(lambda p: NormNet.loss(purify.merge(p, rest), X3)[0])(params),
        "aux": NormNet.value_and_grads_aux(state, X3),
        "ref_aux": NormNet.loss_aux(state, X3)[0],
    }


def test_grad_of_method_keeps_non_param_updates_and_matches_jax_grad():
    state = NormNet.init(0)
    out = _normnet_grads(state)
    grads, new = out["grads"]
    # Gradients are shaped like the state; non-parameter fields are None.
    assert type(grads) is NormNet.State and type(grads.bn) is BatchNorm.State
    assert grads.bn.mean is None and grads.drop.rng.counter is None and grads.lin.w.shape == (3, 4)
    # The method's updates to non-parameter state are kept ...
    assert int(new.drop.rng.counter) == 1
    assert not np.allclose(new.bn.mean, state.bn.mean)
    # ... the parameters are not changed ...
    leaves_equal(purify.split(new)[0], purify.split(state)[0])
    # ... and the gradient equals jax.grad of the pure function with respect to the params.
    leaves_equal(grads, out["ref"], atol=1e-6)


def test_value_and_grad_has_aux():
    out = _normnet_grads(NormNet.init(0))
    ((value, aux), grads), new = out["aux"]
    ref_value, ref_aux = out["ref_aux"]
    np.testing.assert_allclose(value, ref_value, rtol=1e-6)
    np.testing.assert_allclose(aux, ref_aux, rtol=1e-6)
    assert grads.lin.b.shape == (4,) and int(new.drop.rng.counter) == 1


def test_value_and_grad_of_a_childs_method_from_the_parent():
    holder = Holder()
    step = purify.jit(holder.step)
    losses = [float(step(X3, 0.01)) for _ in range(3)]
    assert int(holder.calls) == 3 and int(holder.net.drop.rng.counter) == 3
    assert not np.allclose(holder.net.bn.mean, 0.0)
    assert all(np.isfinite(losses))
    # Pure API, same thing: three steps from the same initial state agree with the instance.
    state = Holder.init()
    pure = purify.jit(Holder.step)  # same function, same donation: the compiled step is reused
    for _ in range(3):
        _, state = pure(state, X3, 0.01)
    leaves_equal(state, purify.state_of(holder), atol=1e-6)


def test_grad_on_an_instance_method():
    model = LinearRegression(jax.random.key(0))
    x = jnp.arange(4.0)
    g = purify.grad(model.loss)(x, 2 * x)
    assert type(g) is LinearRegression.State
    w, b = float(model.weight), float(model.bias)
    np.testing.assert_allclose(g.weight, np.mean(2 * (w * x + b - 2 * x) * x), rtol=1e-5)
    loss, _ = purify.value_and_grad(model.loss)(x, 2 * x)
    np.testing.assert_allclose(loss, np.mean((w * x + b - 2 * x) ** 2), rtol=1e-5)


def test_value_and_grad_on_a_plain_function_is_jax():
    v, g = purify.value_and_grad(lambda x: x ** 2)(3.0)
    assert float(v) == 9.0 and float(g) == 6.0
    assert float(purify.grad(lambda x: x ** 3)(2.0)) == 12.0


# -- Rng and purify.vmap lanes ------------------------------------------------------------


def test_rng_key_is_fold_in_of_seed_and_counter():
    rng = purify.Rng(5)
    k0, k1 = rng(), rng()
    seed = jax.random.PRNGKey(5)
    assert np.array_equal(k0, jax.random.fold_in(seed, 0)) and np.array_equal(k1, jax.random.fold_in(seed, 1))
    assert int(rng.counter) == 2
    # Typed keys are accepted and stored raw (so states save with np.savez).
    assert purify.Rng.init(jax.random.key(5)).seed.dtype == jnp.uint32
    # Pure API under jit.
    key, st = jax.jit(purify.Rng.__call__)(purify.Rng.init(5))
    assert np.array_equal(key, k0) and int(st.counter) == 1


def test_vmap_lanes_unique_and_state_identical():
    state = Dropout.init(0.5, seed=0)
    xs = jnp.ones((6, 32))
    out, new = jax.jit(purify.vmap(Dropout.__call__, in_axes=(None, 0), out_axes=(0, None)))(state, xs)
    masks = {tuple(np.asarray(row == 0)) for row in out}
    assert len(masks) == 6
    assert int(new.rng.counter) == 1 and np.array_equal(new.rng.seed, state.rng.seed)
    # Lane l draws fold_in(fold_in(seed, l), counter) (blox's recipe).
    key = jax.random.fold_in(jax.random.fold_in(state.rng.seed, 2), 0)
    assert np.array_equal(np.asarray(out[2] == 0), ~np.asarray(jax.random.bernoulli(key, 0.5, (32,))))


def test_vmap_nested_lanes_and_named_axis():
    state = purify.Rng.init(0)

    def draw(s, _):
        key, s = purify.Rng.__call__(s)
        return jax.random.uniform(key), s

    inner = purify.vmap(draw, in_axes=(None, 0), out_axes=(0, None), axis_name="i")
    outer = purify.vmap(inner, in_axes=(None, 0), out_axes=(0, None), axis_name="o")
    vals, new = jax.jit(outer)(state, jnp.zeros((3, 4)))
    assert vals.shape == (3, 4) and len(set(np.asarray(vals).ravel().tolist())) == 12
    assert int(new.counter) == 1


def test_vmap_rejects_bound_methods():
    with pytest.raises(purify.PurifyError):
        purify.vmap(Dropout(0.5).__call__)


# -- layers ----------------------------------------------------------------------------


def test_batchnorm_training_flag_and_running_statistics():
    bn = BatchNorm(3, momentum=0.5)
    x = jnp.arange(12.0).reshape(4, 3)
    step = purify.jit(bn.__call__, static_argnames="training")
    y = step(x, training=True)
    np.testing.assert_allclose(y.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(bn.mean, 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(bn.var, 0.5 + 0.5 * x.var(0), rtol=1e-6)
    mean = np.array(bn.mean)
    y_eval = step(x, training=False)
    np.testing.assert_array_equal(bn.mean, mean)  # eval mode leaves the statistics alone
    np.testing.assert_allclose(y_eval, (x - mean) / np.sqrt(np.asarray(bn.var) + 1e-5), rtol=1e-5)
    # static_argnums counts the method's own arguments.
    step2 = purify.jit(bn.__call__, static_argnums=1)
    np.testing.assert_allclose(step2(x, False), y_eval, rtol=1e-6)


def test_dropout_eval_is_identity_and_rate():
    state = Dropout.init(0.25, seed=3)
    x = jnp.ones((10_000,))
    out, new = jax.jit(Dropout.__call__, static_argnums=2)(state, x, False)
    assert out is not None and np.array_equal(out, x) and int(new.rng.counter) == 0
    out, new = jax.jit(Dropout.__call__)(state, x)
    assert abs(float((out == 0).mean()) - 0.25) < 0.03 and int(new.rng.counter) == 1
    np.testing.assert_allclose(out[out != 0], 1 / 0.75, rtol=1e-6)


def test_lstm_loop_and_scan_share_one_state_and_match_hand_written():
    state = LSTM.init(1, 16, seed=42)  # the example's sizes (main(seq_len=6)): its compiled code is reused
    xs = jax.random.uniform(jax.random.key(0), (16, 6, 1), minval=-1.0, maxval=1.0)
    (y_loop, c_loop), s1 = jax.jit(LSTM.__call__)(state, xs)
    (y_scan, c_scan), s2 = jax.jit(LSTM.scan)(state, xs)
    np.testing.assert_allclose(y_loop, y_scan, atol=1e-6)
    leaves_equal(c_loop, c_scan, atol=1e-6)
    leaves_equal(s1, state)
    leaves_equal(s2, state)

    def ref(w_x, w_h, b, xs):
        h = c = jnp.zeros((xs.shape[0], 16))
        ys = []
        for t in range(xs.shape[1]):
            z = xs[:, t] @ w_x + h @ w_h + b
            i, f, g, o = z[:, :16], z[:, 16:32], z[:, 32:48], z[:, 48:]
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            ys.append(h)
        return jnp.stack(ys, 1)

    np.testing.assert_allclose(y_loop, jax.jit(ref)(state.w_x, state.w_h, state.b, xs), atol=1e-6)


def test_hand_written_adam_matches_optax():
    params = {"a": jnp.array([1.0, -2.0]), "b": Linear.init(2, 2, purify.Rng(0))}
    opt, ref = Adam.init(params, lr=0.1), optax.adam(0.1)
    ref_state = ref.init(params)
    p, q = params, params

    def grads(p):
        return jax.grad(lambda p: jnp.sum(p["a"] ** 2) + jnp.sum(jnp.sin(p["b"].w)) + jnp.sum(p["b"].b ** 3))(p)

    @jax.jit
    def steps(p, opt, q, ref_state):
        for _ in range(5):
            p, opt = Adam.update(opt, grads(p), p)
            updates, ref_state = ref.update(grads(q), ref_state, q)
            q = optax.apply_updates(q, updates)
        return p, opt, q

    p, opt, q = steps(p, opt, q, ref_state)
    leaves_equal(p, q, atol=1e-6)
    assert int(opt.count) == 5


@pytest.fixture(scope="module")
def trained():
    """The trainer example, trained for a few steps (shared: compiling the step is the slow part)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        trainer, losses, acc = trainer_mod.train(steps=80)
    return trainer, losses, acc, out.getvalue()


def test_trainer_step_matches_hand_written_pure_jax(trained):
    """Trainer.step (value_and_grad of a child's method + optax, OOP style) equals the
    same step written by hand in pure JAX on dicts."""
    trainer = trained[0]
    state = jax.tree.map(jnp.copy, purify.state_of(trainer))  # keep the example's trainer intact
    state = state._replace(opt_state=state.opt.init(purify.split(state.model)[0]))  # a fresh Adam
    s = state.model
    p = {"w1": s.l1.w, "b1": s.l1.b, "scale": s.bn.scale, "bias": s.bn.bias, "w2": s.l2.w, "b2": s.l2.b}
    aux = {"mean": s.bn.mean, "var": s.bn.var, "seed": s.drop.rng.seed, "counter": s.drop.rng.counter}
    p, aux = jax.tree.map(jnp.copy, (p, aux))  # purify.jit donates the state's buffers
    opt = optax.adam(5e-3)
    opt_state = opt.init(p)

    def loss_fn(p, aux, x, labels):
        h = x @ p["w1"] + p["b1"]
        mean, var = h.mean(0), h.var(0)
        aux = {**aux, "mean": 0.9 * aux["mean"] + 0.1 * mean, "var": 0.9 * aux["var"] + 0.1 * var}
        h = jax.nn.relu(p["scale"] * (h - mean) / jnp.sqrt(var + 1e-5) + p["bias"])
        keep = jax.random.bernoulli(jax.random.fold_in(aux["seed"], aux["counter"]), 0.9, h.shape)
        h = jnp.where(keep, h / 0.9, 0.0)
        logits = h @ p["w2"] + p["b2"]
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, {**aux, "counter": aux["counter"] + 1}

    @jax.jit
    def ref_step(p, aux, opt_state, x, labels):
        (loss, aux), g = jax.value_and_grad(loss_fn, has_aux=True)(p, aux, x, labels)
        updates, opt_state = opt.update(g, opt_state, p)
        return loss, optax.apply_updates(p, updates), aux, opt_state

    step = purify.jit(Trainer.step)  # the pure API; same compiled step as the example's
    x, labels = (a[:64] for a in blobs(jax.random.key(5), 512))
    for _ in range(3):
        loss, state = step(state, (x, labels))
        ref_loss, p, aux, opt_state = ref_step(p, aux, opt_state, x, labels)
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-5)
    m = state.model
    np.testing.assert_allclose(m.l1.w, p["w1"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.l2.b, p["b2"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(m.bn.var, aux["var"], rtol=1e-5)
    assert int(m.drop.rng.counter) == int(aux["counter"]) == 83 and int(state.steps) == 83


# -- the examples, at small sizes --------------------------------------------------------


def test_example_trainer_trains(trained):
    trainer, losses, acc, out = trained
    assert "test accuracy" in out and "mean loss" in out
    assert np.mean(losses[-16:]) < 0.6 * np.mean(losses[:16])
    assert acc > 0.8
    assert int(trainer.steps) == 80 and int(trainer.model.drop.rng.counter) == 80
    assert type(purify.state_of(trainer)) is Trainer.State


def test_example_linear(capsys):
    linear_mod.main(steps=40)
    out = capsys.readouterr().out
    last = float(out.split("step  39  loss ")[1].split()[0])
    assert last < 0.01 and "split -> params: ['w', 'b']" in out


def test_example_mlp(capsys):
    mlp_mod.main(steps=60)
    out = capsys.readouterr().out
    losses = [float(line.split("loss")[1]) for line in out.splitlines() if line.startswith("step")]
    assert losses[-1] < losses[0]


def test_example_batchnorm(capsys):
    bn_mod.main(steps=20)
    out = capsys.readouterr().out
    assert "statistics unchanged: True" in out and "d loss / d bias = [64.  0.  0.]" in out


def test_example_dropout(capsys):
    dropout_mod.main()
    out = capsys.readouterr().out
    naive = out.split("jax.vmap")[1].split("purify.vmap")[0]
    folded = out.split("purify.vmap")[1]
    naive_rows = re.findall(r"lane \d: (\[.*\])", naive)
    folded_rows = re.findall(r"lane \d: (\[.*\])", folded)
    assert len(naive_rows) == len(folded_rows) == 4
    assert len(set(naive_rows)) == 1 and len(set(folded_rows)) == 4
    assert "eval mode is the identity: True" in out


def test_example_lstm(capsys):
    lstm_mod.main(steps=15, seq_len=6)
    out = capsys.readouterr().out
    diffs = [float(part.split()[0].rstrip(",")) for part in out.split("max diff ")[1:]]
    assert len(diffs) == 2 and max(diffs) < 1e-5
    losses = [float(line.split("loss")[1]) for line in out.splitlines() if line.startswith("step")]
    assert losses[-1] < losses[0]


def test_example_adam(capsys):
    adam_mod.main(steps=100)
    out = capsys.readouterr().out
    diff = float(out.split("max |hand-written - optax| = ")[1])
    assert diff < 1e-5


# -- states of modules emitted by `purify convert` ---------------------------------------

CONVERT_SOURCE = '''
import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Dense:
    def __init__(self, n_in, n_out, seed):
        self.w = purify.param(jax.random.normal(jax.random.PRNGKey(seed), (n_in, n_out)))
        self.b = purify.param(jnp.zeros((n_out,)))

    def __call__(self, x):
        return x @ self.w + self.b


@purify.stateful
class Net:
    def __init__(self):
        self.l1 = Dense(3, 4, 0)
        self.mean = jnp.zeros((4,))
        self.calls = 0

    def __call__(self, x):
        h = self.l1(x)
        self.mean = 0.9 * self.mean + 0.1 * h.mean(0)
        self.calls += 1
        return h

    def loss(self, x):
        return jnp.sum(self(x) ** 2)

    def step(self, x, lr):
        loss, g = purify.value_and_grad(self.loss)(x)
        params, rest = purify.split(self.l1)
        self.l1 = purify.merge(jax.tree.map(lambda p, d: p - lr * d, params, g.l1), rest)
        return loss
'''


def test_split_merge_and_grad_on_states_of_converted_modules(tmp_path):
    import importlib.util
    import sys

    from purify.cli import main as cli_main

    src = tmp_path / "convert_src_ml.py"
    src.write_text(CONVERT_SOURCE)
    out = tmp_path / "convert_out_ml.py"
    assert cli_main(["convert", str(src), "-o", str(out)]) == 0
    text = out.read_text()
    assert "import purify" not in text
    modules = {}
    for name, path in (("convert_src_ml", src), ("convert_out_ml", out)):
        spec = importlib.util.spec_from_file_location(name, path)
        modules[name] = module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    decorated, converted = modules["convert_src_ml"], modules["convert_out_ml"]

    state = converted.Net.init()
    params, rest = purify.split(state)
    assert type(params) is converted.Net.State and type(params.l1) is converted.Dense.State
    assert params.l1.w is state.l1.w and params.mean is None and rest.mean is state.mean
    assert rest.l1.w is None and rest.calls == 0
    assert purify.merge(params, rest) == state

    step_c, step_d = jax.jit(converted.Net.step), jax.jit(decorated.Net.step)
    s_c, s_d = converted.Net.init(), decorated.Net.init()
    for _ in range(3):
        loss_c, s_c = step_c(s_c, X3, 0.01)
        loss_d, s_d = step_d(s_d, X3, 0.01)
        np.testing.assert_allclose(loss_c, loss_d, rtol=1e-6)
    assert int(s_c.calls) == 3
    leaves_equal(s_c, s_d, atol=1e-6)
