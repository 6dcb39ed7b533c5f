"""Python's semantics for objects, kept or refused (issue 12, kinds 3 and 7; names, configuration
and crashes are in test_semantics_names.py; the contract is docs/concepts/semantics-objects.md).
Each kept case runs the plain class, the decorated instance, the pure API under jax.jit and the
module `purify convert` writes; each refused one checks the message, the line and column, and
the hint."""

from __future__ import annotations

import copy
import importlib.util
import sys
import textwrap

import jax
import numpy as np
import purify
import pytest

from tests.conftest import compare_three, line_in, load_module, undecorated
from tests.test_cli import convert, write


def refused_at_init(source: str, fragment: str, message: str, make=lambda m: m.C(), nth: int = 0):
    """Decoration succeeds; making the object is refused at the line holding `fragment`."""
    module = load_module(source)
    with pytest.raises(purify.PurifyError) as info:
        make(module)
    e = info.value
    assert message in e.bare_msg, e.bare_msg
    assert e.lineno == line_in(source, fragment, nth), f"at line {e.lineno}: {e}"
    return e


def refused(source: str, fragment: str, message: str, nth: int = 0, col: int | None = None):
    """Decorating `source` is refused at the line holding `fragment` (and at column `col`, 1-based)."""
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert message in e.bare_msg, e.bare_msg
    assert e.lineno == line_in(source, fragment, nth), f"at line {e.lineno}: {e}"
    if col is not None:
        assert e.offset == col, f"at column {e.offset}: {e}"
    return e


def converted(tmp_path, source: str, name: str = "conv"):
    """The module `purify convert` writes for `source` (imported; it never imports purify)."""
    src = write(tmp_path / f"{name}_in.py", source)
    out = tmp_path / f"{name}.py"
    code, _, err = convert(src, "-o", out)
    assert code == 0, err
    spec = importlib.util.spec_from_file_location(f"_sem_{name}_{id(tmp_path)}", out)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def convert_refused(tmp_path, source: str, fragment: str, message: str, nth: int = 0) -> str:
    src = write(tmp_path / "refused.py", source)
    code, out, err = convert(src)
    assert code == 2 and out == "", err
    assert f"refused.py:{line_in(source, fragment, nth)}:" in err and message in err, err
    return err


# -- kind 3: one object in two places --------------------------------------------------------

SHARED_FIELDS = """
@purify.stateful
class C:
    def __init__(self):
        self.a = self.b = [0, 0]

    def poke(self):
        self.a[0] = 5
        return self.b[0]
"""


def test_two_fields_holding_one_list_changed_in_place_are_refused_at_init():
    e = refused_at_init(SHARED_FIELDS, "self.a = self.b", "self.b holds a list that is also held by self.a")
    assert "self.b = list(x)" in e.hint


@pytest.mark.parametrize("init, fragment, where", [
    ("self.g = [[0, 0]] * 2", "self.g =", "self.g holds a list in two places"),
    ("rows = [[0, 0], [1, 1]]\n            self.g = {'a': rows[0], 'b': rows[0]}", "self.g =",
     "self.g holds a list in two places"),
])
def test_one_list_twice_inside_a_field_is_refused(init, fragment, where):
    source = f"""
    @purify.stateful
    class C:
        def __init__(self):
            {init}

        def poke(self):
            self.g["a" if isinstance(self.g, dict) else 0][0] = 5
    """
    e = refused_at_init(source, fragment, where)
    assert "[[0, 0] for _ in range(2)]" in e.hint


@pytest.mark.parametrize("value, make, where, copy_hint", [
    ("xs", lambda m: m.C([0, 0]), "held by the caller", "list(x)"),
    ("xs", lambda m: m.C(np.zeros(2, int)), "held by the caller", "x.copy()"),
    ("xs[0]", lambda m: m.C(np.zeros((2, 2), int)), "held by the caller", "x.copy()"),  # a view
    ("d", lambda m: m.C(), "a default value of a parameter of __init__", "list(x)"),
    ("self.SHARED", lambda m: m.C(), "the class attribute C.SHARED", "list(x)"),
    ("TABLE", lambda m: m.C(), "the module's global TABLE", "list(x)"),
])
def test_a_mutable_value_from_outside_changed_in_place_is_refused(value, make, where, copy_hint):
    source = f"""
    TABLE = [0, 0]

    @purify.stateful
    class C:
        SHARED = [0, 0]

        def __init__(self, xs=None, d=[0, 0]):
            self.xs = {value}

        def poke(self):
            self.xs[0] = 5
    """
    e = refused_at_init(source, "self.xs =", where, make)
    assert copy_hint in e.hint


