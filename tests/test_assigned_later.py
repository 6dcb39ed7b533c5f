"""Fields that the object's user fills in after __init__ (issue 14, silently wrong before): a
field __init__ sets to None (filterpy's control matrix `kf.B`) is state, so the array assigned on
the instance is traced, not frozen into the compiled function; an array assigned to a static
field is refused where it is assigned; a field marked `purify.static(...)` that a method writes
is state, and the error says which method writes it."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, line_in, load_module, undecorated

KALMAN = """
@purify.stateful
class KalmanFilter:
    def __init__(self, dim_x):
        self.x = jnp.zeros(dim_x)
        self.F = jnp.eye(dim_x)
        self.B = None

    def predict(self, u=None):
        B = self.B
        if B is not None and u is not None:
            self.x = self.F @ self.x + B @ u
        else:
            self.x = self.F @ self.x
        return self.x
"""


def test_a_field_set_to_none_and_assigned_on_the_instance_is_traced_not_frozen():
    """On the start commit: the first compiled call froze B=None in, then assigning an array
    raised JAX's metadata error (and with a NumPy B changed in place, [0, 0] for plain [3, 1])."""
    plain, module = undecorated(KALMAN).KalmanFilter(2), load_module(KALMAN).KalmanFilter(2)
    u = jnp.array([3.0, 1.0])
    step = purify.jit(module.predict)
    for B in (None, jnp.eye(2), 2 * jnp.eye(2), None):
        plain.B = B
        module.B = B  # the caller keeps B: purify.jit donates a copy of it
        assert_same(plain.predict(u), step(u), where=f"purify.jit with B={B}")
        assert_same(plain.predict(u), module.predict(u), where=f"eager with B={B}")


def test_the_pure_api_takes_the_field_as_state():
    module = load_module(KALMAN)
    state = module.KalmanFilter.init(2)
    assert state.B is None
    out, state = jax.jit(module.KalmanFilter.predict)(state._replace(B=jnp.eye(2)), jnp.array([3.0, 1.0]))
    assert out.tolist() == [3.0, 1.0]
    batch = jax.vmap(lambda b: module.KalmanFilter.predict(state._replace(B=b * jnp.eye(2)), jnp.ones(2))[0])(
        jnp.arange(3.0))
    assert batch.tolist() == [[3.0, 1.0], [4.0, 2.0], [5.0, 3.0]]


CONFIGURED = """
@purify.stateful
class Scaled:
    def __init__(self, scale=2.0):
        self.scale = scale
        self.total = jnp.zeros(())

    def add(self, x):
        self.total = self.total + self.scale * x
        return self.total
"""


def test_a_static_field_assigned_a_new_value_on_the_instance_retraces():
    plain, module = undecorated(CONFIGURED).Scaled(), load_module(CONFIGURED).Scaled()
    step = purify.jit(module.add)
    for scale in (2.0, 3.0, 2.0):
        plain.scale = module.scale = scale
        assert_same(plain.add(1.0), step(1.0), where=f"scale={scale}")


@pytest.mark.parametrize("value", [jnp.ones(2), np.ones(2)])
def test_an_array_assigned_to_a_static_field_is_refused_where_it_is_assigned(value):
    obj = load_module(CONFIGURED).Scaled()
    with pytest.raises(purify.PurifyError) as info:
        obj.scale = value
    assert str(info.value) == (
        "Scaled.scale is static configuration (__init__ sets it from plain configuration and no method writes it), "
        "so compiled functions keep the value they were traced with, but it would hold an array\n"
        "  hint: make it state in __init__ (self.scale = jnp.asarray(...), or None until it is assigned)")
    assert obj.scale == 2.0


MARKED = """
@purify.stateful
class Mode:
    def __init__(self):
        self.mode = purify.static("fast")

    def slow_down(self):
        self.mode = "slow"
"""


def test_a_static_marker_on_a_field_a_method_writes_names_the_method_and_no_static_hint():
    module = load_module(MARKED)
    with pytest.raises(purify.PurifyError) as info:
        module.Mode()
    e = info.value
    line = line_in(MARKED, "self.mode = \"slow\"")
    assert e.bare_msg == (f"self.mode is written in slow_down (line {line}), so it is state, and state must hold a JAX "
                          "type (an array, a number or a bool), but it holds a builtins.str")
    assert "purify.static(...)" not in e.hint.split(", or")[0] and "only in __init__" in e.hint
    assert e.lineno == line_in(MARKED, "purify.static")
