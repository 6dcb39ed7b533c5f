"""The control-flow examples of examples/control (issue 13): plain classes that branch and loop on
their own state, compared with the same classes without the decorator, run eagerly.

Every scenario runs five ways and must give the plain class's outputs and final state:
the decorated instance; the pure API called eagerly; the pure API under `jax.jit`; each lane of
`jax.vmap` (lanes that take different branches) against its own plain run; and the module that
`purify convert` writes, imported with purify blocked. The PID controller is also run against
simple-pid's own `PID`, and CartPole against Gymnasium's NumPy step, copied into this file.

The `jax.jit`/`jax.vmap` runs need the control-flow conversion (issue 13), which lands construct by
construct: each scenario names the constructs it uses, and its compiled runs are skipped, naming
the ones not converted yet, until probes (PROBES below) show that all of them convert.
"""

import importlib.util
import io
import math
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest
from purify.cli import main as purify_main

from tests.conftest import load_module, undecorated

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "control"


# The control-flow conversion lands construct by construct (issue 13). Each probe is a class
# whose method uses one construct on traced state; a scenario lists the constructs it needs, and
# its jax.jit/jax.vmap runs are skipped, naming the missing ones, until every probe runs under
# jax.jit. A probe that fails in any other way counts as converted: its tests then run and fail.
PROBES = {
    "if": "if self.x < 1.0:\n    self.x += 1.0\nreturn self.x",
    "conditional expression": "return 1.0 if self.x < 1.0 else 2.0",
    "return inside if": "if self.x < 1.0:\n    return 1.0\nreturn 2.0",
    "while": "while self.x < 3.0:\n    self.x += 1.0\nreturn self.x",
    "and/or": "if self.x < 1.0 or self.x > 2.0:\n    self.x = 0.0\nreturn self.x",
    "and/or in a value": "out = self.x < 1.0 or self.x > 2.0\nreturn out",
    "bool()": "return bool(self.x < 1.0)",
}


# written outside __init__, so self.x is state (traced under jax.jit), not static configuration
SETTER = """
                def set(self, x):
                    self.x = x
"""


def _probe_class(body: str) -> str:
    method = textwrap.indent(body, " " * 20)
    return f"""
            @purify.stateful
            class Probe:
                def __init__(self):
                    self.x = 0.0

                def step(self):
{method}
        """ + SETTER


def _converts(body: str) -> bool:
    """Whether the probe's method runs under jax.jit (no TracerBoolConversionError)."""
    module = load_module(_probe_class(body))
    try:
        jax.jit(module.Probe.step)(module.Probe.init())
    except jax.errors.TracerBoolConversionError:
        return False
    except Exception:  # noqa: BLE001 - converted but failing: let the tests run and show it
        return True
    return True


CONVERTED = {name: _converts(body) for name, body in PROBES.items()}


def needs(*constructs: str) -> pytest.MarkDecorator:
    missing = [c for c in constructs if not CONVERTED[c]]
    return pytest.mark.skipif(bool(missing), reason="needs the conversion (issue 13) of: " + ", ".join(missing))


# -- comparing values -------------------------------------------------------------------------


def leaves(value: Any) -> list[Any]:
    """The values of a result or a state as a flat list: arrays, Python scalars and bools alike
    become float64 arrays (a jitted step returns arrays where Python returns bools); None, strings
    and callables stay as they are. A state or a plain object is its fields in order."""
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        value = tuple(value)
    elif hasattr(type(value), "__purify__"):
        value = tuple(purify.state_of(value))
    elif type(value).__module__.startswith("purify_case_") and hasattr(value, "__dict__"):
        value = tuple(vars(value).values())
    flat = jax.tree.leaves(value, is_leaf=lambda v: v is None)
    return [v if v is None or isinstance(v, str) or callable(v) else np.asarray(v, dtype=np.float64) for v in flat]


