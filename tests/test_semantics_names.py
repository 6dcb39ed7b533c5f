"""Python's semantics for names, static configuration and constructs that used to crash, kept or
refused (issue 12, kinds 8, 10 and 11; the contract is docs/concepts/semantics-objects.md).
Kept cases run the plain class, the decorated instance, the pure API under jax.jit and the
`purify convert` output; refused ones check the message, the line and column, and the hint."""

from __future__ import annotations

import jax
import numpy as np
import purify
import pytest

from tests.conftest import compare_three, load_module, undecorated
from tests.test_semantics_objects import convert_refused, converted, refused, refused_at_init

# -- kind 8: name hygiene ------------------------------------------------------------------

def test_a_user_function_named_like_a_generated_helper_is_refused_by_both(tmp_path):
    source = """
    def _setitem(a, b, c):
        return "user"

    @purify.stateful
    class C:
        def __init__(self):
            self.d = {"a": 1}

        def f(self):
            self.d["a"] = 2
            return _setitem(1, 2, 3)
    """
    msg = "`_setitem` is the name of a helper that purify's generated code calls"
    e = refused(source, "return _setitem", msg, col=16)
    assert "_setitem_" in e.hint
    convert_refused(tmp_path, source, "return _setitem", msg)


def test_a_local_named_like_a_helper_is_refused():
    source = """
    @purify.stateful
    class C:
        def __init__(self):
            self.d = {"a": 1}

        def f(self, _setitem=5):
            self.d["a"] = _setitem
    """
    refused(source, "def f(self, _setitem", "`_setitem` is the name of a helper")


def test_a_helper_name_the_class_does_not_use_stays_the_users(tmp_path):
    source = """
    def _merge(a, b):
        return "user"

    @purify.stateful
    class C:
        def __init__(self):
            self.n = 0

        def f(self):
            self.n += 1
            return _merge(1, 2)
    """
    compare_three(source, "C", (), [("f", ())], jit=False)
    conv = converted(tmp_path, source)
    assert conv.C.f(conv.C.init())[0] == "user"


DEFAULTS = """
SCALE = 1

@purify.stateful
class C:
    SCALE = 3
    STEP = 2

    def __init__(self, s=SCALE):
        self.s = s
        self.n = 0

    def f(self, k=STEP, *, j=SCALE):
        self.n += k * j
        return self.n, self.s
"""


def test_default_arguments_are_evaluated_in_the_class_body(tmp_path):
    compare_three(DEFAULTS, "C", (), [("f", ()), ("f", (1,))])
    conv = converted(tmp_path, DEFAULTS)
    out, _ = conv.C.f(conv.C.init())
    assert (int(out[0]), out[1]) == (6, 3)


def test_inherited_methods_and_init_keep_their_defaults():
    source = """
    @purify.stateful
    class Base:
        LIMIT = 3

        def __init__(self, a=LIMIT):
            self.a = a

        def f(self, k=LIMIT - 1):
            self.a += k
            return self.a

    @purify.stateful
    class Sub(Base):
        def g(self):
            return self.a
    """
    compare_three(source, "Sub", (), [("f", ()), ("g", ()), ("f", (1,))])


@pytest.mark.parametrize("name", ["init", "State"])
def test_a_field_named_like_the_pure_api_is_refused(name):
    source = f"""
    @purify.stateful
    class C:
        def __init__(self):
            self.{name} = 5
    """
    e = refused(source, f"self.{name} = 5", f"attribute self.{name} has the name of Cls.{name}")
    assert f"self.{name}_" in e.hint


def test_a_field_shadows_a_class_attribute_of_the_same_name():
    source = """
    @purify.stateful
    class C:
        n = 100
        size = 7

        def __init__(self, size=3):
            self.size = size
            self.n = 0

        def f(self):
            self.n += self.size
            return self.n
    """
    compare_three(source, "C", (), [("f", ()), ("f", ())])
    c = load_module(source).C()
    assert (c.n, c.size, type(c).n) == (0, 3, 100)