def test_a_change_in_init_to_a_shared_object_is_refused():
    source = """
    @purify.stateful
    class C:
        def __init__(self, d):
            self.d = d
            self.d["a"] = 1
            self.n = 0

        def f(self):
            self.d = {**self.d, "n": 1}
    """
    refused_at_init(source, "self.d = d", "__init__ changes in place a dict that is also held by the caller",
                    lambda m: m.C({}))


def test_sharing_that_nothing_changes_in_place_is_kept():
    source = """
    @purify.stateful
    class C:
        def __init__(self, xs):
            self.a = self.b = xs
            self.t = jnp.zeros(2)

        def grow(self):
            self.a, self.b = self.a + [1], self.b
            self.t = self.t.at[0].set(len(self.a))
            return self.a, self.b
    """
    compare_three(source, "C", ([0],), [("grow", ()), ("grow", ())], jit=False)


def test_a_child_passed_in_is_the_callers_object_afterwards():
    source = """
    @purify.stateful
    class K:
        def __init__(self):
            self.n = 0

        def inc(self):
            self.n += 1
            return self.n

    @purify.stateful
    class C:
        def __init__(self, k: K):
            self.k = k

        def f(self):
            return self.k.inc()
    """
    for module in (undecorated(source), load_module(source)):
        k = module.K()
        c = module.C(k)
        assert (c.f(), k.n, k.inc(), c.k.n) == (1, 1, 2, 2)


# -- kind 7: children are objects -----------------------------------------------------------

KID = """
@purify.stateful
class K:
    LIMIT = 7

    def __init__(self):
        self.xs = jnp.arange(3)
        self.n = 0

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return self.xs[i]

    def count(self):
        self.n += 1
        return self.n

    def index(self, v):
        return v + 100

    @staticmethod
    def twice(v):
        return 2 * v

    @classmethod
    def limit(cls):
        return cls.LIMIT

    @property
    def double(self):
        return self.n * 2
"""

PARENT = KID + """
@purify.stateful
class P:
    def __init__(self):
        self.k = K()
        self.ks = [K(), K()]

    def reads(self):
        self.k.count()
        return (self.k.LIMIT, self.k.double, self.k.twice(3), self.k.limit(), self.ks[1].LIMIT,
                self.ks[0].double, self.ks[1].limit(), [c.double + c.LIMIT for c in self.ks])

    def named(self):
        return self.k.count(), self.k.index(1), self.k.__len__(), self.k.__getitem__(2)

    def get(self):
        return self.k

    def swap(self):
        self.k = K()
"""


def test_a_childs_constants_properties_and_static_methods_read_from_the_parent(tmp_path):
    calls = [("reads", ()), ("named", ()), ("reads", ())]
    compare_three(PARENT, "P", (), calls)
    conv = converted(tmp_path, PARENT)
    state = conv.P.init()
    plain = undecorated(PARENT).P()
    for name, _ in calls:
        out, state = getattr(conv.P, name)(state)
        expected = getattr(plain, name)()
        assert jax.tree_util.tree_map(int, out) == jax.tree_util.tree_map(int, expected), name


