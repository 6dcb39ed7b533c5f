"""Minimal programs from the fuzzers (issue 4), kept so the bugs they found stay fixed.

Each differential case is a program in the format `Program.describe()` writes (module, init,
script), run every way (decorated instance, `jax.jit`, `jax.vmap`, `purify convert`) against
the undecorated class. Each refusal case is a class that crashed purify's front end or that
it silently accepted although it could not convert it faithfully.
"""

from __future__ import annotations

import re

import purify
import pytest

from tests.conftest import load_module
from tests.fuzz.differential import check_program, parse_program

DIFFERENTIAL = {
    # refusals.py took JAX's functional `self.a.at[i].add(v)` for an in-place container mutation.
    "at_add_is_not_a_mutation": '''
import jax.numpy as jnp
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.a = np.zeros(3)

    def m0(self, v):
        self.a = self.a.at[1].add(v) if hasattr(self.a, "at") else self.a + np.array([0, v, 0])
        return self.a.sum()

# init: Main(**{})
# script: m0(2,)
''',
    # reads.py mapped `self.layers[0]._n` (a private field of a child in a list) to nothing:
    # it looked the field up after the chain had been renamed to state names.
    "private_field_of_child_in_list": '''
import numpy as np
import purify


@purify.stateful
class Child0:
    def __init__(self):
        self._n0 = 1

    def m0(self, v):
        self._n0 += v
        return self._n0


@purify.stateful
class Main:
    def __init__(self):
        self.layers0 = [Child0(), Child0()]
        self._ch = Child0()

    def m0(self, v):
        self.layers0[1].m0(v)
        return (self.layers0[1]._n0 + self._ch._n0) % 97

# init: Main(**{})
# script: m0(1,); m0(2,)
''',
    # writes.py wrote `self._ch._n0 = v` as `_replace(_n0=...)` on the child's State (whose
    # field is `n0_`): `_is_state` looked up the renamed chain `self.ch_`.
    "write_private_field_of_private_child": '''
import numpy as np
import purify


@purify.stateful
class Child0:
    def __init__(self):
        self._n0 = 2.0

    def m0(self, v):
        self._n0 = (self._n0 + v) % 97
        return self._n0


@purify.stateful
class Main:
    def __init__(self):
        self._ch0 = Child0()
        self.__layers = [Child0()]

    def m2(self, v):
        self._ch0._n0 = (v * 2) % 97
        self.__layers[0]._n0 += v
        return (self._ch0.m0(v) + self.__layers[0]._n0) % 97

# init: Main(**{})
# script: m2(1,); m2(3,)
''',
    # analysis.py did not see that `for layer in self.layers: x = layer.m0(x)` changes the state,
    # so a caller inlined `Main.m2(self, 4)[0]` and dropped the children's new states.
    "loop_over_children_writes": '''
import numpy as np
import purify


@purify.stateful
class Child0:
    def __init__(self):
        self.n0 = 0

    def m0(self, v):
        self.n0 += v
        return (v * 2) % 97


@purify.stateful
class Main:
    def __init__(self):
        self.layers0 = [Child0() for _ in range(2)]

    def __call__(self, v):
        x1 = self.m2(4)
        return (x1 + self.layers0[0].n0) % 97

    def m2(self, v):
        x3 = v
        for layer in self.layers0:
            x3 = layer.m0(x3)
        return x3

# init: Main(**{})
# script: __call__(1,); __call__(2,)
''',
    # Crash fuzzer: calls.py saved `*self.xs` itself in a temporary (`_t1 = *self.xs`, which does
    # not compile) when a later argument called a state-changing method.
    "star_args_before_state_changing_call": '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.xs = np.arange(2) * 1.0
        self.n = 0

    def m1(self, v):
        self.n += v
        return self.n

    def m2(self, *args, k=0):
        return (sum(args) + k) % 97

    def go(self, v):
        return self.m2(*self.xs, k=self.m1(self.m1(v)))

# init: Main(**{})
# script: go(1,); go(2,)
''',
    # Harness: a state whose fields are all static has no leaves, so vmap needs axis_size.
    "all_static_state_under_vmap": '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.n0 = 3

    @property
    def total(self):
        return (self.n0 * 2) % 97

    def m0(self, v):
        return (v + self.n0) % 97

# init: Main(**{})
# script: prop:total(); m0(1,)
''',
    # Recursion between methods on a Python argument is supported: it unrolls when traced.
    "mutual_recursion_on_python_int": '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.n = 1

    def down(self, v, d=3):
        self.n = (self.n * 2 + v) % 97
        if d > 0:
            return (self.up(v, d - 1) + 1) % 97
        return self.n

    def up(self, v, d):
        self.n += 1
        return self.down(v, d)

# init: Main(**{})
# script: down(1,); down(2,)
''',
    # The operand kept by Python is the one read: an element read before a call that changes the
    # array is a copy (a value), a whole-array read after the call sees the change; both agree.
    "element_read_before_a_changing_call": '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.d = {"b": np.arange(2) * 2.0}

    def __call__(self, v):
        self.d["b"][0] = v
        return v

    def m0(self, v):
        return (self.d["b"][0] + self(v) + self.d["b"].sum()) % 97

# init: Main(**{})
# script: m0(5,); m0(7,)
''',
    # The crash fuzzer: `if c: self.x: int` (an annotation without a value) was dropped by the
    # rewrite, leaving an `if` with an empty body that compile() rejected (ValueError).
    "annotation_only_in_a_branch": '''
import numpy as np
import purify


@purify.stateful
class Main:
    def __init__(self):
        self.x = 1.5

    def bump(self, v):
        for i in range(2):
            if i == 0:
                self.x: float
            else:
                self.x = self.x + v
        return self.x

# init: Main(**{})
# script: bump(1,); bump(2,)
''',
}