def assert_close(got: Any, want: Any, where: str, rtol: float = 1e-5, atol: float = 1e-5) -> None:
    got, want = leaves(got), leaves(want)
    assert len(got) == len(want), f"{where}: {len(got)} values != {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray), f"{where}[{i}]: {g!r} != {w!r}"
            np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"{where}[{i}]")
        else:
            assert g == w, f"{where}[{i}]: {g!r} != {w!r}"


# -- scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    """A run of one example class: `calls` are (method, args) on one object; `static` names the
    positions of method arguments that stay Python values under jax.jit (as `static_argnums`)."""

    file: str
    cls: str
    init: tuple = ()
    init_kwargs: dict = field(default_factory=dict)
    calls: list[tuple[str, tuple]] = field(default_factory=list)
    static: dict[str, tuple[int, ...]] = field(default_factory=dict)
    rtol: float = 1e-5
    constructs: tuple[str, ...] = ("if",)  # what its compiled runs need converted (PROBES)

    @property
    def source(self) -> str:
        text = (EXAMPLES / self.file).read_text()
        if "and/or in a value" in self.constructs and self.cls == "CartPole":
            text = text.replace(CARTPOLE_PORT, CARTPOLE_GYMNASIUM)
            assert CARTPOLE_GYMNASIUM in text
        return text


CARTPOLE_PORT = """\
        terminated = False
        if (
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        ):
            terminated = True
