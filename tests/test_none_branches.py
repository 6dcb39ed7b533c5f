"""`None` in one branch of a traced `if` (issues 13 and 14): a field or local that is None until
first computed merges with an array into a `purify.Maybe`; `x is None` tests its flag lane by
lane; reads where the code tested it present are its value; every other use is refused at the
user's line. Each class is compared with its plain run (no decorator), eagerly, under jax.jit,
lane by lane under jax.vmap, and through `purify convert`."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module, undecorated
from tests.fuzz.cli import convert_file

LAST = """
@purify.stateful
class Last:
    def __init__(self):
        self.last = None
        self.count = jnp.asarray(0)

    def see(self, x):
        if x > 1.0:
            self.last = x * 2.0
        return self.last

    def since(self, x):
        if self.last is not None:
            self.count = self.count + 1
            return x - self.last
        return -1.0

    def default(self, d):
        return self.last if self.last is not None else d

    def guard(self, x):
        if self.last is None:
            return 0.0
        return self.last + x

    def both(self, x):
        return self.last is not None and self.last > x

    def local(self, x):
        y = None
        if x > 0:
            y = x + 1.0
        if y is None:
            y = 10.0
        else:
            y += 100.0
        return y

    def forget(self, x):
        if x < 0:
            self.last = None
        return self.last
"""

CALLS = [("see", 3.0), ("since", 5.0), ("default", 7.0), ("guard", 1.0), ("both", 4.0), ("see", 0.5),
         ("local", 2.0), ("local", -2.0), ("forget", 1.0), ("forget", -1.0), ("since", 2.0), ("default", 7.0),
         ("guard", 2.0), ("see", 4.0), ("both", 9.0), ("forget", -1.0), ("see", 0.2)]


def python(value):
    """What Python's value is, from the pure API's: None where a Maybe is absent."""
    if isinstance(value, purify.Maybe) or type(value).__name__ == "_Maybe":
        return float(value.value) if bool(value.present) else None
    return None if value is None else float(value)


def same(got, want):
    """None where Python has None, float32 values close to Python's floats elsewhere."""
    return len(got) == len(want) and all(g is None and w is None or g is not None and w is not None
                                         and abs(g - w) < 1e-5 for g, w in zip(got, want))


def plain_outputs(source, cls, calls):
    obj = getattr(undecorated(source), cls)()
    return [python(getattr(obj, m)(x)) for m, x in calls]


def pure_outputs(C, calls, wrap=jax.jit):
    state, out = C.init(), []
    for m, x in calls:
        value, state = wrap(getattr(C, m))(state, x)
        out.append(python(value))
    return out


def test_eager_jit_and_convert_agree_with_the_plain_class(tmp_path):
    want = plain_outputs(LAST, "Last", CALLS)
    assert None in want and any(w is not None for w in want)
    module = load_module(LAST)
    obj = module.Last()
    assert [python(getattr(obj, m)(x)) for m, x in CALLS] == want
    assert pure_outputs(module.Last, CALLS) == want
    assert pure_outputs(module.Last, CALLS, wrap=lambda f: f) == want  # the pure API without jit
    conv = load_module(convert_file(module.__file__), header=False)
    assert "import purify" not in Path(conv.__file__).read_text()
    assert pure_outputs(conv.Last, CALLS) == want


def test_an_eager_instance_holds_none_or_the_value_never_a_maybe():
    obj = load_module(LAST).Last()
    assert obj.see(0.5) is None and obj.last is None
    assert obj.see(3.0) == 6.0 and not isinstance(obj.last, purify.Maybe)


