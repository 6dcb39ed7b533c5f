"""Objects of a class other than `self` and undecorated bases (issue 14): river's `Mean`
merged through `copy.deepcopy(self)` and `other.get()`, mixins and an environment base left
undecorated, against the same code without the decorator, under `jax.jit` and `jax.vmap`, and
through the `purify convert` output; the refusals at the use."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module, undecorated
from tests.test_real_shapes import converted, float64  # noqa: F401 - float64: an autouse fixture

RIVER_MEAN = """
    import copy

    @purify.stateful
    class Mean:
        \"\"\"river's stats.Mean with its merge operators as written.\"\"\"

        def __init__(self):
            self.n = 0.0
            self._mean = 0.0

        def update(self, x, w=1.0):
            self.n += w
            self._mean += (w / self.n) * (x - self._mean)
            return self

        def get(self):
            return self._mean

        def __iadd__(self, other):
            old_n = self.n
            self.n += other.n
            self._mean = (old_n * self._mean + other.n * other.get()) / self.n
            return self

        def __isub__(self, other):
            old_n = self.n
            self.n -= other.n
            self._mean = (old_n * self._mean - other.n * other._mean) / self.n
            return self

        def __add__(self, other):
            result = copy.deepcopy(self)
            result += other
            return result

        def __sub__(self, other):
            result = copy.copy(self)
            result -= other
            return result

        def clone(self):
            return copy.deepcopy(self)
"""


def _filled(Mean, xs):
    m = Mean()
    for x in xs:
        m.update(x)
    return m


def test_merging_statistics_through_deepcopy_and_other_objects(tmp_path):
    mod, plain = load_module(RIVER_MEAN), undecorated(RIVER_MEAN)
    left, right = [1.0, 2.0, 6.0], [10.0, -4.0]
    a, b = _filled(mod.Mean, left), _filled(mod.Mean, right)
    pa, pb = _filled(plain.Mean, left), _filled(plain.Mean, right)
    c, pc = a + b, pa + pb
    assert type(c) is mod.Mean and c is not a and c.get() == pytest.approx(pc.get(), abs=1e-15) and c.n == pc.n
    assert a.get() == pytest.approx(pa.get(), abs=1e-15) and a.n == pa.n == 3  # the copy changed, not a
    d, pd = c - b, pc - pb
    assert d.get() == pytest.approx(pd.get(), abs=1e-12) and c.n == pc.n == 5
    kept = a
    a += b
    pa += pb
    assert a is kept and a.get() == pytest.approx(pa.get(), abs=1e-15)
    e = a.clone()
    assert e is not a and e.get() == a.get()
    e.update(100.0)
    assert e.n == 6 and a.n == 5

    conv = converted(RIVER_MEAN, tmp_path)
    for Cls in (mod.Mean, conv.Mean):
        sa, sb = Cls.init(), Cls.init()
        for x in left:
            _, sa = Cls.update(sa, x)
        for x in right:
            _, sb = Cls.update(sb, x)
        merged, same = jax.jit(Cls.__add__)(sa, sb)  # other arrives as a State, dispatched by its class
        assert float(merged.mean_) == pytest.approx(pc.get(), abs=1e-12)
        assert float(same.mean_) == pytest.approx(_filled(plain.Mean, left).get(), abs=1e-12)  # self unchanged
        out, sa2 = Cls.__iadd__(sa, sb)
        assert out is sa2 and float(sa2.mean_) == pytest.approx(pc.get(), abs=1e-12)
        back, _ = jax.jit(Cls.__sub__)(merged, sb)
        assert float(back.mean_) == pytest.approx(_filled(plain.Mean, left).get(), abs=1e-12)
    # vmap: merge batches of statistics lane by lane
    xs = jnp.asarray([[1.0, 2.0], [3.0, 9.0]])
    ys = jnp.asarray([[5.0], [-1.0]])

    def fill(data):
        s = mod.Mean.init()
        for j in range(data.shape[0]):
            _, s = mod.Mean.update(s, data[j])
        return s
    merged, _ = jax.vmap(mod.Mean.__add__)(jax.vmap(fill)(xs), jax.vmap(fill)(ys))
    for lane in range(2):
        ref = _filled(plain.Mean, xs[lane].tolist()) + _filled(plain.Mean, ys[lane].tolist())
        assert float(merged.mean_[lane]) == pytest.approx(ref.get(), abs=1e-12)


DEEP = """
    import copy

    @purify.stateful
    class Buffer:
        def __init__(self):
            self.a = np.zeros(3)
            self.items = [1.0, 2.0]

        def clone(self):
            return copy.deepcopy(self)

        def shallow(self):
            return copy.copy(self)

        def bumped(self):
            r = copy.deepcopy(self)
            r.bump()
            return r

        def bump(self):
            self.a = self.a + 1