"""
CARTPOLE_GYMNASIUM = """\
        terminated = bool(
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        )
"""


THERMOSTAT = ("if", "conditional expression")
EARLY_STOPPING = ("if", "return inside if")
PID = ("if", "return inside if", "conditional expression", "and/or")
CARTPOLE = ("if", "conditional expression", "and/or")
LOSSES = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.70, 0.73, 0.68, 0.75, 0.9, 0.9, 0.9]

SCENARIOS = {
    # the heater switches on, heats through the dead band, switches off, and on again
    "thermostat": Scenario("thermostat.py", "Thermostat", calls=[("step", (5.0,))] * 60, constructs=THERMOSTAT),
    # a cold spell: the room cools through the band from above
    "thermostat_warm_start": Scenario("thermostat.py", "Thermostat", init_kwargs={"temperature": 23.0},
                                      calls=[("step", (0.0,))] * 30, constructs=THERMOSTAT),
    "bouncing_ball": Scenario("bouncing_ball.py", "BouncingBall", calls=[("step", (0.01,))] * 300, rtol=1e-4),
    "bouncing_ball_until": Scenario("bouncing_ball.py", "BouncingBall", init=(2.0,),
                                    calls=[("run_until", (2,)), ("step", (0.01,)), ("run_until", (3,))], rtol=1e-4,
                                    constructs=("if", "while")),
    "early_stopping": Scenario("early_stopping.py", "EarlyStopping", init=(3,),
                               calls=[("__call__", (np.float32(loss),)) for loss in LOSSES], constructs=EARLY_STOPPING),
    "early_stopping_delta": Scenario("early_stopping.py", "EarlyStopping", init=(2, 0.05),
                                     calls=[("__call__", (np.float32(loss),)) for loss in LOSSES], constructs=EARLY_STOPPING),
    # clamped at the top, then inside the limits; manual mode holds the output; back to auto
    "pid": Scenario("pid.py", "PID", init=(5.0, 0.5, 0.1),
                    init_kwargs={"setpoint": 60.0, "sample_time": None, "output_limits": (0, 100)},
                    calls=[("__call__", (t, 0.1)) for t in (20.0, 25.0, 40.0, 55.0, 58.0, 59.5, 61.0, 62.0)]
                    + [("set_auto_mode", (False,)), ("__call__", (30.0, 0.1)), ("__call__", (31.0, 0.1)),
                       ("set_auto_mode", (True, 12.5)), ("__call__", (59.0, 0.1)), ("__call__", (61.0, 0.1)),
                       ("set_auto_mode", (True, 99.0)), ("__call__", (70.0, 0.1))],
                    static={"__call__": (1,)}, constructs=PID),
    # proportional on measurement, derivative on error, a sample time that skips calls, lower clamp
    "pid_variants": Scenario("pid.py", "PID", init=(2.0, 1.0, 0.5),
                             init_kwargs={"setpoint": 1.0, "sample_time": 0.15, "output_limits": (-1.0, 3.0),
                                          "proportional_on_measurement": True,
                                          "differential_on_measurement": False, "starting_output": 5.0},
                             calls=[("__call__", (x, dt)) for x, dt in
                                    ((0.0, 0.1), (0.2, 0.1), (0.4, 0.2), (3.0, 0.2), (2.5, 0.1), (0.9, 0.3))],
                             static={"__call__": (1,)}, constructs=PID),
    # pushed right until the pole falls, then on: all three reward branches
    "cartpole": Scenario("cartpole.py", "CartPole",
                         calls=[("reset", (jax.random.key(3),))] + [("step", (1,))] * 14 + [("step", (0,))] * 4,
                         constructs=CARTPOLE),
    # Gymnasium's own termination line, `terminated = bool(x < -x_threshold or ...)`, for when
    # purify converts `or` inside bool(): then the port's `if` can go back to it
    "cartpole_verbatim": Scenario("cartpole.py", "CartPole",
                                  calls=[("reset", (jax.random.key(5),))] + [("step", (0,))] * 16,
                                  constructs=("if", "conditional expression", "and/or in a value", "bool()")),
    "cartpole_semi_implicit": Scenario("cartpole.py", "CartPole", init=(True, "semi-implicit"),
                                       calls=[("reset", (jax.random.key(4),))] + [("step", (a,)) for a in
                                                                                   [0, 1] * 3 + [0] * 12],
                                       constructs=CARTPOLE),
}


def run_object(obj: Any, calls: list[tuple[str, tuple]]) -> list[list[Any]]:
    """Outputs of calls on an instance, flattened right away (NumPy state may change later)."""
    return [leaves(getattr(obj, name)(*args)) for name, args in calls]


def run_pure(cls: Any, scenario: Scenario, wrap: Callable[[Callable, tuple[int, ...]], Callable]) -> tuple[list, Any]:
    """The pure API: state = Cls.init(...); out, state = wrap(Cls.method)(state, *args)."""
    state = cls.init(*scenario.init, **scenario.init_kwargs)
    methods: dict[str, Callable] = {}
    outs = []
    for name, args in scenario.calls:
        if name not in methods:
            methods[name] = wrap(getattr(cls, name), tuple(n + 1 for n in scenario.static.get(name, ())))
        out, state = methods[name](state, *args)
        assert type(state) is cls.State
        outs.append(leaves(out))
    return outs, state


def eager(fn: Callable, static: tuple[int, ...]) -> Callable:
    return fn


def jitted(fn: Callable, static: tuple[int, ...]) -> Callable:
    return jax.jit(fn, static_argnums=static)


def plain_run(scenario: Scenario) -> tuple[list, Any]:
    module = undecorated(scenario.source)
    obj = getattr(module, scenario.cls)(*scenario.init, **scenario.init_kwargs)
    return run_object(obj, scenario.calls), obj


def compare(scenario: Scenario, outs: list, state: Any, want: tuple[list, Any], how: str) -> None:
    want_outs, want_obj = want
    for i, (got, exp) in enumerate(zip(outs, want_outs)):
        assert_close(got, exp, f"{how}: output of call {i} {scenario.calls[i][0]}", rtol=scenario.rtol)
    assert_close(state, want_obj, f"{how}: final state", rtol=scenario.rtol)


@pytest.fixture(scope="module")
def plain_runs() -> dict[str, tuple[list, Any]]:
    return {name: plain_run(s) for name, s in SCENARIOS.items()}


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_decorated_instance_and_the_pure_api_run_eagerly_as_the_plain_class(name, plain_runs):
    scenario = SCENARIOS[name]
    module = load_module(scenario.source)
    cls = getattr(module, scenario.cls)
    obj = cls(*scenario.init, **scenario.init_kwargs)
    compare(scenario, run_object(obj, scenario.calls), obj, plain_runs[name], "decorated instance")
    outs, state = run_pure(cls, scenario, eager)
    compare(scenario, outs, state, plain_runs[name], "pure API, eagerly")


def compiled(names=SCENARIOS) -> list:
    """The scenarios as parameters, each skipped until the constructs it needs convert."""
    return [pytest.param(name, marks=needs(*SCENARIOS[name].constructs)) for name in names]


@pytest.mark.parametrize("name", compiled())
def test_the_pure_api_under_jit_runs_as_the_plain_class(name, plain_runs):
    scenario = SCENARIOS[name]
    cls = getattr(load_module(scenario.source), scenario.cls)
    outs, state = run_pure(cls, scenario, jitted)
    compare(scenario, outs, state, plain_runs[name], "jax.jit(Cls.method)")


# -- the converted modules ------------------------------------------------------------------------

BLOCK_PURIFY = """
class _NoPurify:
    def find_spec(self, name, path=None, target=None):
        if name == "purify" or name.startswith("purify."):
            raise ImportError("purify is blocked")
