"""Each example in examples/ runs as a script and prints what its seed printed, now correct
under jit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import pytest

from tests.conftest import compare_three, undecorated

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ("counter", "state_holder", "linear_regression")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    """Run every example once, concurrently, with the repository on PYTHONPATH."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    procs = {name: subprocess.Popen([sys.executable, str(ROOT / "examples" / f"{name}.py")], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in EXAMPLES}
    out = {}
    for name, p in procs.items():
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, f"examples/{name}.py failed:\n{stderr}"
        out[name] = stdout
    return out


def test_counter(outputs):
    lines = outputs["counter"].splitlines()
    assert lines[:4] == ["eager:", "1", "2", "3"]
    assert lines[4] == "jax.jit(counter.count):"
    assert lines[5].startswith("PurifyError: Counter.count was called on an instance inside a JAX transformation")
    assert "purify.jit(obj.count)" in lines[6]
    rest = lines[7:]
    assert rest[:5] == ["purify.jit(counter.count):", "1", "2", "3", "counter.n = 3"]
    assert rest[5:9] == ["pure API under jax.jit:", "1", "2", "3"]
    assert rest[9].startswith("state = CounterState(n=") and "3" in rest[9]


def test_state_holder(outputs):
    text = outputs["state_holder"]
    blocks = text.split("\n\n")
    assert blocks[0].splitlines() == ["Without JIT:", "15.0", "15.0", "18.0", "18.0"]
    assert blocks[1].splitlines() == ["With purify.jit:", "15.0", "15.0", "18.0", "18.0"]
    assert blocks[2].startswith("With jax.jit(my_state.update):\nJIT attempt encountered an issue: "
                                "StateHolder.update was called on an instance inside a JAX transformation")
    assert blocks[3].splitlines() == ["Pure API under jax.jit:", "15.0", "18.0", "18.0"]


class Params(NamedTuple):
    weight: jnp.ndarray
    bias: jnp.ndarray


def seed_fit() -> Params:
    """Seed 000's hand-written linear regression, 1000 steps on 128 points."""
    learning_rate = 0.005

    def init(rng) -> Params:
        weights_key, bias_key = jax.random.split(rng)
        return Params(jax.random.normal(weights_key, ()), jax.random.normal(bias_key, ()))

    def loss(params, x, y):
        pred = params.weight * x + params.bias
        return jnp.mean((pred - y) ** 2)

    @jax.jit
    def update(params, x, y):
        grad = jax.grad(loss)(params, x, y)
        return jax.tree_util.tree_map(lambda param, g: param - g * learning_rate, params, grad)

    rng = jax.random.key(42)
    x_rng, noise_rng = jax.random.split(rng)
    xs = jax.random.normal(x_rng, (128, 1))
    ys = xs * 2 - 1 + jax.random.normal(noise_rng, (128, 1)) * 0.5
    params = init(rng)
    for _ in range(1000):
        params = update(params, xs, ys)
    return params


def test_linear_regression(outputs):
    lines = outputs["linear_regression"].splitlines()
    expected = seed_fit()
    want = f"w: {float(expected.weight):.4f}  b: {float(expected.bias):.4f}"
    assert lines[0] == want  # object-oriented, purify.jit
    assert lines[1] == want  # pure API under jax.jit
    w, b = float(lines[0].split()[1]), float(lines[0].split()[3])
    assert abs(w - 2) < 0.1 and abs(b + 1) < 0.1  # the true line is y = 2x - 1
    assert lines[2].startswith("loss: ")


# -- the examples' classes, three ways ------------------------------------------------------


def _example_source(name: str) -> str:
    return (ROOT / "examples" / f"{name}.py").read_text()


def test_counter_three_ways():
    calls = [("count", ()), ("count", ()), ("count", ()), ("reset", ()), ("count", ())]
    m = compare_three(_example_source("counter"), "Counter", (), calls)
    # vmap over a batch of counters
    states = m.Counter.State(n=jnp.arange(4))
    values, new = jax.jit(jax.vmap(m.Counter.count))(states)
    assert values.tolist() == [1, 2, 3, 4] and new.n.tolist() == [1, 2, 3, 4]


def test_state_holder_three_ways():
    m = compare_three(_example_source("state_holder"), "StateHolder", (10.0,), [("update", (5.0,)), ("update", (3.0,))])
    # d(new value)/d(old value) through the pure API
    g = jax.grad(lambda s: m.StateHolder.update(s, 5.0)[0])(m.StateHolder.init(10.0))
    assert float(g.value) == 1.0


def test_linear_regression_three_ways():
    src = _example_source("linear_regression")
    xs = jnp.linspace(-1, 1, 16).reshape(16, 1)
    ys = 2 * xs - 1
    calls = [("update", (xs, ys)), ("update", (xs, ys)), ("__call__", (xs,))]
    m = compare_three(src, "LinearRegression", (jax.random.key(0),), calls)
    plain = undecorated(src)
    # grad of the prediction w.r.t. the state matches the eager class's attributes' gradient
    s = m.LinearRegression.init(jax.random.key(0))
    g = jax.grad(lambda st: m.LinearRegression.__call__(st, xs)[0].sum())(s)

    def plain_out(w, b):
        obj = plain.LinearRegression.__new__(plain.LinearRegression)
        obj.weight, obj.bias = w, b
        return obj(xs).sum()

    gw, gb = jax.grad(plain_out, argnums=(0, 1))(s.weight, s.bias)
    assert abs(float(g.weight) - float(gw)) < 1e-5 and abs(float(g.bias) - float(gb)) < 1e-5
    # vmap: a batch of models, one update each
    batch = jax.vmap(m.LinearRegression.init)(jax.random.split(jax.random.key(1), 3))
    _, new = jax.vmap(m.LinearRegression.update, in_axes=(0, None, None))(batch, xs, ys)
    for i in range(3):
        one = m.LinearRegression.State(batch.weight[i], batch.bias[i])
        _, expected = m.LinearRegression.update(one, xs, ys)
        assert abs(float(new.weight[i]) - float(expected.weight)) < 1e-6
