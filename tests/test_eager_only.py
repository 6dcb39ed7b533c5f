"""Methods that run only on instances (engine/eager_only.py, issue 14): a method purify cannot make
pure (gymnasium's `render`/`close`, `__repr__` built on `self`) does not block its class. On an
instance it runs as written on the real object; its pure form raises why; `purify convert` leaves
it out with a comment. And the rule's limits: a method a converted one calls, or one whose
attributes another method uses, still refuses the class."""

from __future__ import annotations

import sys
import types

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, line_in, load_module, undecorated
from tests.test_cli import convert, decorated, run_without_purify, write

CARTPOLE = '''
import math


@purify.stateful
class CartPoleEnv:
    """gymnasium's CartPole-v1 (classic_control/cartpole.py): __init__, render and close as
    written; step with jax.numpy; `spec` is what gym.Env provides."""

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 50}
    spec = None

    def __init__(self, render_mode=None):
        self.gravity = 9.8
        self.masscart = 1.0
        self.masspole = 0.1
        self.total_mass = self.masspole + self.masscart
        self.length = 0.5  # actually half the pole's length
        self.polemass_length = self.masspole * self.length
        self.force_mag = 10.0
        self.tau = 0.02  # seconds between state updates
        self.x_threshold = 2.4
        self.render_mode = render_mode
        self.screen_width = 600
        self.screen_height = 400
        self.screen = None
        self.clock = None
        self.isopen = True
        self.state = jnp.array([0.01, 0.02, 0.03, 0.04])

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = jnp.where(action == 1, self.force_mag, -self.force_mag)
        costheta = jnp.cos(theta)
        sintheta = jnp.sin(theta)
        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (9.8 * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = jnp.stack([x, x_dot, theta, theta_dot])
        return self.state

    def render(self):
        if self.render_mode is None:
            assert self.spec is not None
            gym.logger.warn("You are calling render method without specifying any render mode.")
            return

        try:
            import pygame
            from pygame import gfxdraw
        except ImportError as e:
            raise DependencyNotInstalled('pygame is not installed, run `pip install "gymnasium[classic-control]"`') from e

        if self.screen is None:
            pygame.init()
            if self.render_mode == "human":
                pygame.display.init()
                self.screen = pygame.display.set_mode((self.screen_width, self.screen_height))
            else:  # mode == "rgb_array"
                self.screen = pygame.Surface((self.screen_width, self.screen_height))
        if self.clock is None:
            self.clock = pygame.time.Clock()

        world_width = self.x_threshold * 2
        scale = self.screen_width / world_width
        polewidth = 10.0
        polelen = scale * (2 * self.length)
        cartwidth = 50.0
        cartheight = 30.0

        if self.state is None:
            return None

        x = self.state

        self.surf = pygame.Surface((self.screen_width, self.screen_height))
        self.surf.fill((255, 255, 255))

        l, r, t, b = -cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2
        axleoffset = cartheight / 4.0
        cartx = x[0] * scale + self.screen_width / 2.0  # MIDDLE OF CART
        carty = 100  # TOP OF CART
        cart_coords = [(l, b), (l, t), (r, t), (r, b)]
        cart_coords = [(c[0] + cartx, c[1] + carty) for c in cart_coords]
        gfxdraw.aapolygon(self.surf, cart_coords, (0, 0, 0))
        gfxdraw.filled_polygon(self.surf, cart_coords, (0, 0, 0))

        l, r, t, b = (-polewidth / 2, polewidth / 2, polelen - polewidth / 2, -polewidth / 2)

        pole_coords = []
        for coord in [(l, b), (l, t), (r, t), (r, b)]:
            coord = pygame.math.Vector2(coord).rotate_rad(-x[2])
            coord = (coord[0] + cartx, coord[1] + carty + axleoffset)
            pole_coords.append(coord)
        gfxdraw.aapolygon(self.surf, pole_coords, (202, 152, 101))
        gfxdraw.filled_polygon(self.surf, pole_coords, (202, 152, 101))

        gfxdraw.aacircle(self.surf, int(cartx), int(carty + axleoffset), int(polewidth / 2), (129, 132, 203))
        gfxdraw.filled_circle(self.surf, int(cartx), int(carty + axleoffset), int(polewidth / 2), (129, 132, 203))

        gfxdraw.hline(self.surf, 0, self.screen_width, carty, (0, 0, 0))

        self.surf = pygame.transform.flip(self.surf, False, True)
        self.screen.blit(self.surf, (0, 0))
        if self.render_mode == "human":
            pygame.event.pump()
            self.clock.tick(self.metadata["render_fps"])
            pygame.display.flip()

        elif self.render_mode == "rgb_array":
            return np.transpose(np.array(pygame.surfarray.pixels3d(self.screen)), axes=(1, 0, 2))

    def close(self):
        if self.screen is not None:
            import pygame

            pygame.display.quit()
            pygame.quit()
            self.isopen = False

    def __repr__(self):
        return "<CartPoleEnv x={self.state[0]:.3f} open={self.isopen}>".format(self=self)
'''