"""


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Any]:
    """`purify convert examples/control -o OUT`, each module imported with purify blocked."""
    out = tmp_path_factory.mktemp("control_converted")
    saved = sys.stdout, sys.stderr
    err = io.StringIO()
    sys.stdout, sys.stderr = io.StringIO(), err
    try:
        code = purify_main(["convert", str(EXAMPLES), "-o", str(out)])
    finally:
        sys.stdout, sys.stderr = saved
    assert code == 0, err.getvalue()
    blocker = {}
    exec(textwrap.dedent(BLOCK_PURIFY), blocker)  # noqa: S102 - a fixed meta-path finder
    finder = blocker["_NoPurify"]()
    sys.meta_path.insert(0, finder)
    modules = {}
    try:
        for path in sorted(out.glob("*.py")):
            if path.name.startswith("__"):
                continue
            assert "import purify" not in path.read_text(), f"{path.name} still imports purify"
            spec = importlib.util.spec_from_file_location(f"control_converted_{path.stem}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            modules[path.name] = module
    finally:
        sys.meta_path.remove(finder)
    return modules


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_converted_module_runs_eagerly_as_the_plain_class(name, plain_runs, converted):
    scenario = SCENARIOS[name]
    cls = getattr(converted[scenario.file], scenario.cls)
    outs, state = run_pure(cls, scenario, eager)
    compare(scenario, outs, state, plain_runs[name], "converted module, eagerly")


@pytest.mark.parametrize("name", compiled())
def test_the_converted_module_under_jit_runs_as_the_plain_class(name, plain_runs, converted):
    scenario = SCENARIOS[name]
    cls = getattr(converted[scenario.file], scenario.cls)
    outs, state = run_pure(cls, scenario, jitted)
    compare(scenario, outs, state, plain_runs[name], "converted module under jax.jit")


# -- vmap: lanes that take different branches ---------------------------------------------------


def lane(tree: Any, i: int) -> Any:
    return jax.tree.map(lambda v: v[i], tree)


def check_lanes(cls: Any, plain_cls: Any, inits: list[dict], method: str, args: list[tuple], steps: int,
                rtol: float = 1e-5) -> set:
    """`steps` calls of jax.jit(jax.vmap(cls.method)) over a batch of states made by
    cls.init(**inits[i]), lane i called with args[i]; each lane against its own plain object.
    Returns the set of per-lane outputs of the last step (to show the lanes differ)."""
    states = [cls.init(**kw) for kw in inits]
    batch = jax.tree.map(lambda *v: jnp.stack([jnp.asarray(x) for x in v]), *states)
    batched_args = tuple(jnp.stack([jnp.asarray(a[k]) for a in args]) for k in range(len(args[0])))
    step = jax.jit(jax.vmap(getattr(cls, method)))
    objs = [plain_cls(**kw) for kw in inits]
    for k in range(steps):
        out, batch = step(batch, *batched_args)
        for i, obj in enumerate(objs):
            assert_close(lane(out, i), getattr(obj, method)(*args[i]), f"lane {i} output at step {k}", rtol=rtol)
    for i, obj in enumerate(objs):
        assert_close(lane(batch, i), obj, f"lane {i} final state", rtol=rtol)
    return {tuple(tuple(np.ravel(np.asarray(leaf[i])).tolist()) for leaf in jax.tree.leaves(out))
            for i in range(len(inits))}


def _classes(file: str, cls: str) -> tuple[Any, Any]:
    source = (EXAMPLES / file).read_text()
    return getattr(load_module(source), cls), getattr(undecorated(source), cls)


@needs(*THERMOSTAT)
def test_vmapped_thermostats_each_switch_their_own_heater():
    cls, plain = _classes("thermostat.py", "Thermostat")
    starts = [10.0, 19.4, 19.6, 20.4, 20.6, 25.0]
    check_lanes(cls, plain, [{"temperature": t} for t in starts], "step", [(5.0,)] * len(starts), 25)
    # the lanes really took different branches: some heat, some do not
    batch = jax.vmap(lambda t: cls.init(temperature=t))(jnp.array(starts))
    _, batch = jax.vmap(cls.step, in_axes=(0, None))(batch, 5.0)
    assert set(np.asarray(batch.heating).tolist()) == {True, False}


@needs("if")
def test_vmapped_balls_bounce_at_their_own_times():
    cls, plain = _classes("bouncing_ball.py", "BouncingBall")
    heights = [0.05, 0.5, 1.0, 3.0]
    last = check_lanes(cls, plain, [{"height": h} for h in heights], "step", [(0.01,)] * len(heights), 120,
                       rtol=1e-4)
    assert len(last) == len(heights)


@needs("if", "while")
def test_vmapped_balls_loop_until_their_own_bounce():
    cls, plain = _classes("bouncing_ball.py", "BouncingBall")
    heights = [0.5, 1.0, 2.0]
    check_lanes(cls, plain, [{"height": h} for h in heights], "run_until", [(2,)] * len(heights), 1, rtol=1e-4)


@needs(*EARLY_STOPPING)
def test_vmapped_early_stopping_lanes_stop_at_their_own_epochs():
    """Three training runs, one lane each (patience is static configuration, so one value for
    the batch): each sees its own losses, and stops at its own epoch."""
    cls, plain = _classes("early_stopping.py", "EarlyStopping")
    runs = [LOSSES, sorted(LOSSES, reverse=True), LOSSES[::-1]]
    states = jax.tree.map(lambda *v: jnp.stack([jnp.asarray(x) for x in v]), *[cls.init(2) for _ in runs])
    plains = [plain(2) for _ in runs]
    step = jax.jit(jax.vmap(cls.__call__))
    stops = []
    for epoch in range(len(LOSSES)):
        losses = np.array([run[epoch] for run in runs], dtype=np.float32)
        stop, states = step(states, losses)
        want = [p(loss) for p, loss in zip(plains, losses)]
        assert_close(stop, np.array(want), f"epoch {epoch}")
        stops.append(tuple(np.asarray(stop).tolist()))
    for i, p in enumerate(plains):
        assert_close(lane(states, i), p, f"run {i} final state")
    assert len(set(stops)) > 2  # the lanes stopped at different epochs


@needs(*CARTPOLE)
def test_vmapped_carts_fall_at_their_own_steps():
    cls, plain = _classes("cartpole.py", "CartPole")
    keys = jax.random.split(jax.random.key(7), 6)
    actions = [1, 0, 1, 0, 1, 1]
    states = [cls.reset(cls.init(), k)[1] for k in keys]
    batch = jax.tree.map(lambda *v: jnp.stack(v), *states)
    objs = [plain() for _ in keys]
    for obj, k in zip(objs, keys):
        obj.reset(k)
    step = jax.jit(jax.vmap(cls.step))
    fell = []
    for k in range(16):
        out, batch = step(batch, jnp.array(actions))
        for i, obj in enumerate(objs):
            assert_close(lane(out, i), obj.step(actions[i]), f"cart {i} at step {k}")
        fell.append(np.asarray(out[2]).tolist())
    for i, obj in enumerate(objs):
        assert_close(lane(batch, i), obj, f"cart {i} final state")
    assert len({tuple(f) for f in fell}) > 2  # the carts fell at different steps


@needs(*PID)
def test_the_pid_examples_scan_runs_under_jit_and_vmap():
    from examples.control import pid

    want, want_t = pid.run_eager()
    got, _ = jax.jit(pid.run_pure)(20.0)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-3)
    starts = [10.0, 20.0, 50.0, 80.0]
    outs, temps = jax.jit(jax.vmap(pid.run_pure))(jnp.array(starts))
    for i, start in enumerate(starts):
        want, want_t = pid.run_eager(start)
        np.testing.assert_allclose(np.asarray(outs[i]), np.asarray(want), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(float(temps[i]), want_t, rtol=1e-4)


# -- the originals: simple-pid's PID and Gymnasium's CartPole -------------------------------------


class FakeClock:
    """simple-pid reads a clock even when dt is given; the port has none."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize("name", ["pid", "pid_variants"])