@pytest.mark.parametrize("name", sorted(DIFFERENTIAL))
def test_differential_regression(name: str) -> None:
    prog = parse_program(DIFFERENTIAL[name].lstrip("\n"))
    assert check_program(prog) >= ["instance", "jit", "vmap"]


REFUSED = {
    # analysis.py accepted `def m(*args)` as a method and the rewrite crashed with an IndexError.
    "star_args_method": ('''
@purify.stateful
class A:
    def __init__(self):
        self.x = 0

    def m1(*args):
        return len(args)
''', "method m1 takes no self argument"),
    # A lambda in the class body is a method Python binds to the instance; purify treated it as
    # a class constant, so `self.double()` ran without the instance.
    "lambda_method": ('''
@purify.stateful
class A:
    def __init__(self):
        self.n = 2

    double = lambda self: self.n * 2
''', "lambda assigned as method double"),
    # A closure over self that outlives the call kept reading the state of that moment.
    "closure_outlives_call": ('''
@purify.stateful
class A:
    def __init__(self):
        self.n = 0

    def reader(self):
        def read():
            return self.n
        return read
''', "a function that reads `self` is returned"),
    # The differential fuzzer's alias statement: `x1 = self.ch0; x1._n0` read a child's private
    # field through a second name, which the State does not have (it is `n0_` there).
    "child_given_a_second_name": ('''
@purify.stateful
class Child:
    def __init__(self):
        self._n0 = 1


@purify.stateful
class A:
    def __init__(self):
        self.ch0 = Child()

    def m2(self):
        x1 = self.ch0
        return x1._n0
''', "`x1 = self.ch0` gives @stateful objects a second name"),
    # `self.d["b"] + self(2)`: Python keeps the array object as the left operand, and __call__
    # changed it in place; the pure method added the value from before (60 vs 52 in the fuzzer).
    "array_read_then_changed_by_a_call": ('''
@purify.stateful
class A:
    def __init__(self):
        self.d = {"b": np.arange(2) * 2.0}

    def __call__(self, v):
        self.d["b"][-2] = 7.0
        return v

    def m0(self, v):
        self.d["b"] = (self.d["b"] + self(2)) % 97
''', "this call changes self.d['b'] in place after it was read in the same statement"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refusal_regression(name: str) -> None:
    source, fragment = REFUSED[name]
    with pytest.raises(purify.PurifyError, match=re.escape(fragment)) as info:
        load_module(source)
    assert info.value.lineno is not None and info.value.hint
