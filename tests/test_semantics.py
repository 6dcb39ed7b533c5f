"""The semantics contract (docs/concepts/semantics.md), construct by construct (issue 12).

Each `AGREE` program runs every way the differential fuzzer runs one (the decorated instance,
the pure API under `jax.jit` and `jax.vmap`, the module `purify convert` writes) and must
agree with the same class undecorated, output by output and on the final state; each names
the section of the contract it keeps. Programs that index Python lists with state values run
eagerly only (`EAGER`): under `jax.jit` a traced index cannot index a list, in Python as in
purify. Each was silently wrong on the engine of commit a1583d6, except the chained comparison
whose first test holds (it guards the rewrite that refuses the later operands).

Each `REFUSED` class must be refused by the decorator and by `purify convert`, located at the
construct (line, column, the caret's width), with a hint saying what to write instead.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import purify
import pytest

from tests.conftest import HEADER, load_module
from tests.fuzz import cli
from tests.fuzz.differential import check_program, parse_program

ALL = ("instance", "jit", "vmap", "convert")
EAGER = ("instance", "convert")

# name -> (contract section, modes, program in `Program.describe()`'s format)
AGREE: dict[str, tuple[str, tuple[str, ...], str]] = {
    # §Evaluation order: `x[self.i] += self.f()` reads self.i before f changes it (a1583d6 read it after).
    "augmented_index_before_the_call": ("evaluation-order", EAGER, '''
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.i = 0

    def f(self):
        self.i += 1
        return 5

    def step(self, v):
        x = [0, 0, 0]
        x[self.i] += self.f()
        return x[0] + 10 * x[1] + 100 * self.i

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Evaluation order: an index Python evaluates once is evaluated once: a child's index in a call
    # (`self.kids[pick(v)].bump(v)`) and the index of an augmented assignment (`self.xs[pick(v)] += v`,
    # `self.kids[pick(v)].n += 1`); d278264 called `pick` three and two times.
    "an_index_is_evaluated_once": ("evaluation-order", EAGER, '''
import purify

LOG = []


def pick(i):
    LOG.append(i)
    return i % 3


@purify.stateful
class Kid:
    def __init__(self):
        self.n = 0

    def bump(self, k):
        self.n += k
        return self.n


@purify.stateful
class Main:
    def __init__(self):
        self.kids = [Kid(), Kid(), Kid()]
        self.xs = [0, 0, 0]

    def step(self, v):
        a = self.kids[pick(v)].bump(v)
        self.xs[pick(v + 1)] += v
        self.kids[pick(v + 2)].n += 1
        return a + 10 * len(LOG) + 100 * self.xs[0] + 1000 * self.kids[0].n

# init: Main(**{})
# script: step(1,); step(2,); step(3,)
'''),
    # §Evaluation order: the same with the target a field (`self.d[self.i] += ...`).
    "augmented_field_index_before_the_call": ("evaluation-order", EAGER, '''
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.i = 0
        self.d = [0, 0, 0]

    def f(self):
        self.i += 1
        return 5

    def step(self, v):
        self.d[self.i] += self.f()
        return self.d[0] + 10 * self.d[1] + 100 * self.i

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Evaluation order: `self.g(x, (x := 3), self.f())` passes the old x first (a1583d6 passed 3).
    "walrus_rebinds_an_earlier_operand": ("evaluation-order", ALL, '''
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.n = 1

    def f(self):
        self.n += 1
        return self.n

    def g(self, a, b, c):
        return a * 100 + b * 10 + c

    def step(self, v):
        x = v
        return self.g(x, (x := 3), self.f())

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Evaluation order: a chain whose first comparison holds calls its first operands as Python does.
    "chained_comparison_first_operands": ("evaluation-order", ALL, '''
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.n = 0

    def a(self):
        self.n += 1
        return 3

    def step(self, v):
        r = 1 < self.a() < 5 < v + 10
        return self.n + r * 1

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Virtual dispatch: a field written only by a base method reached through super() is state
    # (a1583d6 took it for static configuration: jax.jit failed on the changed metadata).
    "field_written_only_through_super": ("virtual-dispatch", ALL, '''
import purify


@purify.stateful
class Base:
    K = 3

    def __init__(self):
        self.n = 0

    def helper(self, v):
        return v * 2

    def step(self, v):
        self.n += self.K * self.helper(v)
        return self.n


@purify.stateful
class Main(Base):
    def step(self, v):
        return super().step(v) + 1

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Virtual dispatch: an inherited method's self.helper() and self.K are the subclass's.
    "inherited_method_dispatches_on_the_subclass": ("virtual-dispatch", ALL, '''
import jax.numpy as jnp
import purify


@purify.stateful
class Base:
    SIZE = 2

    def __init__(self):
        self.n = 0
        self.setup()

    def setup(self):
        self.n = 1

    def helper(self, v):
        return v

    def step(self, v):
        self.n += self.helper(v)
        return jnp.zeros(self.SIZE).shape[0] + self.n


@purify.stateful
class Main(Base):
    SIZE = 4

    def setup(self):
        self.n = 5

    def helper(self, v):
        return v * 10

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Callbacks: a function reading self, passed to a method that only reads the state.
    "callback_to_a_method_that_reads": ("callbacks", ALL, '''
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.n = 0

    def apply(self, fn):
        return fn() + self.n

    def step(self, v):
        self.n += v
        return self.apply(lambda: self.n * 10)

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Writes through copies: items of items, and a slice as the last link, write through.
    "nested_items_and_a_slice_written_into": ("writes-through-copies", ALL, '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.a = np.zeros((2, 3))
        self.d = {"k": np.zeros(2)}

    def step(self, v):
        self.a[1][2] = v
        self.d["k"][1] = v
        self.a[0:2] = self.a[0:2] + 1
        return self.a.sum() + self.d["k"].sum()

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Second names: writing the item a loop is at, and rebinding what a generator read, keep Python's result.
    "loop_writes_its_current_item_and_generator_of_a_rebound_field": ("second-names", ALL, '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.a = np.array([1, 2, 3, 4])
        self.d = {"a": 1, "b": 2}

    def step(self, v):
        for i, x in enumerate(self.a):
            if i > 0:
                self.a[i] = self.a[i - 1] + x
        for k, w in self.d.items():
            self.d[k] = w * 2 + self.d["a"]
        g = (x for x in self.a)
        self.a = self.a + v
        return sum(g) + self.d["b"]

# init: Main(**{})
# script: step(1,); step(2,)
'''),
    # §Second names: a child method's return value holds what that method returns from the child's
    # state (`self.k.n`), not the whole child: another call of the child rebinds `n` and leaves it
    # alone. (Refused as "x holds objects of self.k" before; the object fuzzer then refused every
    # program it made.)
    "child_method_result_held_across_another_child_call": ("second-names", ALL, '''
import purify


@purify.stateful
class K:
    def __init__(self):
        self.n = 0

    def count(self):
        self.n += 2
        return self.n

    def inc(self):
        self.n += 1
        return self.n


@purify.stateful
class Main:
    def __init__(self):
        self.k = K()
        self.ks = [K(), K()]

    def step(self, v):
        x = self.k.count()
        self.k.inc()
        y = self.ks[1].count()
        self.ks[1].inc()
        return x * 100 + y + v

# init: Main(**{})
# script: step(1,); step(2,)
'''),
}


@pytest.mark.parametrize("name", sorted(AGREE))
def test_kept_construct_agrees_with_python(name: str) -> None:
    _, modes, text = AGREE[name]
    ran = check_program(parse_program(text.lstrip("\n")), modes)
    expected = [m for m in modes if m != "convert" or cli.available()]
    assert ran == expected, ran


# (id, contract section, source, message fragment, line fragment, text under the caret, hint fragment)
REFUSED = [
    # §Evaluation order: an assert's message runs only when the assert fails.
    ("state_changing_call_in_assert_message", "evaluation-order", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def bump(self):
                self.n += 1
                return "m"

            def step(self, v):
                assert v > 0, self.bump()
                return self.n
        """, "assert message", "assert v > 0, self.bump()", "self.bump()", "statement of its own"),
    # §Evaluation order: `1 < self.a() < self.b()` calls b only when `1 < self.a()` holds.
    ("state_changing_call_late_in_a_chained_comparison", "evaluation-order", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def a(self):
                self.n += 1
                return 0

            def b(self):
                self.n += 10
                return 5

            def step(self, v):
                return 1 < self.a() < self.b()
        """, "later operand of a chained comparison", "return 1 < self.a() < self.b()", "self.b()",
     "statement of its own"),
    # §Exceptions nobody wrote: a KeyError after a change, caught by the caller.
    ("key_error_after_a_change_in_try", "exceptions", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0
                self.d = {"a": 1}

            def f(self, k):
                self.n += 1
                return self.d[k]

            def step(self):
                try:
                    self.f("b")
                except KeyError:
                    pass
                return self.n
        """, "Main.f can reach `self.d[k]` (KeyError or IndexError) at line".replace("Main", "C"),
     'self.f("b")', 'self.f("b")', "do what may fail"),
    # §Exceptions nobody wrote: a division by zero two calls deep, inside contextlib.suppress.
    ("zero_division_after_a_change_through_a_callee", "exceptions", """
        import contextlib

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def div(self, k):
                return 10 // k

            def f(self, k):
                self.n += 1
                return self.div(k)

            def step(self):
                with contextlib.suppress(ZeroDivisionError):
                    self.f(0)
                return self.n
        """, "(ZeroDivisionError) at line", "self.f(0)", "self.f(0)", "do what may fail"),
    # §Exceptions nobody wrote: a function purify cannot see into, called after a change.
    ("unknown_call_after_a_change_in_try", "exceptions", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, s):
                self.n += 1
                return int(s)

            def step(self):
                try:
                    self.f("x")
                except ValueError:
                    pass
                return self.n
        """, "the call `int(...)`, into which purify cannot see", 'self.f("x")', 'self.f("x")', "do what may fail"),
    # §Virtual dispatch: super().step() whose body calls self.helper(), which the subclass overrides.
    ("super_method_calls_an_override", "virtual-dispatch", """
        @purify.stateful
        class Base:
            def __init__(self):
                self.n = 0

            def helper(self, v):
                self.n += 1
                return 1

            def step(self, v):
                return self.helper(v)

        @purify.stateful
        class Main(Base):
            def helper(self, v):
                self.n += 100
                return 100

            def step(self, v):
                return super().step(v) + 1
        """, "super().step() runs Base.step as converted for Base, where self.helper is Base's",
     "return super().step(v) + 1", "super().step(v)", "without super()"),
    # §Virtual dispatch: a base method reached through super() reads a constant the subclass overrides.
    ("super_method_reads_an_overridden_constant", "virtual-dispatch", """
        @purify.stateful
        class Base:
            SIZE = 2

            def __init__(self):
                self.n = 0

            def grow(self):
                self.n = self.n + jnp.zeros(self.SIZE).sum()

            def step(self):
                self.grow()
                return self.n

        @purify.stateful
        class Main(Base):
            SIZE = 4

            def step(self):
                return super().step()
        """, "where self.SIZE is Base's", "return super().step()", "super().step()", "pass what differs"),
    # §Virtual dispatch: Base.__init__ calls self.setup(), which the subclass overrides.
    ("super_init_calls_an_override", "virtual-dispatch", """
        @purify.stateful
        class Base:
            def __init__(self):
                self.n = 0
                self.setup()

            def setup(self):
                self.n = 1

        @purify.stateful
        class Main(Base):
            def __init__(self):
                super().__init__()
                self.m = 2

            def setup(self):
                self.n = 5
        """, "super().__init__() runs Base.__init__ as converted for Base, where self.setup is Base's",
     "super().__init__()", "super().__init__()", "without super()"),
    # §Callbacks: a lambda reading self, passed to a method that changes the state.
    ("lambda_reading_self_passed_to_a_changing_method", "callbacks", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def apply(self, fn):
                self.n += 1
                return fn()

            def step(self):
                return self.apply(lambda: self.n * 10)
        """, "a function that reads `self` is passed to self.apply, which changes the state",
     "return self.apply(lambda: self.n * 10)", "lambda: self.n * 10", "pass a function of the values"),
    # §Callbacks: a bound method, passed as it is.
    ("bound_method_passed_to_a_changing_method", "callbacks", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def read(self):
                return self.n

            def apply(self, fn):
                self.n += 1
                return fn()

            def step(self):
                return self.apply(fn=self.read)
        """, "is passed to self.apply, which changes the state", "return self.apply(fn=self.read)", "self.read",
     "pass a function of the values"),
    # §Callbacks: a nested function, through functools.partial, a local name and a list.
    ("nested_function_passed_through_partial_and_a_list", "callbacks", """
        import functools

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def apply(self, fns):
                self.n += 1
                return fns[0]()

            def step(self):
                def peek():
                    return self.n
                f = functools.partial(peek)
                return self.apply([f])
        """, "is passed to self.apply, which changes the state", "return self.apply([f])", ("f", 1),
     "pass a function of the values"),
    # §Writes through copies: a slice of a list is a copy (a NumPy slice is a view).
    ("write_through_a_slice", "writes-through-copies", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = [1, 2, 3]

            def step(self):
                self.a[0:2][0] = 5
        """, "writes into self.a[0:2], a slice of self.a", "self.a[0:2][0] = 5", "self.a[0:2]",
     "write the items of self.a directly"),
    # §Writes through copies: an index array makes a copy in NumPy.
    ("write_through_an_index_array", "writes-through-copies", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)

            def step(self, v):
                self.a[[0, 1]][0] = v
        """, "an index array of self.a", "self.a[[0, 1]][0] = v", "self.a[[0, 1]]", "write the items"),
    # §Writes through copies: `.T` of an array (a1583d6 crashed with an internal AttributeError).
    ("write_through_an_attribute_of_an_array", "writes-through-copies", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros((2, 2))

            def step(self, v):
                self.a.T[0, 1] = v
        """, "writes through self.a.T, an attribute of the value in self.a", "self.a.T[0, 1] = v", "self.a.T",
     "write the items"),
    # §Second names: every binding form of a value that holds state objects, followed or refused.
    ("tuple_unpacking_of_a_field", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.pair = [np.zeros(2), np.zeros(2)]

            def step(self):
                a, b = self.pair
                self.pair[0][0] = 1.0
                return a[0]
        """, '`a` holds objects of self.pair (a = self.pair), which line 13 changes in place', 'return a[0]', 'a', 'bind a deep copy: a = copy.deepcopy(self.pair)'),
    ("loop_variable_read_after_its_item_changed", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.rows = [[0, 0], [0, 0]]

            def step(self):
                total = 0
                for r in self.rows:
                    self.rows[1][0] = 7
                    total += r[0]
                return total
        """, '`r` is an item of self.rows, which line 14 changes in place', 'total += r[0]', 'r', 'read self.rows again'),
    ("dict_get_read_after_the_item_changed", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"a": np.array([1, 2])}

            def step(self):
                x = self.d.get("a")
                self.d["a"][0] = 10
                return x[0]
        """, "`x` holds objects of self.d (x = self.d.get('a')), which line 13 changes in place", 'return x[0]', 'x', "copy.deepcopy(self.d.get('a'))"),
    ("method_return_value_read_after_a_change", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2])

            def arr(self):
                return self.a

            def step(self):
                x = self.arr()
                self.a[0] = 10
                return x[0]
        """, '`x` holds objects of self.a (x = self.arr()), which line 16 changes in place', 'return x[0]', 'x', 'copy.deepcopy(self.arr())'),
    ("property_value_read_after_a_change", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2])

            @property
            def arr(self):
                return self.a

            def step(self):
                x = self.arr
                self.a[0] = 10
                return x[0]
        """, '`x` holds objects of self.a (x = self.arr), which line 17 changes in place', 'return x[0]', 'x', 'read self.a again'),
    ("shallow_copy_of_a_dict_of_lists_changed", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"a": [1, 2]}

            def step(self):
                d = self.d.copy()
                d["a"][0] = 10
                return self.d["a"][0]
        """, '`d` holds objects of self.d (d = self.d.copy()): this changes self.d in place', 'd["a"][0] = 10', 'd["a"][0]', 'd = copy.deepcopy(self.d)'),
    ("keys_view_read_after_a_new_key", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"a": 1}

            def step(self):
                ks = self.d.keys()
                self.d["b"] = 2
                return len(ks)
        """, '`ks` holds objects of self.d (ks = self.d.keys()), which line 13 changes in place', 'return len(ks)', 'ks', 'ks = list(self.d.keys())'),
    ("iterator_consumed_after_a_change", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2])

            def step(self):
                it = iter(self.a)
                self.a[1] = 10
                next(it)
                return next(it)
        """, '`it` holds objects of self.a (it = iter(self.a)), which line 13 changes in place', 'next(it)', 'it', 'it = list(self.a)'),
    ("generator_consumed_after_a_change", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2])

            def step(self):
                g = (x for x in self.a)
                self.a[1] = 10
                return sum(g)
        """, '`g` holds objects of self.a (g = (x for x in self.a)), which line 13 changes in place', 'return sum(g)', 'g', 'g = list(x for x in self.a)'),
    ("comprehension_of_rows_of_an_array", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.rows = np.zeros((2, 2))

            def step(self):
                rs = [r for r in self.rows]
                self.rows[0, 0] = 7
                return rs[0][0]

        C()
        """, '`rs` holds objects of self.rows (rs = [r for r in self.rows]), which line 13 changes in place when it holds a NumPy array of two or more dimensions', 'return rs[0][0]', 'rs', 'copy.deepcopy'),
    ("loop_over_a_list_that_the_body_changes", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2, 3, 4])

            def step(self):
                for i, x in enumerate(self.a):
                    if i + 1 < 4:
                        self.a[i + 1] += x
        """, 'this changes self.a in place while `for (i, x) in enumerate(self.a)` iterates over it', 'self.a[i + 1] += x', 'self.a[i + 1] += x', 'iterate over a copy'),
    ("state_value_passed_to_a_method_that_changes_it", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.array([1, 2])

            def helper(self, xs):
                self.a[0] = xs[0] + 5
                return xs[0]

            def step(self):
                return self.helper(self.a) + self.a[0]
        """, '`self.a` is passed to C.helper, which changes self.a in place', 'return self.helper(self.a) + self.a[0]', 'self.a', 'pass a copy (self.a.copy())'),
    ("match_capture_read_after_a_change", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": [1, 2]}

            def step(self):
                match self.d:
                    case {"k": x}:
                        self.d["k"][0] = 10
                        return x[0]
                return 0
        """, "`x` holds objects of self.d (x = self.d), which line 14 changes in place", "return x[0]", "x",
     "x = copy.deepcopy(self.d)"),
    ("list_passed_to_a_method_that_extends_its_parameter", "second-names", """
        @purify.stateful
        class C:
            def __init__(self):
                self.xs = [1, 2]

            def helper(self, xs):
                xs += [3]
                return len(xs)

            def step(self):
                return self.helper(self.xs)

        C()
        """, '`self.xs` is passed to C.helper, which changes self.xs in place', 'return self.helper(self.xs)', 'self.xs', 'pass a copy'),
    ("super_call_reads_a_field_static_in_the_base_and_state_here", "virtual-dispatch", """
        @purify.stateful
        class Base:
            def __init__(self):
                self.n = 0

            def g(self, x):
                if self.n > 3:
                    return x + 1
                return x

        @purify.stateful
        class Main(Base):
            def step(self, x):
                self.n += 1
                return super().g(x)
        """, "super().g() runs Base.g as converted for Base, where self.n is static configuration", 'return super().g(x)',
     'super().g(x)', 'write the base\'s steps into Main.g without super()'),
    ("child_list_returned_then_changed_in_place_by_the_child", "second-names", """
        @purify.stateful
        class K:
            def __init__(self):
                self.xs = [1, 2]

            def items(self):
                return self.xs

            def poke(self):
                self.xs[0] = 9

        @purify.stateful
        class C:
            def __init__(self):
                self.k = K()

            def step(self):
                x = self.k.items()
                self.k.poke()
                return x[0]
        """, "`x` holds objects of self.k (x = self.k.items()), which line 24 changes in place", 'return x[0]', 'x',
     'x = list(self.k.items())'),
]


def _expected(source: str, line_fragment: str, caret: str | tuple[str, int]) -> tuple[int, int, int]:
    """(line, column, end column) of the caret text (its n-th occurrence on the line, for a pair)."""
    full = (HEADER + textwrap.dedent(source)).splitlines()
    row = next(i for i, line in enumerate(full) if line_fragment in line)
    text, nth = caret if isinstance(caret, tuple) else (caret, 0)
    col = -1
    for _ in range(nth + 1):
        col = full[row].index(text, col + 1)
    return row + 1, col + 1, col + 1 + len(text)


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_construct_is_located(case) -> None:
    _, _, source, message, line_fragment, caret, hint = case
    with pytest.raises(purify.PurifyError) as info:
        module_path = _write(source)
        load_module(Path(module_path).read_text(), header=False)
    e = info.value
    lineno, offset, end_offset = _expected(source, line_fragment, caret)
    assert message in e.bare_msg, e.bare_msg
    assert hint in e.hint, e.hint
    assert (e.lineno, e.offset, e.end_offset) == (lineno, offset, end_offset), str(e)
    if cli.available() and "\n        C()" not in source:  # `purify convert` refuses the same file, same place
        # (a class that is instantiated is refused by the decorator at Cls.init, from the values; convert
        # has no values and converts it as JAX code, whose arrays never change in place)
        with pytest.raises(cli.ConvertFailed) as failed:
            cli.convert_file(module_path)
        assert f":{lineno}:{offset}: " in failed.value.stderr and message in failed.value.stderr


def _write(source: str) -> str:
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="purify_semantics_")) / "case.py"
    path.write_text(HEADER + textwrap.dedent(source))
    return str(path)