"""


def test_a_deep_copy_of_self_shares_no_numpy_array_or_list_with_the_original(tmp_path):
    """`copy.deepcopy(self)` was the same State in a new tuple: a NumPy array or list the caller
    changed in place in the copy changed the original too (Python's deep copy shares nothing);
    `copy.copy(self)` shares them, as Python's does."""
    mod, plain = load_module(DEEP), undecorated(DEEP)
    for how in ("clone", "bumped", "shallow"):
        obj, ref = mod.Buffer(), plain.Buffer()
        c, d = getattr(obj, how)(), getattr(ref, how)()
        c.a[0] = 99.0
        c.items.append(3.0)
        d.a[0] = 99.0
        d.items.append(3.0)
        assert (obj.a.tolist(), obj.items) == (ref.a.tolist(), ref.items), how
        assert (c.a.tolist(), c.items) == (d.a.tolist(), d.items), how
    conv = converted(DEEP, tmp_path)
    for Cls in (mod.Buffer, conv.Buffer):
        state = Cls.init()
        copy_, state = Cls.clone(state)
        copy_.a[1] = 5.0
        assert state.a.tolist() == [0.0, 0.0, 0.0] and copy_.a.tolist() == [0.0, 5.0, 0.0]
        out, _ = jax.jit(Cls.bumped)(jax.tree.map(jnp.asarray, state))
        assert out.a.tolist() == [1.0, 1.0, 1.0]


def test_a_method_that_changes_an_argument_object_is_refused_at_its_line():
    source = """
        @purify.stateful
        class Mean:
            def __init__(self):
                self.n = 0.0

            def update(self, x):
                self.n += x

            def absorb(self, other):
                other.update(1.0)
                self.n += other.n
        """
    mod = load_module(source)
    a, b = mod.Mean(), mod.Mean()
    for run in (lambda: a.absorb(b), lambda: mod.Mean.absorb(mod.Mean.init(), mod.Mean.init()),
                lambda: jax.jit(mod.Mean.absorb)(mod.Mean.init(), mod.Mean.init())):
        with pytest.raises(purify.PurifyError) as info:
            run()
        e = info.value
        assert "Mean.update changes the state of an argument of the method" in e.bare_msg
        assert e.lineno == line_in(source, "other.update(1.0)") and e.filename == mod.__file__
        assert "call update on the object where it lives" in e.hint


@pytest.mark.parametrize(("use", "col", "what"), [
    ("return [r]", 17, "`[r]`"),
    ("return r.n + self.helper(r)", 34, "`self.helper(r)`"),
    ("return r.update", 16, "`r.update`"),
])
def test_a_copy_of_self_used_as_a_tuple_is_refused_where_it_is(use, col, what):
    source = f"""
        import copy

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0.0

            def update(self, x):
                self.n += x

            def helper(self, other):
                return 1.0

            def f(self):
                r = copy.deepcopy(self)
                {use}
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg == (f"r is a copy of self, which inside the pure method is a State (a tuple of its fields), "
                          f"so {what} would act on that tuple")
    assert (e.lineno, e.offset) == (line_in(source, use), col)
    assert e.text.strip() == use and e.text[col - 1] == "r"  # the caret under the copy's name
    assert "use the copy through its methods and fields" in e.hint


def test_an_operator_on_a_copy_needs_the_dunder():
    source = """
        import copy

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0.0

            def f(self, other):
                r = copy.copy(self)
                r *= other
                return r
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg == "r *= ... on a copy of self: C defines neither __imul__ nor __mul__"
    assert (e.lineno, e.offset) == (line_in(source, "r *= other"), 9) and "define __imul__" in e.hint


PLAIN_BASES = """
    class Statistic:
        \"\"\"river's stats.base shape: not decorated, with an __init__, a property and helpers.\"\"\"

        def __init__(self):
            self.n = 0.0
            self._total = 0.0
            self.log = []

        @property
        def name(self):
            return "stat"

        def weighted(self, w):
            return self.get() * w

        def report(self):  # changes a list in place: stays the base's, eager only
            self.log.append(self.get())
            return len(self.log)

    class Resettable:
        \"\"\"A mixin without __init__.\"\"\"

        def reset(self):
            self.n = 0.0
            self._total = 0.0
            return self

    @purify.stateful
    class Sum(Statistic):
        def update(self, x):
            self.n += 1
            self._total = self.get() + x
            return self

        def get(self):
            return self._total

    @purify.stateful
    class Mean(Resettable):
        def __init__(self):
            super().__init__()
            self.n = 0.0
            self._total = 0.0

        def update(self, x):
            self.n += 1
            self._total += x

        def get(self):
            return self._total / jnp.maximum(self.n, 1.0)
"""


def test_undecorated_bases_are_converted_with_the_class(tmp_path):
    source = PLAIN_BASES
    mod, plain = load_module(source), undecorated(source)
    s, p = mod.Sum(), plain.Sum()
    for x in (1.0, 2.0):
        assert s.update(x) is s
        p.update(x)
    assert (s.get(), s.weighted(2.0), s.name) == (p.get(), p.weighted(2.0), p.name)
    assert isinstance(s, mod.Statistic) and s.report() == p.report() == 1 and s.log == p.log
    m, q = mod.Mean(), plain.Mean()
    for x in (3.0, 5.0):
        m.update(x)
        q.update(x)
    assert float(m.get()) == float(q.get()) == 4.0
    assert m.reset() is m and m.n == 0.0 and isinstance(m, mod.Resettable)

    conv = converted(source, tmp_path)
    for Cls in (mod.Mean, conv.Mean):
        state = Cls.init()
        _, state = jax.jit(Cls.update)(state, 3.0)
        _, state = jax.jit(Cls.update)(state, 5.0)
        assert float(Cls.get(state)[0]) == 4.0
        out, state = jax.jit(Cls.reset)(state)  # the mixin's method, converted for Mean
        assert float(state.n) == 0.0 and float(out.total_) == 0.0
        states = jax.vmap(lambda _, C=Cls: C.init())(jnp.arange(3))
        _, states = jax.vmap(Cls.update)(states, jnp.array([1.0, 2.0, 3.0]))
        np.testing.assert_array_equal(jax.vmap(lambda st, C=Cls: C.get(st)[0])(states), [1.0, 2.0, 3.0])
    for Cls in (mod.Sum, conv.Sum):
        state = Cls.init()
        assert Cls.name(state) == "stat"
        _, state = jax.jit(Cls.update)(state, 2.0)
        assert float(Cls.weighted(state, 3.0)[0]) == 6.0


def test_a_method_of_an_undecorated_base_that_cannot_be_converted_has_no_pure_form(tmp_path):
    """`Sum.report` is the base's `report`, which purify cannot convert: it runs on instances as
    written, and `Sum.report(state)` raises why (it was the base's function, run on a State:
    `AttributeError: can't set attribute`, found by the differential campaign, seed 901)."""
    source = PLAIN_BASES
    mod, plain = load_module(source), undecorated(source)
    assert mod.Sum().report() == plain.Sum().report() == 1
    at = line_in(source, "self.log.append")
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(mod.Sum.report)(mod.Sum.init())
    e = info.value
    assert e.bare_msg.startswith("Sum.report is report of the base class Statistic, which is not decorated and which "
                                 "purify cannot convert, so it has no pure form (it runs on instances as written): "
                                 "self.log.append(...) mutates an attribute")
    assert (e.filename, e.lineno) == (mod.__file__, at) and "override report in Sum" in e.hint
    with pytest.raises(TypeError, match="so it has no pure form") as info:
        converted(source, tmp_path).Sum.report(mod.Sum.init())
    assert f".py:{at}: Sum.report is report of the base class Statistic" in str(info.value)  # (the file converted)


def test_a_method_of_an_undecorated_base_that_cannot_be_converted_is_refused_where_it_is_called():
    source = PLAIN_BASES.replace("            return self._total\n", "            return self.report()\n", 1)
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg.startswith("self.report() runs report of the base class Statistic, which is not decorated "
                                 "and which purify cannot convert: self.log.append(...) mutates an attribute")
    assert (e.lineno, e.offset) == (line_in(source, "return self.report()"), 16)
    assert "override report in Sum" in e.hint


ENV = """
    class Env:
        \"\"\"An environment base, not decorated.\"\"\"

        def __init__(self, size=3, scale=2.0):
            self.size = size
            self.pos = jnp.zeros(size) + scale
            self.steps = 0

        def reset(self, start=0.0):
            self.pos = jnp.zeros(self.size) + start
            self.steps = 0
            return self.pos

    @purify.stateful
    class Walk(Env):
        def __init__(self, size=4):
            super().__init__(size)  # the base's __init__, its default scale=2.0
            self.total = 0.0

        def step(self, x):
            self.pos = self.pos + x
            self.steps += 1
            self.total += x
            return self.pos.sum()
"""


def test_super_init_into_an_undecorated_base_runs_its_init(tmp_path):
    mod, plain = load_module(ENV), undecorated(ENV)
    w, p = mod.Walk(), plain.Walk()
    assert (w.size, w.pos.tolist(), w.steps) == (p.size, p.pos.tolist(), p.steps) == (4, [2.0] * 4, 0)
    for x in (1.0, 0.5):
        assert float(w.step(x)) == float(p.step(x))
    np.testing.assert_array_equal(w.reset(1.0), p.reset(1.0))
    assert isinstance(w, mod.Env) and w.steps == 0
    conv = converted(ENV, tmp_path)
    for Cls in (mod.Walk, conv.Walk):
        state = Cls.init()
        assert state.size == 4 and state.pos.tolist() == [2.0] * 4
        out, state = jax.jit(Cls.step)(state, 1.0)
        assert float(out) == 12.0 and int(state.steps) == 1
        _, state = jax.jit(Cls.reset)(state, 0.0)
        assert state.pos.tolist() == [0.0] * 4
        states = jax.vmap(lambda _, C=Cls: C.init())(jnp.arange(2))
        outs, _ = jax.vmap(Cls.step)(states, jnp.array([1.0, 2.0]))
        assert outs.tolist() == [12.0, 16.0]


@pytest.mark.parametrize(("call", "name"), [("super().weighted(2.0)", "weighted")])
def test_super_into_an_undecorated_base_is_refused_at_the_call(call, name):
    source = f"""
        class Base:
            def __init__(self):
                self.n = 0.0

            def weighted(self, w):
                return self.n * w

        @purify.stateful
        class C(Base):
            def __init__(self):
                self.n = 1.0

            def weighted(self, w):
                return 2.0

            def f(self):
                return {call}
        """
    if name == "__init__":
        source = source.replace("                self.n = 1.0\n", "                super().__init__()\n")
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg.startswith(f"super().{name}(...) runs {name} of Base, which is not decorated")
    line = "super().__init__()" if name == "__init__" else f"return {call}"
    assert e.lineno == line_in(source, line) and e.text[e.offset - 1:].startswith("super()")
    assert "decorate Base with @purify.stateful" in e.hint


def test_a_base_without_source_is_still_refused_at_the_base():
    source = """
        @purify.stateful
        class C(dict):
            def __init__(self):
                self.n = 0
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert e.bare_msg == "base class dict is not @stateful, and purify cannot read its source"
    assert (e.lineno, e.offset) == (line_in(source, "class C(dict):"), 9)


# -- another object's child, and an augmented assignment to a child (river's Var) -------------------

RIVER_VAR = RIVER_MEAN + """

    @purify.stateful
    class Sum:
        \"\"\"A child whose class has `__add__` only: `self.total += x` is `self.total = self.total + x`.\"\"\"

        def __init__(self):
            self._s = 0.0

        def update(self, x):
            self._s += x
            return self

        @property
        def value(self):
            return self._s

        def __add__(self, other):
            result = copy.deepcopy(self)
            result._s = self._s + other._s
            return result


    @purify.stateful
    class Var:
        \"\"\"river's stats.Var, its merge as written: `self.mean += other.mean`, `other.mean.get()`.\"\"\"

        def __init__(self):
            self.mean = Mean()
            self.total = Sum()
            self._S = 0.0

        @property
        def n(self):
            return self.mean.n

        def update(self, x, w=1.0):
            mean_old = self.mean.get()
            self.mean.update(x, w)
            self.total.update(x)
            self._S += w * (x - mean_old) * (x - self.mean.get())
            return self

        def get(self):
            return self._S / (self.n - 1) if self.n > 1 else 0.0

        def __iadd__(self, other):
            S = self._S + other._S + (self.mean.get() - other.mean.get()) ** 2 * self.n * other.n / (self.n + other.n)
            self.mean += other.mean
            self.total += other.total
            self._S = S
            return self

        def __isub__(self, other):
            self.mean -= other.mean
            S = self._S - other._S - (self.mean.get() - other.mean.get()) ** 2 * self.n * other.mean.n / (
                self.n + other.mean.n)
            self._S = S
            return self

        def __add__(self, other):
            result = copy.deepcopy(self)
            result += other
            return result

        def __sub__(self, other):
            result = copy.deepcopy(self)
            result -= other
            return result

        def peek(self, other):
            return other.mean._mean + other.total.value + other.mean.get()
"""

LEFT, RIGHT = [1.0, 2.0, 6.0, 3.5], [10.0, -4.0, 2.0]


def _var_numbers(v):
    s = v if not hasattr(v, "_fields") else None
    if s is not None:
        return (float(s._S), float(s.mean.n), float(s.mean._mean), float(s.total._s))
    return (float(v.S_), float(v.mean.n), float(v.mean.mean_), float(v.total.s_))


def _pure_filled(cls, xs):
    state = cls.init()
    for x in xs:
        _, state = jax.jit(cls.update)(state, x)
    return state


def test_another_objects_child_and_augmented_children_merge_in_every_mode(tmp_path):
    mod, plain = load_module(RIVER_VAR), undecorated(RIVER_VAR)
    a, b = _filled(mod.Var, LEFT), _filled(mod.Var, RIGHT)
    pa, pb = _filled(plain.Var, LEFT), _filled(plain.Var, RIGHT)
    c, pc = a + b, pa + pb
    np.testing.assert_allclose(_var_numbers(c), _var_numbers(pc), rtol=1e-12)
    np.testing.assert_allclose(_var_numbers(a), _var_numbers(pa), rtol=1e-12)  # a copy changed, not a
    np.testing.assert_allclose(_var_numbers(c - b), _var_numbers(pc - pb), rtol=1e-12)
    assert c.get() == pytest.approx(pc.get(), rel=1e-12)
    assert a.peek(b) == pytest.approx(pa.peek(pb), rel=1e-12)
    a += b
    pa += pb
    np.testing.assert_allclose(_var_numbers(a), _var_numbers(pa), rtol=1e-12)
    for cls in (mod.Var, converted(RIVER_VAR, tmp_path).Var):
        left, right = _pure_filled(cls, LEFT), _pure_filled(cls, RIGHT)
        merged, same = jax.jit(cls.__add__)(left, right)
        np.testing.assert_allclose(_var_numbers(merged), _var_numbers(pc), rtol=1e-12)
        np.testing.assert_allclose(_var_numbers(same), _var_numbers(_filled(plain.Var, LEFT)), rtol=1e-12)
        back, _ = jax.jit(cls.__sub__)(merged, right)
        np.testing.assert_allclose(_var_numbers(back), _var_numbers(pc - pb), rtol=1e-12)
        peek, _ = jax.jit(cls.peek)(left, right)
        assert float(peek) == pytest.approx(_filled(plain.Var, LEFT).peek(pb), rel=1e-12)


def test_merges_under_vmap_lane_by_lane():
    mod, plain = load_module(RIVER_VAR), undecorated(RIVER_VAR)
    lefts = [[1.0, 2.0, 6.0], [0.5, -1.0, 4.0], [3.0, 3.0, 9.0]]
    states = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *[_pure_filled(mod.Var, xs) for xs in lefts])
    merged, _ = jax.vmap(mod.Var.__add__, in_axes=(0, None))(states, _pure_filled(mod.Var, RIGHT))
    for i, xs in enumerate(lefts):
        want = _filled(plain.Var, xs) + _filled(plain.Var, RIGHT)
        lane = jax.tree_util.tree_map(lambda x, i=i: x[i], merged)
        np.testing.assert_allclose(_var_numbers(lane), _var_numbers(want), rtol=1e-12)


def test_an_augmented_assignment_to_a_child_runs_the_childs_operator_in_the_generated_code():
    text = purify.source(load_module(RIVER_VAR).Var)
    assert "_r1, _c2 = Mean.__iadd__(self.mean, other.mean)" in text  # `return self`: the call alone
    assert "Sum.__add__(self.total, other.total)" in text  # `__add__` only: its result assigned back
    assert "_obj_call(other.mean, 'get')" in text and "_obj_field(other.mean, '_mean')" in text
    assert "_obj_property(other.total, 'value')" in text