def test_the_pid_port_runs_as_simple_pid(name):
    simple_pid = pytest.importorskip("simple_pid")
    scenario = SCENARIOS[name]
    clock = FakeClock()
    original = simple_pid.PID(*scenario.init, **scenario.init_kwargs, time_fn=clock)
    port = getattr(load_module(scenario.source), scenario.cls)(*scenario.init, **scenario.init_kwargs)
    for i, (method, args) in enumerate(scenario.calls):
        if method == "__call__":
            clock.now += args[1]
        want, got = getattr(original, method)(*args), getattr(port, method)(*args)
        assert_close(got, want, f"call {i} {method}{args}")
        assert_close(port.components, original.components, f"components after call {i}")
        assert port.auto_mode == original.auto_mode


def test_the_pid_port_differs_from_simple_pid_only_before_its_first_output():
    """The one documented difference: in manual mode before any output, None becomes 0.0."""
    simple_pid = pytest.importorskip("simple_pid")
    port_cls = load_module(SCENARIOS["pid"].source).PID
    assert simple_pid.PID(auto_mode=False, time_fn=FakeClock())(1.0, 0.1) is None
    assert port_cls(auto_mode=False)(1.0, 0.1) == 0.0


def test_the_pid_port_refuses_a_non_positive_dt_as_simple_pid_does():
    port = load_module(SCENARIOS["pid"].source).PID()
    with pytest.raises(ValueError, match="dt has negative value -0.1, must be positive"):
        port(1.0, -0.1)