@pytest.mark.parametrize("expr, what, dunder", [
    ("len(self.k)", "`len(...)`", "self.k.__len__(...)"),
    ("self.k[1]", "`self.k[1]`", "self.k.__getitem__(...)"),
    ("1 in self.k", "`in`", "self.k.some_method(...)"),
    ("bool(self.k)", "`bool(...)`", "self.k.some_method(...)"),
    ("5 if self.k else 6", "a truth test", "self.k.some_method(...)"),
    ("not self.ks[0]", "a truth test", "self.ks[0].some_method(...)"),
    ("[x for x in self.k]", "iteration", "self.k.some_method(...)"),
    ("self.k == self.ks[0]", "a comparison", "self.k.some_method(...)"),
    ("str(self.k)", "`str(...)`", "self.k.some_method(...)"),
    ("isinstance(self.k, K)", "`isinstance(...)`", "self.k.some_method(...)"),
    ("[len(c) for c in self.ks]", "`len(...)`", "c.__len__(...)"),
])
def test_a_child_used_through_a_protocol_is_refused(expr, what, dunder):
    source = KID + textwrap.dedent(f"""
    @purify.stateful
    class P:
        def __init__(self):
            self.k = K()
            self.ks = [K(), K()]

        def f(self):
            return {expr}
    """)
    e = refused(source, f"return {expr}", f"so {what} would act on that tuple")
    assert dunder in e.hint


def test_a_childs_bound_method_used_as_a_value_is_refused():
    source = PARENT.replace("def get(self):\n        return self.k", "def get(self):\n        return self.k.count")
    refused(source, "return self.k.count", "self.k.count is used as a value", nth=1, col=16)


def test_children_read_from_an_instance_are_the_same_live_objects():
    for module in (undecorated(PARENT), load_module(PARENT)):
        p = module.P()
        assert p.k is p.k and p.ks is p.ks and p.ks[0] is p.ks[0]
        got = p.get()
        assert got is p.k
        got.count()
        assert p.k.n == 1
        old = p.k
        p.swap()  # a method gives the field a new object: the old one keeps its state
        assert (old.n, p.k.n) == (1, 0) and old is not p.k
        old.count()
        assert (old.n, p.k.n) == (2, 0)
        other = p.ks[1]
        p.ks[1] = module.K()  # an item of a list of children
        assert p.ks[1] is not other and p.ks[1].n == 0
        other.count()
        assert (other.n, p.ks[1].n) == (1, 0)
        fresh = module.K()
        p.k = fresh
        assert p.k is fresh
        fresh.count()
        assert p.k.n == 1


def test_the_list_of_children_keeps_its_structure():
    p = load_module(PARENT).P()
    assert isinstance(p.ks, list)
    with pytest.raises(purify.PurifyError, match="the state's structure is fixed"):
        p.ks.append(p.ks[0])


def test_a_shallow_copy_that_would_share_a_child_refuses_the_change():
    for module in (undecorated(PARENT), load_module(PARENT)):
        p = module.P()
        q = copy.copy(p)
        q.k = module.K()  # rebinding a field of the copy ends the sharing, as in Python
        q.k.count()
        assert p.k.n == 0
    p = load_module(PARENT).P()
    q = copy.copy(p)
    with pytest.raises(purify.PurifyError, match=r"shares it with a shallow copy \(copy.copy\)") as e:
        q.ks[0].count()
    assert "copy.deepcopy(obj)" in e.value.hint
    deep = copy.deepcopy(p)
    deep.k.count()
    assert p.k.n == 0


@pytest.mark.parametrize("statement, dunder", [
    ("self.k += 1", "self.k.some_method(...)"),  # K defines no __iadd__
    ("self.ks[0] *= 2", "self.ks[0].some_method(...)"),
])
def test_an_augmented_assignment_to_a_child_is_refused(statement, dunder):
    """`self.mean += other.mean` used to be accepted and then fail eagerly with `can only concatenate
    tuple (not "Mean") to tuple`: the child is a State in the pure method."""
    source = KID + textwrap.dedent(f"""
    @purify.stateful
    class P:
        def __init__(self):
            self.k = K()
            self.ks = [K(), K()]

        def f(self):
            {statement}
    """)
    e = refused(source, statement, "so an augmented assignment would act on that tuple", col=9)
    assert dunder in e.hint


# An augmented assignment to a child whose class defines the operator runs it, as Python does:
# tests/test_other_objects.py (`self.mean += other.mean`, river's Var).
