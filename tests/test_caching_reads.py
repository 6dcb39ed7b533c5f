"""A property that caches into `self`, read inside the class (issue 14: filterpy's `likelihood`
reads `self.log_likelihood`, its `__repr__` all three caches): the read threads the state like a
call of a method that changes it, in Python's evaluation order, in every position a read can
stand. Against the same code without the decorator, eagerly, under `jax.jit`, `jax.vmap` and
`jax.grad` through the pure API, and through the `purify convert` output."""

from __future__ import annotations

import textwrap

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module, undecorated
from tests.test_real_shapes import converted, float64  # noqa: F401 - float64: an autouse fixture

CACHES = """
    @purify.stateful
    class Kid:
        def __init__(self):
            self.x = jnp.array(3.0)
            self._c = None
            self.reads = 0.0

        @property
        def c(self):
            self.reads += 1.0
            if self._c is None:
                self._c = self.x + 1.0
            return self._c

        def set(self, v):
            self.x = v
            self._c = None


    @purify.stateful
    class Cache:
        def __init__(self):
            self.x = jnp.array(2.0)
            self._sq = None
            self.hits = 0.0
            self.kid = Kid()

        @property
        def sq(self):
            self.hits += 1.0
            if self._sq is None:
                self._sq = self.x * self.x
            return self._sq

        @property
        def half(self):
            return self.sq / 2

        def update(self, v):
            self.x = v
            self._sq = None
            return self

        def statement(self):
            self.sq
            return self.hits

        def branch(self, t):
            if self.sq > t:
                y = self.sq + 1.0
            else:
                y = self.x
            return y

        def argument(self):
            return jnp.add(self.x, self.sq), self.half

        def order(self):
            return self.hits + self.sq * self.hits

        def child(self):
            return self.kid.c * 2 + self.kid.c + self.kid.reads

        def text(self):
            return f"{self.hits} {float(self.sq)} {self.hits}"

        def loss(self, w):
            return w * self.sq + self.half

        def method_on(self):
            return self.sq.sum()

        def __repr__(self):
            return f"Cache(sq={float(self.sq)}, half={float(self.half)}, hits={self.hits})"
"""

METHODS = [("statement", ()), ("branch", (3.0,)), ("branch", (5.0,)), ("argument", ()), ("order", ()),
           ("child", ()), ("method_on", ()), ("loss", (2.0,))]


def fields(obj):
    return (float(obj.x), None if obj._sq is None else float(obj._sq), float(obj.hits),
            None if obj.kid._c is None else float(obj.kid._c), float(obj.kid.reads))


def state_fields(s):
    return (float(s.x), None if s.sq_ is None else float(s.sq_), float(s.hits),
            None if s.kid.c_ is None else float(s.kid.c_), float(s.kid.reads))


def values(out):
    return np.asarray(jax.tree_util.tree_leaves(out), dtype=np.float64)


@pytest.fixture(scope="module")
def mods():
    return load_module(CACHES), undecorated(CACHES)


@pytest.mark.parametrize(("name", "args"), METHODS)
def test_a_caching_property_read_inside_the_class_threads_the_state_in_every_mode(name, args, mods, tmp_path):
    mod, plain = mods
    p, d = plain.Cache(), mod.Cache()
    want = getattr(p, name)(*args)
    np.testing.assert_allclose(values(getattr(d, name)(*args)), values(want))
    assert fields(d) == fields(p)  # the instance keeps the caches and the counts, as Python does
    for cls in (mod.Cache, converted(CACHES, tmp_path).Cache):
        out, state = jax.jit(getattr(cls, name))(cls.init(), *args)
        np.testing.assert_allclose(values(out), values(want))
        assert state_fields(state) == fields(p)


def test_the_reads_thread_under_vmap_lane_by_lane(mods):
    mod, plain = mods
    xs = jnp.array([1.0, 2.0, 3.0])
    states = jax.vmap(lambda x: mod.Cache.update(mod.Cache.init(), x)[1])(xs)
    outs, states = jax.vmap(mod.Cache.branch, in_axes=(0, None))(states, 5.0)
    for i, x in enumerate(xs):
        p = plain.Cache().update(float(x))
        assert float(outs[i]) == p.branch(5.0)
        assert float(states.sq_[i]) == p._sq and float(states.hits[i]) == p.hits


def test_a_gradient_through_a_caching_read(mods):
    mod, plain = mods
    g = jax.grad(lambda w: mod.Cache.loss(mod.Cache.init(), w)[0])(2.0)
    assert float(g) == plain.Cache().sq == 4.0
    grad_x = jax.grad(lambda x: mod.Cache.half(mod.Cache.update(mod.Cache.init(), x)[1])[0])(3.0)
    assert float(grad_x) == pytest.approx(3.0)  # d(x*x/2)/dx


def test_f_strings_and_repr_read_the_caches_in_order(mods, tmp_path):
    mod, plain = mods
    p, d = plain.Cache(), mod.Cache()
    assert d.text() == p.text() == "0.0 4.0 1.0"
    assert repr(d) == repr(p) == "Cache(sq=4.0, half=2.0, hits=3.0)"
    assert fields(d) == fields(p)
    for cls in (mod.Cache, converted(CACHES, tmp_path).Cache):
        out, state = cls.text(cls.init())
        assert out == "0.0 4.0 1.0" and float(state.hits) == 1.0