def gymnasium_step(state, steps_beyond_terminated, action, sutton_barto_reward=False, integrator="euler"):
    """Gymnasium 1.3.0's CartPoleEnv.step (MIT License, Copyright (c) 2016 OpenAI, (c) 2022 Farama
    Foundation), NumPy, float64, the attributes spelled out: the reference the port is held to."""
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass, polemass_length = masspole + masscart, masspole * length
    theta_threshold_radians, x_threshold = 12 * 2 * math.pi / 360, 2.4
    x, x_dot, theta, theta_dot = state
    force = force_mag if action == 1 else -force_mag
    costheta = np.cos(theta)
    sintheta = np.sin(theta)
    temp = (force + polemass_length * np.square(theta_dot) * sintheta) / total_mass
    thetaacc = (gravity * sintheta - costheta * temp) / (
        length * (4.0 / 3.0 - masspole * np.square(costheta) / total_mass))
    xacc = temp - polemass_length * thetaacc * costheta / total_mass
    if integrator == "euler":
        x = x + tau * x_dot
        x_dot = x_dot + tau * xacc
        theta = theta + tau * theta_dot
        theta_dot = theta_dot + tau * thetaacc
    else:  # semi-implicit euler
        x_dot = x_dot + tau * xacc
        x = x + tau * x_dot
        theta_dot = theta_dot + tau * thetaacc
        theta = theta + tau * theta_dot
    state = np.array((x, x_dot, theta, theta_dot), dtype=np.float64)
    terminated = bool(x < -x_threshold or x > x_threshold or theta < -theta_threshold_radians
                      or theta > theta_threshold_radians)
    if not terminated:
        reward = 0.0 if sutton_barto_reward else 1.0
    elif steps_beyond_terminated is None:
        steps_beyond_terminated = 0
        reward = -1.0 if sutton_barto_reward else 1.0
    else:
        steps_beyond_terminated += 1
        reward = -1.0 if sutton_barto_reward else 0.0
    return (np.array(state, dtype=np.float32), reward, terminated), state, steps_beyond_terminated


