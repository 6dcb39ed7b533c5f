"""The ports of examples/ported/ against the libraries they come from, on the same inputs.

Each port is the library's own class with `@purify.stateful` added (examples/ported/count.py
counts the edits). Every test runs the installed library's object as the reference and compares,
in float64: the decorated instance run eagerly, the pure API under `jax.jit`, a batch under
`jax.vmap` lane by lane (each lane against the library's object run on that lane's inputs), and
the pure API of the `purify convert` output, imported with purify blocked.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import sys
import textwrap
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest
from purify.cli import main as purify_main

from tests.test_control_examples import BLOCK_PURIFY

gymnasium = pytest.importorskip("gymnasium", reason="gymnasium is a test dependency (the CartPole port)")
filterpy = pytest.importorskip("filterpy", reason="filterpy is a test dependency (the KalmanFilter port)")
river = pytest.importorskip("river", reason="river is a test dependency (the stats.Mean, stats.Var ports)")
simple_pid = pytest.importorskip("simple_pid", reason="simple-pid is a test dependency (the PID port)")

from filterpy.kalman import KalmanFilter as LibKalmanFilter
from gymnasium.envs.classic_control.cartpole import CartPoleEnv as LibCartPole
from river import stats as lib_stats

from examples.ported import cartpole, count, kalman_filter, pid
from examples.ported import river_stats as port_stats

TOL = 1e-12


@pytest.fixture(autouse=True)
def float64():
    """Compare in float64, as the libraries compute (and only inside these tests)."""
    with jax.enable_x64(True):
        yield


def close(got: Any, want: Any, where: str, tol: float = TOL) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=where)


def stack(states: list) -> Any:
    return jax.tree_util.tree_map(lambda *xs: jnp.stack([jnp.asarray(x) for x in xs]), *states)


def lane(batch: Any, i: int) -> Any:
    return jax.tree_util.tree_map(lambda x: x[i], batch)


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, Any]:
    """`purify convert examples/ported -o OUT/conv_ported`, imported as a package with purify blocked."""
    out = tmp_path_factory.mktemp("ported_converted")
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
    try:
        code = purify_main(["convert", "examples/ported", "-o", str(out / "conv_ported")])
        err = sys.stderr.getvalue()
    finally:
        sys.stdout, sys.stderr = saved
    assert code == 0, err
    blocker: dict[str, Any] = {}
    exec(textwrap.dedent(BLOCK_PURIFY), blocker)  # noqa: S102 - a fixed meta-path finder
    finder = blocker["_NoPurify"]()
    sys.meta_path.insert(0, finder)
    sys.path.insert(0, str(out))
    try:
        names = ("pid", "kalman_filter", "cartpole", "river_stats.mean", "river_stats.var")
        modules = {name: importlib.import_module(f"conv_ported.{name}") for name in names}
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(out))
    for module in modules.values():
        assert "import purify" not in Path(module.__file__).read_text()
    return modules


# -- simple-pid's PID -----------------------------------------------------------------------------

DT = 0.1
PID_ARGS = {"Kp": 5.0, "Ki": 0.5, "Kd": 0.1, "setpoint": 60.0, "sample_time": None, "output_limits": (0, 100)}


def clock() -> float:
    """Both controllers get their time as `dt`; the clock only seeds `_last_time`."""
    return 0.0


def boiler(temperature: float, power: float) -> float:
    """simple-pid's README plant: a water boiler heated by the controller's output."""
    return temperature + power * DT - 0.02 * (temperature - 20.0) * DT


def pid_run(controller: Any, start: float, steps: int = 60) -> list[tuple]:
    """The same loop for both: outputs and components, manual mode between steps 20 and 30, the
    tunings and limits changed through their property setters at step 40."""
    temperature, seen = start, []
    for i in range(steps):
        if i == 20:
            controller.auto_mode = False
        if i == 30:
            controller.set_auto_mode(True, last_output=seen[-1][0])
        if i == 40:
            controller.tunings = (3.0, 0.2, 0.05)
            controller.output_limits = (5, 80)
        power = controller(temperature, DT)
        seen.append((float(power), *map(float, controller.components)))
        temperature = boiler(temperature, float(power))
    return seen


def pid_pure_run(cls: Any, start: float, steps: int = 60, wrap=jax.jit) -> list[tuple]:
    """`pid_run` on the pure API, each step compiled by `wrap`."""
    call = wrap(lambda s, x: cls.__call__(s, x, DT))
    manual, auto = wrap(cls.auto_mode_setter), wrap(cls.set_auto_mode)
    state, temperature, seen = cls.init(**PID_ARGS, time_fn=clock), start, []
    for i in range(steps):
        if i == 20:
            _, state = manual(state, False)
        if i == 30:
            _, state = auto(state, True, seen[-1][0])
        if i == 40:
            _, state = cls.tunings_setter(state, (3.0, 0.2, 0.05))
            _, state = cls.output_limits_setter(state, (5, 80))
        power, state = call(state, temperature)
        seen.append((float(power), *map(float, cls.components(state))))
        temperature = boiler(temperature, float(power))
    return seen


def lib_pid_run(start: float) -> list[tuple]:
    return pid_run(simple_pid.PID(**PID_ARGS, time_fn=clock), start)


def test_the_pid_port_runs_eagerly_as_simple_pid():
    close(pid_run(pid.PID(**PID_ARGS, time_fn=clock), 20.0), lib_pid_run(20.0), "eager PID")


def test_the_pid_port_under_jit_runs_as_simple_pid():
    close(pid_pure_run(pid.PID, 20.0), lib_pid_run(20.0), "PID.__call__ under jax.jit")


def test_the_converted_pid_under_jit_runs_as_simple_pid(converted):
    close(pid_pure_run(converted["pid"].PID, 20.0), lib_pid_run(20.0), "converted PID under jax.jit")


def test_a_batch_of_pids_under_vmap_runs_lane_by_lane_as_simple_pid():
    """Four controllers with their own gains, each on its own boiler."""
    gains = [(5.0, 0.5, 0.1), (2.0, 0.1, 0.0), (8.0, 1.0, 0.3), (1.0, 0.0, 0.5)]
    starts = jnp.array([10.0, 20.0, 50.0, 80.0])
    args = {k: v for k, v in PID_ARGS.items() if k not in ("Kp", "Ki", "Kd")}
    states = stack([pid.PID.init(*g, **args, time_fn=clock) for g in gains])
    step = jax.jit(jax.vmap(lambda s, x: pid.PID.__call__(s, x, DT)))
    temperatures, outputs = starts, []
    for _ in range(30):
        power, states = step(states, temperatures)
        # None where a controller has no output yet (manual mode): a purify.Maybe, present in every lane here
        assert isinstance(power, purify.Maybe) and bool(power.present.all())
        outputs.append(power.value)
        temperatures = jax.vmap(boiler)(temperatures, power.value)
    for i, g in enumerate(gains):
        lib = simple_pid.PID(*g, **args, time_fn=clock)
        temperature, want = float(starts[i]), []
        for _ in range(30):
            want.append(lib(temperature, DT))
            temperature = boiler(temperature, want[-1])
        close([o[i] for o in outputs], want, f"lane {i}")
        close(pid.PID.components(lane(states, i)), lib.components, f"lane {i} components")


def test_pids_in_manual_mode_return_none_lane_by_lane_as_simple_pid(converted):
    """Lane 0 starts in manual mode: simple-pid returns None until it is switched on (step 3),
    lane 1 runs in auto mode from the start: under jax.vmap one `purify.Maybe` holds both."""
    args = {k: v for k, v in PID_ARGS.items() if k != "auto_mode"}
    for cls in (pid.PID, converted["pid"].PID):
        states = stack([cls.init(**args, auto_mode=m, time_fn=clock) for m in (False, True)])
        step = jax.jit(jax.vmap(lambda s, x, cls=cls: cls.__call__(s, x, DT)))
        auto = jax.jit(jax.vmap(lambda s, cls=cls: cls.set_auto_mode(s, True, 1.0)))
        libs = [simple_pid.PID(**args, auto_mode=m, time_fn=clock) for m in (False, True)]
        temperatures = [20.0, 20.0]
        for t in range(6):
            if t == 3:
                _, states = auto(states)
                libs[0].set_auto_mode(True, last_output=1.0)
            power, states = step(states, jnp.asarray(temperatures))
            want = [lib(temperature, DT) for lib, temperature in zip(libs, temperatures)]
            got = [as_python_float(power, i) for i in range(2)]
            assert [w is None for w in want] == [g is None for g in got], (t, want, got)
            close([g for g in got if g is not None], [w for w in want if w is not None], f"step {t}")
            temperatures = [boiler(temperature, w or 0.0) for temperature, w in zip(temperatures, want)]
        assert want[0] is not None


def as_python_float(value: Any, k: int) -> float | None:
    """Lane `k` of what the pure API returns: None where a `purify.Maybe` is absent."""
    if type(value).__name__ == purify.Maybe.__name__:
        return float(value.value[k]) if bool(value.present[k]) else None
    return float(value[k])


def test_the_pid_port_raises_on_a_non_positive_dt_as_simple_pid():
    for make in (lambda: simple_pid.PID(time_fn=clock), lambda: pid.PID(time_fn=clock)):
        with pytest.raises(ValueError, match="dt has negative value -0.1, must be positive"):
            make()(1.0, -0.1)
    for cls in (simple_pid.PID, pid.PID):  # simple-pid checks dt after its manual-mode return
        assert cls(time_fn=clock, auto_mode=False)(1.0, -0.1) is None


def test_decorating_the_pid_warns_only_of_the_fields_reset_leaves_none():
    """`__init__` calls `self.reset()`, which assigns `_last_time`: it is not None after `__init__`;
    `reset` sets `_last_output`, `_last_input` and `_last_error` to None, and `__call__` assigns them."""
    import warnings

    from tests.conftest import load_module

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_module(Path(pid.__file__).read_text(), header=False)
    found = sorted(str(w.message).split(" is None")[0] for w in caught if issubclass(w.category, purify.PurifyWarning))
    assert found == ["self._last_error", "self._last_input", "self._last_output"]


def test_under_jit_a_non_positive_dt_is_refused_at_simple_pids_raise(converted):
    """The `raise` would run while JAX traces the code after `if not self.auto_mode: return`,
    also for controllers in manual mode, where simple-pid returns first."""
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(lambda s, x: pid.PID.__call__(s, x, -0.1))(pid.PID.init(time_fn=clock), 1.0)
    e = info.value
    assert e.bare_msg.startswith("this line raised ValueError (dt has negative value -0.1, must be positive)")
    lines = Path(pid.__file__).read_text().splitlines()
    assert e.filename == pid.__file__ and lines[e.lineno - 1].strip().startswith("raise ValueError(")
    assert e.offset == lines[e.lineno - 1].index("raise") + 1
    conv = converted["pid"].PID
    with pytest.raises(TypeError, match=r"pid\.py:\d+: this line raised ValueError \(dt has negative value"):
        jax.jit(lambda s, x: conv.__call__(s, x, -0.1))(conv.init(time_fn=clock), 1.0)


# -- filterpy's KalmanFilter ----------------------------------------------------------------------

F = np.array([[1.0, 1.0], [0.0, 1.0]])
H = np.array([[1.0, 0.0]])
B = np.array([[0.5], [1.0]])


def kalman(cls: Any, x0: float = 0.0, array=np.array) -> Any:
    """A constant-velocity tracker, configured the filterpy way: attributes assigned after __init__."""
    kf = cls(dim_x=2, dim_z=1, dim_u=1)
    kf.x = array([[x0], [1.0]])
    kf.F, kf.H = array(F), array(H)
    kf.P = kf.P * 1000.0
    kf.R = kf.R * 5.0
    kf.Q = kf.Q * 0.1
    kf.B = array(B)  # None in __init__: issue 14 saw this frozen as static metadata
    return kf


def measurements(seed: int, n: int = 25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.arange(n, dtype=np.float64) + rng.normal(0.0, 2.0, n)


KF_FIELDS = ("x", "P", "K", "y", "S", "SI", "x_prior", "P_prior", "x_post", "P_post")


def lib_kalman_run(zs: np.ndarray, x0: float = 0.0) -> LibKalmanFilter:
    kf = kalman(LibKalmanFilter, x0)
    for i, z in enumerate(zs):
        kf.predict(u=np.array([[0.1 * i]]))
        kf.update(z)
    return kf


def test_the_kalman_port_runs_eagerly_as_filterpy():
    zs = measurements(0)
    lib, port = kalman(LibKalmanFilter), kalman(kalman_filter.KalmanFilter, array=jnp.array)
    for i, z in enumerate(zs):
        lib.predict(u=np.array([[0.1 * i]]))
        port.predict(u=jnp.array([[0.1 * i]]))
        lib.update(z)
        port.update(z)
        for name in KF_FIELDS:
            close(getattr(port, name), getattr(lib, name), f"step {i}: {name}")
        # the caching properties, read in the order that fills each cache from the other
        close(port.likelihood, lib.likelihood, f"step {i}: likelihood")
        close(port.log_likelihood, lib.log_likelihood, f"step {i}: log_likelihood")
        close(port.mahalanobis, lib.mahalanobis, f"step {i}: mahalanobis")
    port.alpha = 1.02
    lib.alpha = 1.02
    port.predict()
    lib.predict()
    close(port.P, lib.P, "fading memory predict")
    assert "log-likelihood" in repr(port)


def kalman_pure_run(cls: Any, zs: np.ndarray, wrap=jax.jit) -> Any:
    state = cls.init(2, 1, 1)._replace(x=jnp.array([[0.0], [1.0]]), F=jnp.array(F), H=jnp.array(H),
                                        B=jnp.array(B))
    state = state._replace(P=state.P * 1000.0, R=state.R * 5.0, Q=state.Q * 0.1)
    predict, update = wrap(lambda s, u: cls.predict(s, u=u)), wrap(cls.update)
    for i, z in enumerate(zs):
        _, state = predict(state, jnp.array([[0.1 * i]]))
        _, state = update(state, jnp.asarray(z))
    return state


def test_the_kalman_port_under_jit_runs_as_filterpy():
    zs = measurements(1)
    state, lib = kalman_pure_run(kalman_filter.KalmanFilter, zs), lib_kalman_run(zs)
    for name in KF_FIELDS:
        close(getattr(state, name), getattr(lib, name), f"KalmanFilter under jax.jit: {name}")


def test_the_converted_kalman_filter_under_jit_runs_as_filterpy(converted):
    zs = measurements(2)
    state, lib = kalman_pure_run(converted["kalman_filter"].KalmanFilter, zs), lib_kalman_run(zs)
    for name in KF_FIELDS:
        close(getattr(state, name), getattr(lib, name), f"converted KalmanFilter under jax.jit: {name}")


def test_a_batch_of_kalman_filters_under_vmap_runs_lane_by_lane_as_filterpy():
    cls, n = kalman_filter.KalmanFilter, 5
    zs = np.stack([measurements(10 + i) for i in range(n)])
    one = cls.init(2, 1, 1)._replace(F=jnp.array(F), H=jnp.array(H), B=jnp.array(B))
    one = one._replace(P=one.P * 1000.0, R=one.R * 5.0, Q=one.Q * 0.1)
    states = stack([one._replace(x=jnp.array([[float(i)], [1.0]])) for i in range(n)])
    predict = jax.jit(jax.vmap(lambda s, u: cls.predict(s, u=u), in_axes=(0, None)))
    update = jax.jit(jax.vmap(cls.update))
    for t in range(zs.shape[1]):
        _, states = predict(states, jnp.array([[0.1 * t]]))
        _, states = update(states, jnp.asarray(zs[:, t]))
    for i in range(n):
        lib = lib_kalman_run(zs[i], x0=float(i))
        for name in KF_FIELDS:
            close(getattr(lane(states, i), name), getattr(lib, name), f"lane {i}: {name}")


def test_the_pure_caching_property_of_the_kalman_port_returns_its_cache_in_the_state():
    zs = measurements(3, n=3)
    state, lib = kalman_pure_run(kalman_filter.KalmanFilter, zs, wrap=lambda f: f), lib_kalman_run(zs)
    value, state = kalman_filter.KalmanFilter.likelihood(state)
    close(value, lib.likelihood, "KalmanFilter.likelihood(state)")
    close(state.log_likelihood_, lib._log_likelihood, "the log-likelihood cached on the way")


def test_the_caching_properties_read_each_other_as_filterpys_do(converted):
    """`likelihood` reads `self.log_likelihood`, a property that fills its cache: threaded like a
    call, in the decorator's pure API and the converted module's (outside `jax.jit`: filterpy's
    `logpdf` is SciPy's and `mahalanobis` calls `.item()`, as the library wrote them)."""
    zs = measurements(4, n=4)
    lib = lib_kalman_run(zs)
    for cls in (kalman_filter.KalmanFilter, converted["kalman_filter"].KalmanFilter):
        state = kalman_pure_run(cls, zs)
        value, state = cls.likelihood(state)
        close(value, lib.likelihood, f"{cls.__module__}.KalmanFilter.likelihood")
        close(state.log_likelihood_, lib._log_likelihood, "the log-likelihood cached on the way")
        value, state = cls.mahalanobis(state)
        close(value, lib.mahalanobis, f"{cls.__module__}.KalmanFilter.mahalanobis")
        close(state.mahalanobis_, lib._mahalanobis, "the cache of mahalanobis")


# -- gymnasium's CartPoleEnv ----------------------------------------------------------------------

STARTS = np.array([[0.01, 0.0, 0.02, 0.0], [-0.03, 0.2, -0.01, 0.1], [0.04, -0.1, 0.05, -0.2]])


def actions(seed: int, n: int = 40) -> list[int]:
    """Mostly one side, so the pole falls and the steps after termination run too."""
    rng = np.random.default_rng(seed)
    return [int(a) for a in (rng.random(n) < 0.8)]


def lib_cartpole_run(start: np.ndarray, acts: list[int]) -> list[tuple]:
    env = LibCartPole()
    env.reset(seed=0)
    env.state = np.array(start)
    out = []
    for a in acts:
        obs, reward, terminated, truncated, _ = env.step(a)
        out.append((*obs, reward, terminated, truncated, env.steps_beyond_terminated))
    return out


def as_python(value: Any, k: int | None = None) -> int | None:
    """`steps_beyond_terminated` as gymnasium holds it (None, or a count) from the port's: None or a
    number eagerly; under jit a `purify.Maybe` once a traced `if` left it None in one branch (lane `k`
    of a batch; `purify convert` output has its own copy of the class)."""
    if type(value).__name__ == purify.Maybe.__name__:
        present, count = (value.present, value.value) if k is None else (value.present[k], value.value[k])
        return int(count) if bool(present) else None
    return None if value is None else int(value if k is None else value[k])


def row(obs: Any, reward: Any, terminated: Any, truncated: Any, beyond: Any) -> tuple:
    return (*np.asarray(obs, dtype=np.float64), float(reward), bool(terminated), bool(truncated), beyond)


@pytest.mark.filterwarnings("ignore:.*calling 'step\\(\\)' even though")
def test_the_cartpole_port_runs_eagerly_as_gymnasium():
    for k, start in enumerate(STARTS):
        acts = actions(k)
        env = cartpole.CartPoleEnv()
        env.reset(seed=0)
        env.state = jnp.array(start)
        got = [row(*env.step(a)[:4], env.steps_beyond_terminated) for a in acts]
        close(got, lib_cartpole_run(start, acts), f"start {k}", tol=1e-6)  # observations are float32
        assert got[0][-1] is None and any(r[-1] is not None and r[-1] >= 1 for r in got), \
            "the run should start with None and go past termination"


def cartpole_pure_run(cls: Any, start: np.ndarray, acts: list[int]) -> list[tuple]:
    (_, _), state = cls.reset(cls.init(), seed=0)
    state = state._replace(state=jnp.asarray(start))
    step, out = jax.jit(cls.step), []
    for a in acts:
        (obs, reward, terminated, truncated, _), state = step(state, a)
        out.append(row(obs, reward, terminated, truncated, as_python(state.steps_beyond_terminated)))
    return out


@pytest.mark.filterwarnings("ignore:.*calling 'step\\(\\)' even though")
def test_the_cartpole_port_under_jit_runs_as_gymnasium():
    acts = actions(5)
    close(cartpole_pure_run(cartpole.CartPoleEnv, STARTS[0], acts), lib_cartpole_run(STARTS[0], acts),
          "CartPoleEnv.step under jax.jit", tol=1e-6)


@pytest.mark.filterwarnings("ignore:.*calling 'step\\(\\)' even though")
def test_the_converted_cartpole_under_jit_runs_as_gymnasium(converted):
    acts = actions(6)
    close(cartpole_pure_run(converted["cartpole"].CartPoleEnv, STARTS[1], acts), lib_cartpole_run(STARTS[1], acts),
          "converted CartPoleEnv.step under jax.jit", tol=1e-6)


@pytest.mark.filterwarnings("ignore:.*calling 'step\\(\\)' even though")
def test_a_batch_of_cartpoles_under_vmap_runs_lane_by_lane_as_gymnasium():
    cls = cartpole.CartPoleEnv
    (_, _), one = cls.reset(cls.init(), seed=0)
    states = stack([one._replace(state=jnp.asarray(s)) for s in STARTS])
    acts = [actions(20 + k) for k in range(len(STARTS))]
    step, got = jax.jit(jax.vmap(cls.step)), []
    for t in range(len(acts[0])):
        (obs, reward, terminated, truncated, _), states = step(states, jnp.array([a[t] for a in acts]))
        got.append((obs, reward, terminated, truncated, states.steps_beyond_terminated))
    for k, start in enumerate(STARTS):
        mine = [row(*(x[k] for x in g[:4]), as_python(g[4], k)) for g in got]
        close(mine, lib_cartpole_run(start, acts[k]), f"lane {k}", tol=1e-6)


def test_the_cartpole_port_resets_from_its_seed_within_gymnasiums_bounds():
    """The one documented difference: the start state comes from a JAX key, not NumPy's PCG64."""
    env = cartpole.CartPoleEnv()
    first, _ = env.reset(seed=3)
    again, _ = env.reset(seed=3)
    close(first, again, "the same seed, the same start")
    assert np.all(np.abs(np.asarray(first)) <= 0.05)
    wide, _ = env.reset(seed=3, options={"low": -0.5, "high": 0.5})
    assert np.any(np.abs(np.asarray(wide)) > 0.05) and np.all(np.abs(np.asarray(wide)) <= 0.5)
    assert env.action_space == LibCartPole().action_space
    assert env.observation_space == LibCartPole().observation_space


def test_the_cartpole_port_keeps_gymnasiums_env_base_as_written(converted):
    """`class CartPoleEnv(gym.Env[np.ndarray, int | np.ndarray])`: what gym.Env gives works, in the
    decorator and the convert output (which reads gym.Env from the installed gymnasium)."""
    env = cartpole.CartPoleEnv()
    lib = LibCartPole()
    assert isinstance(env, gymnasium.Env) and str(env) == str(lib) == "<CartPoleEnv instance>"
    assert env.unwrapped is env and env.spec is lib.spec is None
    env.reset(seed=4)
    assert isinstance(env.np_random, purify.Rng) and env.np_random_seed == -1  # gym.Env's setter ran
    with env as same:
        assert same is env
    assert env.get_wrapper_attr("x_threshold") == lib.get_wrapper_attr("x_threshold")
    conv = converted["cartpole"].CartPoleEnv
    assert issubclass(conv, gymnasium.Env)
    (first, _), state = conv.reset(conv.init(), seed=3)
    (again, _), _ = cartpole.CartPoleEnv.reset(cartpole.CartPoleEnv.init(), seed=3)
    close(first, again, "the converted reset against the decorator's")
    starts = jax.vmap(lambda k: conv.reset(state, seed=k)[0][0])(jnp.arange(3))  # traced seeds
    assert len({tuple(np.asarray(s).tolist()) for s in starts}) == 3


def test_the_cartpole_port_calls_render_in_human_mode_on_instances_and_refuses_it_in_the_pure_api():
    """`if self.render_mode == "human": self.render()` in step and reset, as gymnasium wrote it: on
    an instance render runs as written (here it needs pygame, as gymnasium's does); in the pure API
    the call is refused where it is reached, and with no render mode it is never reached."""
    if importlib.util.find_spec("pygame") is None:  # render fails as gymnasium's does, at its import
        with pytest.raises(gymnasium.error.DependencyNotInstalled):
            LibCartPole(render_mode="human").reset(seed=0)
        with pytest.raises(gymnasium.error.DependencyNotInstalled):
            cartpole.CartPoleEnv(render_mode="human").reset(seed=0)
    cls = cartpole.CartPoleEnv
    with pytest.raises(purify.PurifyError) as info:
        cls.reset(cls.init(render_mode="human"), seed=0)
    e = info.value
    assert e.bare_msg.startswith("self.render() runs only on instances")
    lines = Path(cartpole.__file__).read_text().splitlines()
    assert lines[e.lineno - 1].strip() == "self.render()" and lines[e.lineno - 2].strip() == 'if self.render_mode == "human":'
    (_, _), state = cls.reset(cls.init(render_mode="rgb_array"), seed=0)  # not reached: runs
    assert state.render_mode == "rgb_array"


# -- river's stats.Mean and stats.Var -------------------------------------------------------------

XS = [3.0, 5.0, 4.0, 7.0, 10.0, 12.0, -1.5]
WS = [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0]


def feed(stat: Any, xs=XS, ws=WS) -> Any:
    for x, w in zip(xs, ws):
        stat.update(x, w)
    return stat


@pytest.mark.parametrize("name", ["Mean", "Var"])
def test_the_river_ports_run_eagerly_as_river(name):
    lib, port = getattr(lib_stats, name), getattr(port_stats, name)
    a, want = feed(port()), feed(lib())
    close(a.get(), want.get(), f"{name}.get")
    close(a.n, want.n, f"{name}.n")
    a.revert(7.0, 1.0)
    want.revert(7.0, 1.0)
    close(a.get(), want.get(), f"{name}.revert")
    b, other = feed(port(), XS[:3], WS[:3]), feed(lib(), XS[:3], WS[:3])
    close((a + b).get(), (want + other).get(), f"{name} + {name}")
    close((a - b).get(), (want - other).get(), f"{name} - {name}")
    close(a.get(), want.get(), f"{name}: + and - left the operands as they were")
    a += b
    want += other
    close(a.get(), want.get(), f"{name} +=")
    a -= b
    want -= other
    close(a.get(), want.get(), f"{name} -=")


def stat_pure_run(cls: Any, wrap=jax.jit) -> Any:
    update, state = wrap(cls.update), cls.init()
    for x, w in zip(XS, WS):
        _, state = update(state, x, w)
    return state


@pytest.mark.parametrize("name", ["Mean", "Var"])
def test_the_river_ports_under_jit_run_as_river(name, converted):
    module = converted["river_stats.mean" if name == "Mean" else "river_stats.var"]
    for cls in (getattr(port_stats, name), getattr(module, name)):
        value, _ = jax.jit(cls.get)(stat_pure_run(cls))
        close(value, feed(getattr(lib_stats, name)()).get(), f"{cls.__module__}.{name} under jax.jit")


@pytest.mark.parametrize("name", ["Mean", "Var"])
def test_a_batch_of_river_stats_under_vmap_runs_lane_by_lane_as_river(name):
    cls, lib = getattr(port_stats, name), getattr(lib_stats, name)
    streams = np.stack([np.array(XS) * (k + 1) - k for k in range(4)])
    update, states = jax.jit(jax.vmap(cls.update, in_axes=(0, 0, None))), stack([cls.init() for _ in range(4)])
    for t in range(streams.shape[1]):
        _, states = update(states, jnp.asarray(streams[:, t]), WS[t])
    values, _ = jax.vmap(cls.get)(states)
    for k in range(4):
        close(values[k], feed(lib(), streams[k]).get(), f"{name} lane {k}")


@pytest.mark.parametrize("name", ["Mean", "Var"])
def test_update_many_of_the_river_ports_under_jit_runs_as_river(name):
    cls, lib = getattr(port_stats, name), getattr(lib_stats, name)()
    state = stat_pure_run(cls)
    feed(lib)
    batch = np.array([2.0, -1.0, 4.5, 0.25])
    _, state = jax.jit(cls.update_many)(state, jnp.asarray(batch))
    lib.update_many(batch)
    close(cls.get(state)[0], lib.get(), f"{name}.update_many under jax.jit")


def test_two_means_merge_in_the_pure_api_as_rivers_do():
    """`__add__` copies self (copy.deepcopy) and takes another Mean: in the pure API, two States."""
    cls = port_stats.Mean
    a, b = stat_pure_run(cls), stat_pure_run(cls)
    merged, a_after = jax.jit(cls.__add__)(a, b)
    close(cls.get(merged)[0], (feed(lib_stats.Mean()) + feed(lib_stats.Mean())).get(), "Mean.__add__")
    close(cls.get(a_after)[0], feed(lib_stats.Mean()).get(), "Mean.__add__ left self as it was")


def feed_other(stat: Any) -> Any:
    for x, w in zip(XS[::-1] * 2, WS):
        stat.update(x, w)
    return stat


def test_two_vars_merge_and_unmerge_in_every_mode_as_rivers_do(converted):
    """`Var.__add__`/`__sub__` run `self.mean += other.mean` (Mean's `__iadd__`) and read
    `other.mean.get()`, a method of the other object's child: in the pure API, two States."""
    lib_a, lib_b = feed(lib_stats.Var()), feed_other(lib_stats.Var())
    lib_sum = lib_a + lib_b
    a, b = feed(port_stats.Var()), feed_other(port_stats.Var())
    close((a + b).get(), lib_sum.get(), "Var + Var on instances")
    close(((a + b) - b).get(), (lib_sum - lib_b).get(), "(Var + Var) - Var on instances")
    close(a.get(), lib_a.get(), "Var.__add__ left the instance as it was")
    for cls in (port_stats.Var, converted["river_stats.var"].Var):
        left, right = stat_pure_run(cls), cls.init()
        for x, w in zip(XS[::-1] * 2, WS):
            _, right = cls.update(right, x, w)
        merged, _ = jax.jit(cls.__add__)(left, right)
        close(cls.get(merged)[0], lib_sum.get(), f"{cls.__module__}.Var.__add__ under jax.jit")
        back, _ = jax.jit(cls.__sub__)(merged, right)
        close(cls.get(back)[0], (lib_sum - lib_b).get(), f"{cls.__module__}.Var.__sub__ under jax.jit")


# -- the count ------------------------------------------------------------------------------------

def test_the_mean_port_keeps_rivers_univariate_base(converted):
    """`class Mean(stats.base.Univariate)` as river wrote it, in the decorator and the convert output
    (which reads river's base from the installed package)."""
    mine, lib = port_stats.Mean(), lib_stats.Mean()
    for x in XS:
        mine.update(x)
        lib.update(x)
    assert isinstance(mine, lib_stats.base.Univariate) and mine.name == lib.name == "mean"
    assert repr(mine) == repr(lib)
    conv = converted["river_stats.mean"].Mean
    assert issubclass(conv, lib_stats.base.Univariate)
    state = conv.init()
    for x in XS:
        _, state = jax.jit(conv.update)(state, x)
    close(conv.get(state)[0], lib.get(), "the converted Mean with river's base")


def test_the_count_finds_every_forced_line_with_its_reason():
    counts = {c.port.name: c for c in map(count.count, count.PORTS)}
    for c in counts.values():
        assert c.edits[count.Edit.DECORATOR] == 2, c.port.name  # `import purify` and `@purify.stateful`
        assert c.edits[count.Edit.PURIFY] >= len(c.why)
    assert counts["river stats.Mean"].edits[count.Edit.PURIFY] == 0  # its base kept: convert reads river's too
    assert counts["gymnasium CartPoleEnv"].edits[count.Edit.PURIFY] <= 4
    assert counts["filterpy KalmanFilter"].edits[count.Edit.PURIFY] == 0  # its caching properties as written


def test_the_docs_show_the_count_of_the_libraries_installed():
    if count.other_versions():
        pytest.skip(f"the docs count the versions ported: {count.other_versions()}")
    page = (Path(__file__).parent.parent / "docs" / "guides" / "ported.md").read_text()
    assert count.table(list(map(count.count, count.PORTS))) in page, \
        "docs/guides/ported.md: paste the table `python -m examples.ported.count` prints"