def test_two_stateful_classes_of_one_name_are_refused_by_convert(tmp_path):
    source = """
    @purify.stateful
    class K:
        def __init__(self):
            self.n = 0

    @purify.stateful
    class K:
        def __init__(self):
            self.m = 0
    """
    convert_refused(tmp_path, source, "class K", "a second @stateful class named K", nth=1)


def test_a_child_class_reached_through_an_alias_converts(tmp_path):
    source = """
    @purify.stateful
    class Dense:
        def __init__(self):
            self.n = 0

        def __call__(self, x):
            self.n += 1
            return x + self.n

    Layer = Dense

    @purify.stateful
    class Net:
        def __init__(self):
            self.layer = Layer()

        def __call__(self, x):
            return self.layer(x)
    """
    compare_three(source, "Net", (), [("__call__", (1,)), ("__call__", (1,))])
    conv = converted(tmp_path, source)
    state = conv.Net.init()
    out1, state = conv.Net.__call__(state, 1)
    out2, state = conv.Net.__call__(state, 1)
    assert (int(out1), int(out2), int(state.layer.n)) == (2, 3, 2)


# -- kind 10: static configuration --------------------------------------------------------------

def test_a_static_negative_zero_is_refused():
    source = """
    @purify.stateful
    class C:
        def __init__(self, z):
            self.z = z
            self.n = jnp.zeros(())

        def f(self):
            return jnp.copysign(1.0, self.z)
    """
    e = refused_at_init(source, "self.z = z", "holding -0.0, which equals 0.0", lambda m: m.C.init(-0.0))
    assert "jnp.asarray(-0.0)" in e.hint
    assert float(jax.jit(load_module(source).C.f)(load_module(source).C.init(0.0))[0]) == 1.0


def test_a_mutable_configuration_object_is_refused_and_a_frozen_one_kept():
    source = """
    import dataclasses

    class Cfg:
        def __init__(self):
            self.scale = 1

    @dataclasses.dataclass(frozen=True)
    class Frozen:
        scale: int = 2

    @purify.stateful
    class C:
        def __init__(self, cfg):
            self.cfg = cfg
            self.n = jnp.zeros(())

        def f(self):
            self.n = self.n + self.cfg.scale
            return self.n
    """
    e = refused_at_init(source, "self.cfg = cfg", "holding a Cfg object, which is hashed by identity",
                        lambda m: m.C(m.Cfg()))
    assert "frozen=True" in e.hint
    module = load_module(source)
    assert float(purify.jit(module.C(module.Frozen()).f)()) == 2.0


def test_a_python_float_field_splits_the_same_eagerly_and_under_jit():
    source = """
    @purify.stateful
    class C:
        def __init__(self):
            self.w = 1.0
            self.b = jnp.ones(())

        def loss(self, x):
            return self.w * x + self.b * x

        def step(self, x):
            g = purify.grad(self.loss)(x)
            self.w = self.w - 0.1 * g.w
            self.b = self.b - 0.1 * g.b
            return self.w
    """
    module = load_module(source)
    eager, compiled = module.C(), module.C()
    assert float(eager.step(2.0)) == pytest.approx(float(purify.jit(compiled.step)(2.0))) == pytest.approx(0.8)


# -- kind 11: crashes on code Python runs ---------------------------------------------------

