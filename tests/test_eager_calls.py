"""An eager-only method called by a pure one under a test on static configuration (issue 14,
gymnasium's `if self.render_mode == "human": self.render()`): on an eager instance it runs on the
instance with the state as of the call; in the pure API, under a transform and in convert output
it is refused at the call, only when reached."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, compare_three, line_in, load_module, undecorated
from tests.test_cli import convert, write


def converted(tmp_path, source: str):
    """The `purify convert` output of `source`, imported (it never imports purify)."""
    code, out, err = convert(write(tmp_path / "case.py", source))
    assert code == 0, err
    assert "import purify" not in out
    return load_module(out, header=False)

# -- 4. an eager-only method called by a pure one under a test on static configuration ------------

RENDERED = """
@purify.stateful
class Env:
    def __init__(self, render_mode=None):
        self.render_mode = render_mode
        self.x = jnp.zeros(())
        self.frames = 0

    def step(self, a):
        self.x = self.x + a
        if self.render_mode == "human":
            self.render()
        return self.x * 10 + self.frames

    def render(self):
        self.canvas = [float(self.x)]  # an attribute only render makes: it lives on the instance
        self.frames = self.frames + 1  # and a change of the state, taken back by step
        return self.canvas
"""


def test_an_eager_only_method_a_pure_one_calls_runs_on_the_instance_with_the_state_of_the_moment():
    m, plain = load_module(RENDERED), undecorated(RENDERED).Env("human")
    env = m.Env("human")
    assert env.step(1.0) == plain.step(1.0) == 11.0 and env.canvas == plain.canvas == [1.0]  # x as step left it
    assert env.step(2.0) == plain.step(2.0) == 32.0 and env.canvas == plain.canvas == [3.0]
    assert env.frames == plain.frames == 2 and float(env.x) == float(plain.x)
    assert "canvas" not in m.Env.State._fields


def test_an_eager_only_call_behind_a_false_static_test_is_never_reached_in_the_pure_api():
    calls = [("step", (1.0,)), ("step", (2.0,))]
    m = compare_three(RENDERED, "Env", (), calls)
    xs = jnp.arange(3.0)
    out, states = jax.vmap(m.Env.step, in_axes=(None, 0))(m.Env.init(), xs)
    np.testing.assert_allclose(out, xs * 10)
    np.testing.assert_allclose(states.x, xs)
    assert_same(jax.grad(lambda a: m.Env.step(m.Env.init(), a)[0])(1.0), 10.0)
    fast = purify.jit(m.Env().step)
    assert fast(1.0) == 10.0


def test_an_eager_only_call_reached_in_the_pure_api_is_refused_at_the_call():
    m = load_module(RENDERED)
    line = line_in(RENDERED, "self.render()")
    for run in (lambda: m.Env.step(m.Env.init("human"), 1.0),
                lambda: jax.jit(m.Env.step)(m.Env.init("human"), 1.0),
                lambda: purify.jit(m.Env("human").step)(1.0)):
        with pytest.raises(purify.PurifyError) as info:
            run()
        e = info.value
        assert e.bare_msg.startswith("self.render() runs only on instances (purify could not make render pure), "
                                     "and this call is reached ")
        assert (e.lineno, e.offset) == (line, 13)
        assert e.hint.startswith("reach it only on a Python value that is false there")
    with pytest.raises(purify.PurifyError, match="reached while JAX traces the method"):
        jax.jit(m.Env.step)(m.Env.init("human"), 1.0)


def test_an_eager_only_call_in_the_convert_output(tmp_path):
    conv = converted(tmp_path, RENDERED)
    text = Path(conv.__file__).read_text()
    assert "_eager_call('render', self)" in text
    out, state = jax.jit(conv.Env.step)(conv.Env.init(), 2.0)
    assert out == 20.0 and state.x == 2.0
    with pytest.raises(TypeError) as info:
        conv.Env.step(conv.Env.init("human"), 1.0)
    line = line_in(text, "_eager_call('render', self)", header=False)
    assert str(info.value).startswith(f"{conv.__file__}:{line}: self.render() runs only on instances of the "
                                      "decorated class")


def test_instances_in_two_threads_each_render_their_own_state():
    import threading

    m = load_module(RENDERED)
    envs = [m.Env("human") for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(env, a):
        for _ in range(20):
            barrier.wait()
            env.step(a)

    threads = [threading.Thread(target=run, args=(env, a)) for env, a in zip(envs, (1.0, 100.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert envs[0].canvas == [20.0] and envs[1].canvas == [2000.0]
    assert envs[0].frames == envs[1].frames == 20


CHILD_RENDERS = RENDERED + """

@purify.stateful
class Wrapper:
    def __init__(self):
        self.env = Env("human")

    def step(self, a):
        return self.env.step(a)
"""


def test_an_eager_only_call_in_a_childs_method_run_by_its_parent_is_refused_at_the_call():
    m = load_module(CHILD_RENDERS)
    child = m.Wrapper().env
    assert child.step(1.0) == 11.0  # the child's own method on its view: render runs on it
    with pytest.raises(purify.PurifyError) as info:
        m.Wrapper().step(1.0)
    e = info.value
    assert e.bare_msg.endswith("reached in a method of Env run on its part of a Wrapper's state, where there is no "
                               "instance to run it on")
    assert (e.lineno, e.offset) == (line_in(CHILD_RENDERS, "self.render()"), 13)


COPIES = """
import copy


@purify.stateful
class Env:
    def __init__(self):
        self.x = jnp.zeros(())

    def step(self):
        self.x = self.x + 1
        self.show()
        return copy.copy(self)

    def show(self):
        print(self)
"""


def test_an_eager_only_call_in_a_class_whose_methods_run_on_copies_is_refused_at_decoration():
    with pytest.raises(purify.PurifyError) as info:
        load_module(COPIES)
    called = next(e for e in info.value.errors if e.bare_msg.startswith("step calls self.show()"))
    assert (called.lineno, called.offset) == (line_in(COPIES, "self.show()"), 9)