def test_the_generated_code_threads_each_read_like_a_call(mods):
    text = purify.source(mods[0].Cache)
    assert "_r1, self = Cache.sq(self)\n        return _r1 / 2, self" in text  # half
    assert "_t1 = self.hits\n        _r2, self = Cache.sq(self)" in text  # order: hits read first
    assert "_r1, _c2 = Kid.c(self.kid)\n        self = self._replace(kid=_c2)" in text  # a child's cache


NESTED = """
    @purify.stateful
    class Counter:
        def __init__(self):
            self.n = 0

        @property
        def next(self):
            self.n += 1
            return self.n

        def twice(self, flag):
            return flag and self.next
"""


def test_a_caching_read_python_may_not_evaluate_is_refused_at_the_read():
    with pytest.raises(purify.PurifyError) as e:
        load_module(NESTED)
    err = e.value
    assert "this read of self.next, a property that caches into the state, changes the state where Python " \
        "may not evaluate it" in err.bare_msg
    assert "v = self.prop" in err.hint
    assert (err.lineno, err.offset) == (line_in(NESTED, "flag and self.next"), 25)


# A caching read runs the property's body where it stands, so the refusals about what a call does
# there apply to it too: each was a silent difference while the reads were first threaded.
AFTER_A_CHANGE = [
    ("raises_after_a_change", """
    @purify.stateful
    class C:
        def __init__(self):
            self.n = 0

        @property
        def p(self):
            self.n += 1
            if self.n > 0:
                raise ValueError("boom")
            return self.n

        def m(self):
            try:
                y = self.p
            except ValueError:
                y = 0
            return y, self.n
    """, "y = self.p", "self.p", "this call may raise after changing the state (C.p can reach the `raise`"),
    ("changes_in_place_what_was_read", """
    @purify.stateful
    class C:
        def __init__(self):
            self.a = np.zeros(2)

        @property
        def p(self):
            self.a[0] = 5.0
            return 1.0

        def m(self):
            return self.a + self.p
    """, "return self.a + self.p", "self.p", "this call changes self.a in place after it was read"),
    ("replaces_the_container_an_update_fetched", """
    @purify.stateful
    class C:
        def __init__(self):
            self.d = {"k": 1.0}

        @property
        def p(self):
            self.d = {"k": 10.0}
            return 1.0

        def m(self):
            self.d["k"] += self.p
            return self.d["k"]
    """, 'self.d["k"] += self.p', "self.p", "this call changes self.d while `self.d['k'] += ...` updates it"),
]


@pytest.mark.parametrize(("name", "source", "line", "caret", "message"), AFTER_A_CHANGE,
                         ids=[c[0] for c in AFTER_A_CHANGE])
def test_a_caching_read_is_refused_where_python_would_see_what_the_pure_method_cannot(name, source, line, caret,
                                                                                        message):
    plain = undecorated(source)
    with pytest.raises(purify.PurifyError) as e:
        load_module(source)
    assert message in e.value.bare_msg and e.value.hint
    text = textwrap.dedent(source).splitlines()[line_in(source, line, header=False) - 1]
    assert (e.value.lineno, e.value.offset) == (line_in(source, line), text.rindex(caret) + 1)  # at the read
    assert plain.C().m() is not None  # Python runs it


LOOP = """
    @purify.stateful
    class K:
        def __init__(self, n=0):
            self.n = n

        def __call__(self, x):
            self.n += x
            return self.n


    @purify.stateful
    class P:
        def __init__(self):
            self.kids = [K(), K(1)]

        @property
        def poked(self):
            self.kids[1](10)
            return 1

        def run(self):
            out = []
            for kid in self.kids:
                y = self.poked
                out.append(kid(y))
            return out, [k.n for k in self.kids]
"""


def test_a_caching_read_in_a_loop_over_children_sees_the_items_it_changes(tmp_path):
    """`self.poked` calls `self.kids[1]` inside the loop: the loop variable must read the item as
    it is then (it kept the item from when the loop began: [1, 2] where Python gives [1, 22])."""
    mod, plain = load_module(LOOP), undecorated(LOOP)
    want = plain.P().run()
    assert want == ([1, 22], [1, 22]) and mod.P().run() == want
    for cls in (mod.P, converted(LOOP, tmp_path).P):
        out, _ = jax.jit(cls.run)(cls.init())
        assert [[int(v) for v in part] for part in out] == [list(part) for part in want]


ITEM = """
    @purify.stateful
    class K:
        def __init__(self):
            self.n = 0

        @property
        def cached(self):
            self.n += 1
            return self.n


    @purify.stateful
    class P:
        def __init__(self):
            self.ks = [K(), K()]

        def f(self):
            return self.ks[0].cached + 1
"""


def test_a_caching_read_on_an_item_of_children_is_refused_at_the_read():
    with pytest.raises(purify.PurifyError) as e:
        load_module(ITEM)
    assert "self.ks[0].cached reads a property that changes K's state (a cache) on an item of a list of children" \
        in e.value.bare_msg
    assert "self.ks[0].some_method()" in e.value.hint
    assert (e.value.lineno, e.value.offset) == (line_in(ITEM, "return self.ks[0].cached"), 16)