@pytest.mark.parametrize("loop, fragment, message, hint", [
    ("for self.i in range(3):\n                pass", "for self.i", "`for self.i in ...` binds self.i",
     "for i in ...: self.i = i"),
    ("for j, self.i in [(1, 2)]:\n                pass", "for j, self.i", "`for self.i in ...` binds self.i",
     "for i in ...: self.i = i"),
    ("[0 for self.i in range(3)]", "for self.i", "`[... for self.i in ...]` binds self.i",
     "use a local in the comprehension"),
    ("with contextlib.nullcontext(5) as self.i:\n                pass", "as self.i", "`with ... as self.i` binds",
     "with ... as i: self.i = i"),
])
def test_an_attribute_of_self_as_a_binding_target_is_refused(loop, fragment, message, hint):
    source = f"""
    import contextlib

    @purify.stateful
    class C:
        def __init__(self):
            self.i = 0

        def f(self):
            {loop}
            return self.i
    """
    e = refused(source, fragment, message)
    assert hint in e.hint


def test_a_name_mangled_field_is_read_and_written_from_outside():
    source = """
    @purify.stateful
    class M:
        def __init__(self):
            self.__secret = 1

        def bump(self):
            self.__secret += 1
            return self.__secret
    """
    for module in (undecorated(source), load_module(source)):
        m = module.M()
        m._M__secret = 5
        assert (m.bump(), m._M__secret) == (6, 6)


METHOD_ALIAS = """
@purify.stateful
class C:
    def __init__(self):
        self.n = 0

    def inc(self):
        self.n += 1
        return self.n

    def forward(self, x):
        self.n += x
        return self.n

    bump = inc
    __call__ = forward
"""


def test_a_method_alias_in_the_class_body_is_the_pure_method(tmp_path):
    compare_three(METHOD_ALIAS, "C", (), [("bump", ()), ("__call__", (2,)), ("inc", ())])
    conv = converted(tmp_path, METHOD_ALIAS)
    out, state = conv.C.bump(conv.C.init())
    assert out == 1 and state.n == 1


def test_a_method_alias_called_through_self_is_refused():
    source = METHOD_ALIAS + """
    def twice(self):
        return self.bump() + self.bump()
"""
    e = refused(source, "return self.bump()", "C.bump is another name for C.inc", col=16)
    assert "self.inc(...)" in e.hint


def test_a_defaultdict_field_is_refused():
    source = """
    import collections

    @purify.stateful
    class C:
        def __init__(self):
            self.d = collections.defaultdict(int)

        def add(self, k):
            self.d[k] += 1
    """
    e = refused_at_init(source, "self.d = collections", "self.d holds a defaultdict")
    assert "self.d.get(k, 0) + 1" in e.hint


def test_a_method_defined_under_if_in_the_class_body_is_refused_by_both(tmp_path):
    source = """
    FAST = True

    @purify.stateful
    class C:
        def __init__(self):
            self.n = 0

        if FAST:
            def inc(self):
                self.n += 2
    """
    msg = "method inc is defined inside `if` in the class body"
    refused(source, "def inc", msg)
    convert_refused(tmp_path, source, "def inc", msg)


def test_a_child_created_in_a_method_is_threaded(tmp_path):
    source = """
    @purify.stateful
    class K:
        def __init__(self, n=0):
            self.n = n

        def inc(self):
            self.n += 1
            return self.n

    @purify.stateful
    class C:
        def __init__(self):
            self.k = K()
            self.ks = [K(), K()]

        def reset(self):
            self.k = K(5)
            self.ks[1] = K(7)
            return self.k.inc() + self.ks[1].inc()
    """
    compare_three(source, "C", (), [("reset", ()), ("reset", ())])
    conv = converted(tmp_path, source)
    out, _ = conv.C.reset(conv.C.init())
    assert int(out) == 14


def test_an_argument_that_is_a_donated_state_buffer_is_copied():
    source = """
    @purify.stateful
    class C:
        def __init__(self):
            self.w = jnp.ones(3)

        def add(self, x):
            self.w = self.w + x
            return self.w.sum()
    """
    c = load_module(source).C()
    fast = purify.jit(c.add)
    assert float(fast(c.w)) == 6.0
    np.testing.assert_allclose(c.w, [2.0, 2.0, 2.0])
    assert float(fast(c.w)) == 12.0