def fake_pygame(log: list) -> types.ModuleType:
    """What CartPole's render and close use of pygame, recording each drawing call."""
    pg = types.ModuleType("pygame")

    class Surface:
        def __init__(self, size):
            self.size = size
            log.append(("Surface", size))

        def fill(self, color):
            log.append(("fill", color))

        def blit(self, other, at):
            log.append(("blit", at))

    class Vector2:
        def __init__(self, xy):
            self.xy = complex(*xy)

        def rotate_rad(self, angle):
            z = self.xy * complex(np.cos(float(angle)), np.sin(float(angle)))
            return (z.real, z.imag)

    def record(name):
        return lambda *args: log.append((name, *[_plain(a) for a in args if not isinstance(a, Surface)]))

    gfx = types.ModuleType("pygame.gfxdraw")
    for name in ("aapolygon", "filled_polygon", "aacircle", "filled_circle", "hline"):
        setattr(gfx, name, record(name))
    pg.Surface, pg.gfxdraw = Surface, gfx
    pg.init, pg.quit = record("init"), record("quit")
    pg.display = types.SimpleNamespace(init=record("display.init"), quit=record("display.quit"))
    pg.time = types.SimpleNamespace(Clock=lambda: "clock")
    pg.math = types.SimpleNamespace(Vector2=Vector2)
    pg.transform = types.SimpleNamespace(flip=lambda s, a, b: s)
    pg.surfarray = types.SimpleNamespace(pixels3d=lambda s: np.zeros((s.size[0], s.size[1], 3), np.uint8))
    return pg


def _plain(value):
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return round(float(value), 4) if hasattr(value, "dtype") or isinstance(value, float) else value


@pytest.fixture
def pygame(monkeypatch):
    log: list = []
    module = fake_pygame(log)
    monkeypatch.setitem(sys.modules, "pygame", module)
    monkeypatch.setitem(sys.modules, "pygame.gfxdraw", module.gfxdraw)
    return log


def _episode(env, log):
    """Steps, renders, repr and close on one object: what each did, in order."""
    out = []
    for action in (1, 0, 1):
        out.append(np.asarray(env.step(action)))
        frame = env.render()
        out.append(frame.shape)
    out.append(repr(env))
    env.close()
    out += [env.isopen, list(log)]
    return out


def test_cartpole_render_and_close_run_as_written_on_instances(pygame):
    plain = undecorated(CARTPOLE).CartPoleEnv(render_mode="rgb_array")
    expected = _episode(plain, pygame)
    pygame.clear()
    env = load_module(CARTPOLE).CartPoleEnv(render_mode="rgb_array")
    got = _episode(env, pygame)
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-6)
        else:
            assert a == b
    assert env.surf.size == (600, 400)  # made by render, kept on the instance (no State field)
    assert "surf" not in purify.state_of(env)._fields
    assert isinstance(env.screen, sys.modules["pygame"].Surface)