def test_vmap_lanes_taking_different_branches_each_equal_their_plain_run():
    """Lane 0 stays None (x <= 1 throughout), lane 1 gets a value at once, lane 2 later."""
    lanes = [[0.5, 0.2, 0.9, 0.1], [3.0, 0.5, 2.0, 0.3], [0.1, 0.4, 5.0, 0.2]]
    C = load_module(LAST).Last
    state = jax.tree_util.tree_map(lambda x: jnp.stack([x] * len(lanes)), C.init())
    seen = []
    for xs in zip(*lanes):
        out, state = jax.jit(jax.vmap(C.see))(state, jnp.asarray(xs))
        since, state = jax.jit(jax.vmap(C.since))(state, jnp.asarray(xs))
        seen.append((out, since))
    for i, xs in enumerate(lanes):
        want = plain_outputs(LAST, "Last", [c for x in xs for c in (("see", x), ("since", x))])
        got = []
        for out, since in seen:
            present = bool(out.present[i]) if isinstance(out, purify.Maybe) else out is not None
            got += [float(out.value[i]) if present else None, float(since[i])]
        assert same(got, want), f"lane {i}: {got} != {want}"
    assert isinstance(state.last, purify.Maybe) and state.last.present.tolist() == [False, True, True]


def test_grad_flows_through_a_narrowed_read():
    C = load_module(LAST).Last
    _, state = jax.jit(C.see)(C.init(), 3.0)
    grad = jax.grad(lambda v: C.guard(state._replace(last=state.last._replace(value=v)), 1.0)[0])
    assert float(grad(state.last.value)) == 1.0


MISUSE = """
@purify.stateful
class Misuse:
    def __init__(self):
        self.last = None

    def see(self, x):
        if x > 1.0:
            self.last = x
        return self.last

    def add(self, x):
        return self.last + x

    def index(self, x):
        return self.last[0]

    def truth(self, x):
        if self.last:
            return x
        return 0.0

    def unpack(self, x):
        a, b = self.last
        return a

    def after_reset(self, x):
        if self.last is not None:
            self.see(x - 5.0)
            return self.last * 2.0
        return 0.0
"""


@pytest.mark.parametrize(("method", "fragment", "use"), [
    ("add", "return self.last + x", "`+`"),
    ("index", "return self.last[0]", "indexing"),
    ("truth", "if self.last:", "its truth value"),
    ("unpack", "a, b = self.last", "unpacking"),
    ("after_reset", "return self.last * 2.0", "`*`"),  # narrowing ends where the state is rebound
])
def test_a_use_of_a_maybe_other_than_testing_it_is_refused_at_the_users_line(method, fragment, use):
    module = load_module(MISUSE)
    C = module.Misuse
    states = jax.vmap(C.see, in_axes=(None, 0))(C.init(), jnp.asarray([0.5, 3.0]))[1]
    with pytest.raises(purify.PurifyError) as info:
        jax.vmap(getattr(C, method))(states, jnp.asarray([1.0, 1.0]))
    e = info.value
    assert use in str(e) and "None in some lanes" in str(e) and "if x is not None" in e.hint
    assert e.filename == module.__file__ and e.lineno == line_in(MISUSE, fragment)
    line = Path(module.__file__).read_text().splitlines()[e.lineno - 1]
    assert e.offset == len(line) - len(line.lstrip()) + 1


def test_a_maybe_the_pure_api_returned_works_as_python_where_its_flag_is_known():
    C = load_module(MISUSE).Misuse
    present, _ = jax.jit(C.see)(C.init(), 3.0)
    absent, _ = jax.jit(C.see)(C.init(), 0.5)
    assert isinstance(absent, purify.Maybe) and python(absent) is None  # x is traced: None in one branch
    assert isinstance(present, purify.Maybe) and float(present) == 3.0 and float(present + 1) == 4.0
    gone = purify.Maybe(jnp.asarray(False), jnp.asarray(0.0))
    with pytest.raises(TypeError, match="on None"):
        float(gone)
    mixed = purify.Maybe(jnp.asarray([True, False]), jnp.asarray([1.0, 0.0]))
    with pytest.raises(purify.PurifyError, match="None in some lanes"):
        mixed + 1.0
    assert (mixed == None).tolist() == [False, True] and (mixed != None).tolist() == [True, False]


