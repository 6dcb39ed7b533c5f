"""A module function the class's methods call, branching on a traced value (issue 14: simple-pid's
`_clamp(value, limits)`, an `if`/`elif` chain on the output): its control flow is converted like a
method's, in the decorator and in the `purify convert` output (which keeps the function,
converted), so `jax.jit` runs it instead of stopping with JAX's TracerBoolConversionError.
Against the same code without the decorator, eagerly, under `jax.jit`, `jax.vmap` and `jax.grad`;
what keeps its Python form is refused at the user's line under a transform."""

from __future__ import annotations

import ast
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest
from purify.engine.functions import module_functions
from purify.engine.static_resolver import Project, parse_module

from tests.conftest import line_in, load_module, undecorated
from tests.test_real_shapes import converted, float64  # noqa: F401 - float64: an autouse fixture

CLAMPED = """
    def _clamp(value, limits):
        lower, upper = limits
        if value is None:
            return None
        elif (upper is not None) and (value > upper):
            return upper
        elif (lower is not None) and (value < lower):
            return lower
        return value


    def _scaled(value, limits, k):
        total = 0.0
        i = 0
        while i < k:
            total = total + _clamp(value, limits)
            i += 1
        return total


    @purify.stateful
    class Controller:
        def __init__(self, limits=(0.0, 3.0)):
            self.x = 1.0
            self.limits = limits

        def step(self, v):
            self.x = _clamp(self.x + v, self.limits)
            return self.x

        def scaled(self, v, k):
            return _scaled(self.x * v, self.limits, k)
"""

INPUTS = [-5.0, 0.5, 1.5, 7.0]


@pytest.fixture(scope="module")
def mods():
    return load_module(CLAMPED), undecorated(CLAMPED)


@pytest.mark.parametrize("v", INPUTS)
def test_a_module_function_branching_on_a_traced_value_runs_in_every_mode(v, mods, tmp_path):
    mod, plain = mods
    p, d = plain.Controller(), mod.Controller()
    assert d.step(v) == p.step(v) and d.x == p.x
    for cls in (mod.Controller, converted(CLAMPED, tmp_path).Controller):
        out, state = jax.jit(cls.step)(cls.init(), v)
        assert float(out) == plain.Controller().step(v) == float(state.x)
        out, _ = jax.jit(cls.scaled)(cls.init(), v, 3)  # a loop on a traced bound calling _clamp
        assert float(out) == pytest.approx(plain.Controller().scaled(v, 3))


def test_under_vmap_each_lane_takes_its_own_branch(mods):
    mod, plain = mods
    outs, _ = jax.vmap(mod.Controller.step, in_axes=(None, 0))(mod.Controller.init(), jnp.array(INPUTS))
    np.testing.assert_array_equal(np.asarray(outs), [plain.Controller().step(v) for v in INPUTS])


def test_a_gradient_flows_through_the_branch_taken(mods):
    mod = mods[0]
    grad = jax.grad(lambda v: mod.Controller.step(mod.Controller.init(), v)[0])
    assert [float(grad(v)) for v in (-5.0, 0.5, 7.0)] == [0.0, 1.0, 0.0]


def test_the_modules_own_function_stays_as_written(mods):
    mod = mods[0]
    assert mod._clamp(None, (0, 1)) is None and mod._clamp(5, (None, 1)) == 1
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.jit(lambda v: mod._clamp(v, (0.0, 1.0)))(0.5)  # only the class's calls run the converted one


def test_the_converted_module_keeps_the_function_converted(tmp_path):
    conv = converted(CLAMPED, tmp_path)
    text = Path(conv.__file__).read_text()
    assert "def _clamp(value, limits):" in text and "_if(_and(_not_none(upper), lambda: _value_of(value) > _value_of(upper))" in text
    assert "import purify" not in text
    assert conv._clamp(None, (0, 1)) is None and float(jax.jit(lambda v: conv._clamp(v, (0.0, 1.0)))(3.0)) == 1.0


RAISES = """
    def _checked(value):
        if value < 0:
            raise ValueError("negative")
        return value * 2


    @purify.stateful
    class Meter:
        def __init__(self):
            self.total = 0.0

        def add(self, v):
            self.total = self.total + _checked(v)
            return self.total
"""


def test_what_keeps_its_python_form_is_refused_at_the_users_line_under_a_transform(tmp_path):
    mod, plain = load_module(RAISES), undecorated(RAISES)
    assert mod.Meter().add(2.0) == plain.Meter().add(2.0) == 4.0
    with pytest.raises(ValueError, match="negative"):
        mod.Meter().add(-1.0)  # eagerly Python raises, as it would
    line = line_in(RAISES, "if value < 0")
    for cls, where in ((mod.Meter, mod.__file__), (converted(RAISES, tmp_path).Meter, None)):
        with pytest.raises(purify.PurifyError if where else Exception) as e:
            jax.jit(cls.add)(cls.init(), 2.0)
        assert "a branch raises, but JAX cannot raise on a traced value" in str(e.value)
        assert not isinstance(e.value, jax.errors.TracerBoolConversionError)
        if where:
            assert (e.value.filename, e.value.lineno, e.value.offset) == (where, line, 5)  # the `if`


def test_a_rebound_decorated_or_recursive_function_is_left_alone():
    source = '''
import functools

import purify


def _clamp(v):
    if v > 1:
        return 1
    return v


def _fact(n):
    if n <= 1:
        return 1
    return n * _fact(n - 1)


@functools.cache
def _cached(v):
    if v > 1:
        return 1
    return v


_clamp = _clamp


@purify.stateful
class C:
    def __init__(self):
        self.x = 0.0

    def step(self):
        self.x = _clamp(self.x) + _cached(self.x) + _fact(3)
'''
    project = Project()
    info = project.add(parse_module(source, "case.py"))
    model = project.model(info, info.classes("C")[0])
    assert module_functions(model, ast.parse(source), project.resolver(info)).defs == {}


DEFAULTS = """
    CALLS = []


    def _limit(x, hi=(CALLS.append(1) or 3.0), *, lo=0.0):
        if x > hi:
            return hi
        if x < lo:
            return lo
        return x


    @purify.stateful
    class Meter:
        def __init__(self):
            self.x = 0.0

        def add(self, v):
            self.x = _limit(self.x + v)
            return self.x
"""


def test_the_converted_function_keeps_the_default_values_python_evaluated():
    mod = load_module(DEFAULTS)
    assert mod.CALLS == [1]  # evaluated once, when Python ran the `def`, not again at decoration
    assert float(jax.jit(mod.Meter.add)(mod.Meter.init(), 5.0)[0]) == 3.0 == mod.Meter().add(5.0)
    assert float(jax.jit(mod.Meter.add)(mod.Meter.init(), -5.0)[0]) == 0.0