def test_cartpole_step_is_pure_under_jit_and_vmap(pygame):
    module = load_module(CARTPOLE)
    Env = module.CartPoleEnv
    plain = undecorated(CARTPOLE).CartPoleEnv()
    state = Env.init()
    step = jax.jit(Env.step)
    for action in (1, 1, 0):
        out, state = step(state, action)
        np.testing.assert_allclose(out, plain.step(action), rtol=1e-6)
    batch = jax.tree_util.tree_map(lambda x: jnp.stack([x, x]), Env.init())
    outs, _ = jax.vmap(Env.step)(batch, jnp.array([0, 1]))
    for lane, action in enumerate((0, 1)):
        np.testing.assert_allclose(outs[lane], undecorated(CARTPOLE).CartPoleEnv().step(action), rtol=1e-6)
    env, fresh = Env(render_mode="rgb_array"), undecorated(CARTPOLE).CartPoleEnv(render_mode="rgb_array")
    env.render()  # its screen and clock are on the instance now: the compiled step still runs
    np.testing.assert_allclose(purify.jit(env.step)(1), fresh.step(1), rtol=1e-6)


def test_the_pure_form_of_an_eager_only_method_raises_where_and_why():
    module = load_module(CARTPOLE)
    Env = module.CartPoleEnv
    with pytest.raises(purify.PurifyError) as info:
        Env.render(Env.init())
    e = info.value
    assert e.bare_msg == ("CartPoleEnv.render runs only on instances: purify could not make it pure: "
                          "self.surf is assigned in render but __init__ never creates it")
    line = line_in(CARTPOLE, "self.surf = pygame.Surface")
    assert (e.lineno, e.offset) == (line, 9) and e.filename == module.__file__
    assert e.hint.startswith("call it on an instance: obj.render(...); or make it pure: add `self.surf")
    with pytest.raises(purify.PurifyError, match="__repr__ runs only on instances") as info:
        Env.__repr__(Env.init())
    assert info.value.lineno == line_in(CARTPOLE, '.format(self=self)')
    with pytest.raises(purify.PurifyError, match="render runs only on instances"):
        jax.jit(Env.render)(Env.init())
    with pytest.raises(purify.PurifyError, match="render runs only on instances") as info:
        purify.jit(Env().render)  # compiling it would run it once, at trace time
    assert info.value.lineno == line


def test_source_and_convert_leave_eager_only_methods_out_with_why(tmp_path):
    module = load_module(CARTPOLE)
    text = purify.source(module.CartPoleEnv)
    line = line_in(CARTPOLE, "self.surf = pygame.Surface")
    assert ("    # render: runs only on instances of the decorated class (eager-only), so it is left out here:\n"
            f"    # line {line}: self.surf is assigned in render but __init__ never creates it\n") in text
    assert "def render" not in text and "def __repr__" not in text and "def close(self: CartPoleEnvState)" in text
    src = write(tmp_path / "cartpole.py", CARTPOLE)
    code, _, err = convert(src, "-o", tmp_path / "out" / "cartpole.py")
    assert code == 0, err
    converted = (tmp_path / "out" / "cartpole.py").read_text()
    assert "# render: runs only on instances" in converted and "def render" not in converted
    assert "MIDDLE OF CART" not in converted  # the comments inside the left-out method go with it
    calls = [("step", (1,), {}), ("step", (0,), {}), ("close", (), {})]
    got = run_without_purify([("c", "cartpole", "CartPoleEnv", (), {}, calls, {}, True)], [tmp_path / "out"])["c"]
    assert got[0] == "ok", got[1]
    assert_same(list(got[1:]), list(decorated(module, "CartPoleEnv", (), {}, calls, {})),
                where="convert output against the decorator")