def test_none_against_a_tuple_of_arrays_is_still_refused_at_the_if():
    source = """
    @purify.stateful
    class Pair:
        def __init__(self):
            self.p = None

        def see(self, x):
            if x > 0:
                self.p = (x, x)
            return 0.0
    """
    module = load_module(source)
    with pytest.raises(purify.PurifyError, match="different structures") as info:
        jax.jit(module.Pair.see)(module.Pair.init(), 1.0)
    assert info.value.lineno == line_in(source, "if x > 0:")


def test_tests_of_static_fields_against_none_keep_pythons_is():
    source = """
    @purify.stateful
    class Mapped:
        def __init__(self, error_map=None):
            self.error_map = error_map
            self.x = jnp.asarray(0.0)

        def step(self, e):
            if self.error_map is not None:
                e = self.error_map(e)
            self.x = self.x + e
            return self.x
    """
    module = load_module(source)
    text = purify.source(module.Mapped)
    assert "if self.error_map is not None:" in text and "_not_none" not in text
    assert float(jax.jit(module.Mapped.step)(module.Mapped.init(), 2.0)[0]) == 2.0


def test_the_source_shows_the_helpers_where_a_test_may_meet_a_maybe():
    text = purify.source(load_module(LAST).Last)
    assert "_ifexp(_not_none(self.last), lambda: _value_of(self.last), lambda: d)" in text
    assert "_if(_is_none(self.last)" in text


def test_a_maybe_is_a_pytree_of_its_flag_and_value():
    m = purify.Maybe(jnp.asarray(True), jnp.asarray(2.0))
    leaves, tree = jax.tree_util.tree_flatten(m)
    assert len(leaves) == 2 and isinstance(jax.tree_util.tree_unflatten(tree, leaves), purify.Maybe)
    assert np.asarray(jax.jit(lambda m: m.value * 2)(m)) == 4.0
    assert m._asdict().keys() == {"present", "value"} and float(m._replace(value=jnp.asarray(3.0))) == 3.0
    for copied in (copy.copy(m), copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert isinstance(copied, purify.Maybe) and float(copied.value) == 2.0 and bool(copied.present)


LOOPS = """
@purify.stateful
class Loop:
    def __init__(self):
        self.last = None

    def see(self, x):
        if x > 1.0:
            self.last = x
        return self.last

    def spin(self, n):
        i = 0
        while i < n:
            if self.last is not None:
                self.last = self.last + 1.0
            i += 1
        return self.last

    def first(self, n):
        y = None
        i = 0
        while i < n:
            y = i * 1.0
            i += 1
        return y
"""


def test_a_maybe_carried_by_a_traced_loop_is_tested_in_every_iteration():
    module, plain = load_module(LOOPS), undecorated(LOOPS).Loop
    _, states = jax.vmap(module.Loop.see, in_axes=(None, 0))(module.Loop.init(), jnp.asarray([0.5, 3.0]))
    out, _ = jax.jit(jax.vmap(module.Loop.spin, in_axes=(0, None)))(states, 3)
    for i, x in enumerate([0.5, 3.0]):
        obj = plain()
        obj.see(x)
        want = obj.spin(3)
        assert (None if not bool(out.present[i]) else float(out.value[i])) == want


def test_none_before_a_traced_loop_and_an_array_after_it_is_refused_at_the_loop():
    module = load_module(LOOPS)
    with pytest.raises(purify.PurifyError, match="`y` is None before an iteration and f32.. after it") as info:
        jax.jit(module.Loop.first)(module.Loop.init(), 3)
    assert info.value.lineno == line_in(LOOPS, "while i < n:", 1)
    assert module.Loop().first(3) == 2.0  # eagerly, Python's loop


def test_purify_jit_on_an_instance_leaves_a_maybe_its_methods_read_as_python():
    module, plain = load_module(LAST), undecorated(LAST).Last()
    obj = module.Last()
    out = purify.jit(obj.see)(0.5)
    assert isinstance(out, purify.Maybe) and python(out) is None is plain.see(0.5)
    assert obj.since(2.0) == plain.since(2.0) == -1.0
    assert python(purify.jit(obj.see)(3.0)) == plain.see(3.0) == 6.0
    assert float(obj.since(10.0)) == plain.since(10.0) == 4.0