@pytest.mark.parametrize("name", ["cartpole", "cartpole_semi_implicit"])
def test_the_cartpole_port_steps_as_gymnasium(name):
    scenario = SCENARIOS[name]
    env = getattr(load_module(scenario.source), scenario.cls)(*scenario.init)
    flags = dict(zip(("sutton_barto_reward", "integrator"), scenario.init))
    (_, key), *steps = scenario.calls
    obs, _ = env.reset(*key)
    state, beyond = np.asarray(obs, dtype=np.float64), None
    rewards = set()
    for i, (_, (action,)) in enumerate(steps):
        (obs, reward, terminated, truncated, info), = [env.step(action)]
        want, state, beyond = gymnasium_step(state, beyond, action, **flags)
        np.testing.assert_allclose(np.asarray(obs), want[0], rtol=1e-4, atol=1e-5, err_msg=f"step {i}")
        assert (reward, terminated, truncated, info) == (want[1], want[2], False, {}), f"step {i}"
        assert int(env.steps_beyond_terminated) == (-1 if beyond is None else beyond)
        rewards.add(reward)
    assert len(rewards) == 2 and terminated  # it fell, and stepped on after falling


# -- the benchmark's hand-written CartPole steps (benchmarks/cartpole) ----------------------------


def test_the_hand_written_cartpole_steps_are_the_classes_steps():
    """benchmarks/cartpole/handwritten.py against the plain classes run eagerly, both layouts:
    the benchmark compares purify with these, so they must compute the same thing."""
    from benchmarks.cartpole import handwritten

    vector_cls = undecorated((EXAMPLES / "cartpole.py").read_text()).CartPole
    scalar_cls = undecorated((ROOT / "benchmarks" / "cartpole" / "classes.py").read_text()).CartPoleScalars
    for seed in range(3):
        key = jax.random.key(seed)
        vector, scalar = vector_cls(), scalar_cls()
        vector.reset(key)
        scalar.reset(key)
        v = handwritten.VectorState(vector.state, jnp.int32(-1))
        s = handwritten.ScalarState(scalar.x, scalar.x_dot, scalar.theta, scalar.theta_dot, jnp.int32(-1))
        rewards = set()
        for i, action in enumerate([1] * 12 + [0] * 3):
            (v_out, v), (s_out, s) = handwritten.vector_step(v, action), handwritten.scalar_step(s, action)
            for out, new, obj in ((v_out, v, vector), (s_out, s, scalar)):
                assert_close(out, obj.step(action), f"seed {seed}, step {i}, {type(obj).__name__}")
                assert int(new.steps_beyond_terminated) == obj.steps_beyond_terminated
                rewards.add(float(out[1]))
        assert rewards == {0.0, 1.0}  # the pole fell and the episode ran on