CALLED = """
@purify.stateful
class Env:
    def __init__(self):
        self.x = jnp.zeros(2)

    def show(self):
        print(self)

    def step(self):
        self.x = self.x + 1
        self.show()
        return self.x
"""


def test_a_method_that_a_converted_method_calls_runs_on_the_instance_and_is_refused_in_the_pure_api(capsys):
    m = load_module(CALLED)
    env = m.Env()
    np.testing.assert_allclose(env.step(), [1.0, 1.0])
    assert capsys.readouterr().out.startswith("<")  # show ran on the instance: print(self)
    with pytest.raises(purify.PurifyError) as info:
        m.Env.step(m.Env.init())
    e = info.value
    assert e.bare_msg == ("self.show() runs only on instances (purify could not make show pure), and this call is "
                          "reached in the pure API, where there is no instance to run it on")
    assert (e.lineno, e.offset) == (line_in(CALLED, "self.show()"), 9)


CALLED_IN_INIT = """
@purify.stateful
class Env:
    def __init__(self):
        self.x = jnp.zeros(2)
        self.show()

    def show(self):
        print(self)
"""


def test_a_method_that_init_calls_cannot_be_eager_only():
    with pytest.raises(purify.PurifyError) as info:
        load_module(CALLED_IN_INIT)
    called, why = info.value.errors  # in the order of the source
    assert why.bare_msg == "`self` is passed to a function, so purify cannot track its state"
    assert (why.lineno, why.offset) == (line_in(CALLED_IN_INIT, "print(self)"), 15)
    assert called.bare_msg == ("__init__ calls self.show(), which purify cannot make pure, so show cannot "
                               "run only on instances")
    assert (called.lineno, called.offset) == (line_in(CALLED_IN_INIT, "self.show()"), 9)
    assert called.hint.startswith("call obj.show() on the instance after obj.__init__(...) returns")


SHARED_ATTR = """
@purify.stateful
class Env:
    def __init__(self):
        self.n = 0

    def reset(self):
        self.state = jnp.zeros(4)

    def step(self):
        return self.state + 1
"""


def test_an_attribute_created_outside_init_and_used_elsewhere_still_refuses_the_class():
    with pytest.raises(purify.PurifyError) as info:
        load_module(SHARED_ATTR)
    msgs = [(e.bare_msg, e.lineno) for e in info.value.errors]
    assert msgs == [("self.state is assigned in reset but __init__ never creates it", line_in(SHARED_ATTR, "self.state =")),
                    ("self.state is neither an attribute set in __init__ nor a method of Env",
                     line_in(SHARED_ATTR, "return self.state"))]


IN_PLACE = """
@purify.stateful
class Bag:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)
"""


def test_a_change_of_a_state_field_in_place_still_refuses_the_class():
    with pytest.raises(purify.PurifyError, match=r"self.items.append\(...\) mutates an attribute in place") as info:
        load_module(IN_PLACE)
    assert info.value.lineno == line_in(IN_PLACE, "self.items.append")


READS_IN_CALLS = """
@purify.stateful
class Env:
    TABLE = {"a": 1}

    def __init__(self):
        self.x = jnp.zeros(2)

    def step(self, action):
        err_msg = f"{action!r} ({type(action)}) invalid"
        assert self.action_space.contains(action), err_msg
        return self.x
"""


def test_a_read_of_a_missing_attribute_through_a_call_is_refused_at_decoration():
    """Issue 14 item 9: `assert self.action_space.contains(a), msg` with no self.action_space was
    found only at run time (AttributeError on the State)."""
    with pytest.raises(purify.PurifyError) as info:
        load_module(READS_IN_CALLS)
    e = info.value
    assert e.bare_msg == "self.action_space is neither an attribute set in __init__ nor a method of Env"
    assert (e.lineno, e.offset) == (line_in(READS_IN_CALLS, "assert self.action_space"), 16)


def test_calls_on_class_constants_and_properties_still_read_them():
    m = load_module("""
        @purify.stateful
        class Env:
            TABLE = {"a": 1}

            def __init__(self):
                self.x = jnp.zeros(2)

            @property
            def names(self):
                return ["a", "b"]

            def get(self, k):
                return self.TABLE.get(k, 0) + self.names.index("b") + self.x.sum()
        """)
    out, _ = jax.jit(m.Env.get, static_argnums=1)(m.Env.init(), "a")
    assert out == 2 and m.Env().get("z") == 1


INHERITED = """
@purify.stateful
class Base:
    def __init__(self):
        self.x = jnp.zeros(2)

    def show(self):
        print(self)
        return 1


@purify.stateful
class Sub(Base):
    def step(self):
        self.x = self.x + 1
        return self.x
"""


def test_an_inherited_eager_only_method_runs_on_instances_of_the_subclass(capsys):
    m = load_module(INHERITED)
    sub = m.Sub()
    sub.step()
    assert sub.show() == 1 and "Sub object" in capsys.readouterr().out
    with pytest.raises(purify.PurifyError, match="Base.show runs only on instances"):
        m.Sub.show(m.Sub.init())


def test_a_subclass_method_that_calls_an_inherited_eager_only_method_runs_it_on_the_instance(capsys):
    source = INHERITED + """
    def both(self):
        self.x = self.x + 2
        return self.show() + self.x.sum()
"""
    m = load_module(source)
    sub = m.Sub()
    assert sub.both() == 5.0 and "Sub object" in capsys.readouterr().out
    with pytest.raises(purify.PurifyError) as info:
        m.Sub.both(m.Sub.init())
    e = info.value
    assert e.bare_msg.startswith("self.show() runs only on instances (purify could not make show pure)")
    assert e.lineno == line_in(source, "return self.show()")


def test_a_call_of_a_method_that_does_not_exist_is_refused_at_decoration():
    """It was accepted, and the pure method failed with AttributeError on the State."""
    source = """
        @purify.stateful
        class C:
            def __init__(self):
                self.x = jnp.zeros(2)

            def step(self):
                return self.nope(1)
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg == "self.nope is neither an attribute set in __init__ nor a method of C"
    assert (e.lineno, e.offset) == (line_in(source, "return self.nope(1)"), 16)


RUNNER = CARTPOLE + '''

@purify.stateful
class Runner:
    def __init__(self):
        self.env = CartPoleEnv()
        self.total = jnp.zeros(())

    def run(self, action):
        self.total = self.total + self.env.step(action)[0]
        return self.total
'''


def test_a_class_holding_one_with_eager_only_methods_converts_in_both_outputs(tmp_path):
    m = load_module(RUNNER)
    runner = m.Runner()
    for action in (1, 1, 0):
        runner.run(action)
    calls = [("run", (1,), {}), ("run", (1,), {}), ("run", (0,), {})]
    src = write(tmp_path / "runner.py", RUNNER)
    code, _, err = convert(src, "-o", tmp_path / "out" / "runner.py")
    assert code == 0, err
    got = run_without_purify([("r", "runner", "Runner", (), {}, calls, {}, True)], [tmp_path / "out"])["r"]
    assert got[0] == "ok", got[1]
    want = decorated(m, "Runner", (), {}, calls, {})
    assert_same(list(got[1:]), list(want), where="convert output against the decorator")
    np.testing.assert_allclose(want[0][-1], runner.total, rtol=1e-6)


def test_an_attribute_a_method_only_assigns_still_refuses_the_class():
    """`self.sacle = self.scale * 2` (a typo) is no instance's scratch: the State's structure is locked."""
    source = """
        @purify.stateful
        class Layer:
            def __init__(self):
                self.scale = 1.0

            def grow(self):
                self.sacle = self.scale * 2
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    assert info.value.bare_msg == "self.sacle is assigned in grow but __init__ never creates it"
    assert (info.value.lineno, info.value.offset) == (line_in(source, "self.sacle ="), 9)
