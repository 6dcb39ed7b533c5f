"""Control flow on traced values, the forms issue 13 left for last: a `return` inside a loop, a
`break` in a `for` over `range`, a loop's `else:`, `and`/`or`/`not`/`bool` and chained comparisons
as values; and the forms that keep their Python form, refused at the user's statement under the
transforms (a `raise` on a traced test, a `return` inside `try`, an `assert`), never with JAX's
TracerBoolConversionError.

Each converted class runs every way against its undecorated self: the decorated instance
eagerly, the pure API under `jax.jit`, under `jax.vmap` with lanes taking different paths (each
lane against its own plain run), and the module `purify convert` writes, under `jax.jit`.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module, undecorated
from tests.fuzz.cli import convert_file

FIND = """
@purify.stateful
class Find:
    def __init__(self):
        self.x = jnp.asarray(1.0)
        self.seen = jnp.asarray(0)

    def step(self, v):
        # a return inside a while on a traced test, under a traced if
        k = 0
        while k < v:
            k += 1
            self.seen += 1
            if self.x * k > 6:
                return k
        self.x = self.x + 1.0
        return -1
"""

NESTED = """
@purify.stateful
class Nested:
    def __init__(self):
        self.x = jnp.asarray(0)

    def step(self, v):
        # a return inside an inner loop leaves the outer one too
        for i in range(3):
            for j in range(v):
                self.x += 1
                if self.x % 5 == 0:
                    return i * 10 + j
            self.x += 2
        return 100
"""

FIRST = """
@purify.stateful
class First:
    def __init__(self):
        self.x = jnp.asarray(0.0)
        self.n = jnp.asarray(0)

    def step(self, v):
        # a break in a for over a traced range, a loop else, the counter read after the loop
        i = -1
        for i in range(v):
            if self.x + i > 3:
                break
            self.n += 1
        else:
            self.n += 100
        self.x = self.x + 1.0
        return i
"""

ELSES = """
@purify.stateful
class Elses:
    def __init__(self):
        self.t = jnp.asarray(0)
        self.done = jnp.asarray(0)

    def step(self, v):
        # a while's else without a break; a break on a traced test in a Python range
        k = 0
        while k < v:
            k += 1
            self.t += k
        else:
            self.done += 1
        for i in range(4):
            if self.t > 6 + i:
                break
            self.t += 1
        else:
            self.done += 10
        return k
"""

VALUES = """
@purify.stateful
class Values:
    def __init__(self):
        self.a = jnp.asarray(0)
        self.b = jnp.asarray(2)

    def step(self, v):
        # and/or/not/bool and chained comparisons as values: Python returns an operand
        self.a = (self.a + v) % 7
        first = self.a % 3 or self.b
        both = self.a % 2 and self.b + v
        inside = 1 < self.a + self.b < 6
        flags = (self.a > 2 and self.b < 5) + 0
        return first, both, inside, flags, not self.a, bool(self.a)
"""

CASES = [("Find", FIND, [2, 5, 9]), ("Nested", NESTED, [2, 3, 1]), ("First", FIRST, [2, 6, 0]),
         ("Elses", ELSES, [1, 3, 0]), ("Values", VALUES, [3, 5, 4])]


def _num(tree):
    return [np.asarray(x).tolist() for x in jax.tree_util.tree_leaves(tree)]


def _fields(obj, names):
    return [np.asarray(getattr(obj, n)).tolist() for n in names]


def _plain(source, cls, inputs):
    obj = getattr(undecorated(source), cls)()
    outs = [_num(obj.step(v)) for v in inputs]
    return outs, obj


@pytest.mark.parametrize(("cls", "source", "inputs"), CASES, ids=[c for c, _, _ in CASES])
def test_eager_jit_and_convert_agree_with_the_plain_class(cls, source, inputs):
    want, plain = _plain(source, cls, inputs)
    module = load_module(source)
    C = getattr(module, cls)
    names = [n for n in C.State._fields]
    obj = C()
    assert [_num(obj.step(v)) for v in inputs] == want
    assert _fields(obj, names) == _fields(plain, names)
    conv = getattr(load_module(convert_file(module.__file__), header=False), cls)
    for K in (C, conv):
        step, state, got = jax.jit(K.step), K.init(), []
        for v in inputs:
            out, state = step(state, v)
            got.append(_num(out))
        assert got == want, K
        assert _fields(state, names) == _fields(plain, names)


@pytest.mark.parametrize(("cls", "source", "inputs"), CASES, ids=[c for c, _, _ in CASES])
def test_vmap_lanes_taking_different_paths_each_equal_their_plain_run(cls, source, inputs):
    lanes = [inputs, inputs[::-1], [inputs[0]] * len(inputs)]
    C = getattr(load_module(source), cls)
    state = jax.tree_util.tree_map(lambda x: jnp.stack([x] * len(lanes)), C.init())
    step = jax.jit(jax.vmap(C.step))
    outs = []
    for vs in zip(*lanes):
        out, state = step(state, jnp.asarray(vs))
        outs.append(out)
    for i, vs in enumerate(lanes):
        want, plain = _plain(source, cls, list(vs))
        assert [_num(jax.tree_util.tree_map(lambda x, i=i: x[i], o)) for o in outs] == want, f"lane {i}"
        assert [np.asarray(getattr(state, n))[i].tolist() for n in C.State._fields] == \
            _fields(plain, C.State._fields), f"lane {i}"


def test_the_lowered_forms_are_flags_and_lax_loops_in_the_source():
    find = purify.source(load_module(FIND).Find)
    assert "_returned, _value = (True, k)" in find and "_while(" in find
    first = purify.source(load_module(FIRST).First)
    assert "_for_range((v,)" in first and "until=" in first and "else:" not in first.split("def step")[1]
    values = purify.source(load_module(VALUES).Values)
    for helper in ("_or_value(", "_and_value(", "_chain(", "_not(", "_bool("):
        assert helper in values


def test_a_break_in_a_python_range_stops_the_loop_at_once_eagerly():
    src = """
    @purify.stateful
    class Scan:
        def __init__(self):
            self.calls = 0

        def step(self, v):
            for i in range(10 ** 9):  # a lowered break must not run the rest of the range
                self.calls += 1
                if i >= v:
                    break
            return i
    """
    obj = load_module(src).Scan()
    assert obj.step(3) == 3 and obj.calls == 4


# -- what keeps its Python form: refused at the user's statement, under the transforms ------------

REFUSED = [
    ("raise", """
    def f(self, x):
        if x > 3:
            raise ValueError("too big")
        return x
    """, "if x > 3", "JAX cannot raise on a traced value"),
    ("caught_raise", """
    def f(self, x):
        try:
            if x > 3:
                raise ValueError("too big")
        except ValueError:
            self.n = self.n + 1.0
        return x
    """, "if x > 3", "JAX cannot raise on a traced value"),
    ("raise_on_a_traced_test_after_a_traced_return", """
    def f(self, x):
        if x > 3:
            return x
        if self.n > 1:
            raise ValueError("big")
        return 0.0
    """, "if self.n > 1", "this `if` branches on a traced value and a branch raises"),
    ("raise_after_a_traced_return", """
    def f(self, x):
        if x > 3:
            return x
        self.n = self.n + 1.0
        raise ValueError("always")
    """, "if x > 3", "the code after this `if` raises, and it runs only when the method has not left here"),
    ("a_branch_raising_while_traced", """
    def f(self, x):
        if x > 3:
            y = {"a": 1.0}["b"]
        else:
            y = 0.0
        return y
    """, 'y = {"a"', "this line raised KeyError ('b') while JAX traced a branch of the `if` on a traced value"),
    ("assert", """
    def f(self, x):
        assert x > 0, "positive"
        return x
    """, "assert x > 0", "this `assert` tests a traced value"),
    ("return_in_try", """
    def f(self, x):
        try:
            if x > 3:
                return x
            self.n = self.n + x
        finally:
            y = x * 2.0
        return y
    """, "if x > 3", "holds a `return` that purify cannot turn into a flag"),
    ("return_in_finally", """
    def f(self, x):
        try:
            self.n = self.n + 1.0
        finally:
            if x > 3:
                return x
        return 0.0
    """, "if x > 3", "holds a `return` that purify cannot turn into a flag"),
    ("break_in_a_list_loop", """
    def f(self, x):
        for w in [1.0, 2.0, 3.0]:
            if x > w:
                break
            self.n = self.n + w
        return x
    """, "if x > w", "holds a `break` or `continue` that purify cannot turn into a flag"),
    ("counter_unbound_before", """
    def f(self, x):
        for i in range(self.n.astype(int) + 2):
            if x > i:
                break
        return i
    """, "for i in range(", "`i` is bound in the body of this `for` loop"),
    ("or_of_two_shapes", """
    def f(self, x):
        return x or jnp.zeros(3)
    """, "return x or", "the value of `... or ...`"),
    ("and_of_an_array", """
    def f(self, x):
        return jnp.ones(2) * x and 1.0
    """, "return jnp.ones(2)", "is an array of shape (2,), which has no single truth value"),
]


def _bad(method: str) -> str:
    return ("@purify.stateful\nclass Bad:\n    def __init__(self):\n        self.n = jnp.asarray(0.0)\n"
            + "\n".join("    " + line[4:] if line.strip() else "" for line in method.splitlines()))


@pytest.mark.parametrize(("name", "method", "at", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_traced_test_python_must_decide_is_refused_at_the_users_statement(name, method, at, message):
    src = _bad(method)
    module = load_module(src)
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(module.Bad.f)(module.Bad.init(), 5.0)
    e = info.value
    assert message in e.bare_msg, e.bare_msg
    line = line_in(src, at)
    text = src.splitlines()[line - 1 - (line_in(src, "class Bad") - 2)]
    assert (e.filename, e.lineno) == (module.__file__, line)
    assert e.offset == len(text) - len(text.lstrip()) + 1 and e.hint  # at the statement; what to write
    assert "Tracer" not in str(e)


EAGER = [r for r in REFUSED if r[0] in ("raise", "caught_raise", "raise_on_a_traced_test_after_a_traced_return",
                                        "assert", "return_in_try", "return_in_finally", "a_branch_raising_while_traced")]


@pytest.mark.parametrize(("name", "method", "at", "message"), EAGER, ids=[r[0] for r in EAGER])
def test_the_same_statements_run_eagerly_and_in_the_converted_module_as_python_does(name, method, at, message):
    src = _bad(method)
    module = load_module(src)
    plain = undecorated(src).Bad()
    assert np.asarray(module.Bad().f(2.0)).tolist() == np.asarray(plain.f(2.0)).tolist()
    conv = load_module(convert_file(module.__file__), header=False)
    with pytest.raises(TypeError, match=message[:20]) as info:
        jax.jit(conv.Bad.f)(conv.Bad.init(), 5.0)  # (the stand-in of PurifyError there names file and line)
    filename, line = str(info.value).split(": ")[0].rsplit(":", 1)
    keyword, test = at.split(" ", 1)
    text = Path(filename).read_text().splitlines()[int(line) - 1]
    assert filename == conv.__file__
    if name == "a_branch_raising_while_traced":  # (at the line that raised)
        assert text.strip().startswith('y = {"a"'), text
    elif name != "raise_after_a_traced_return":  # (at the helper's call there)
        assert text.split()[0] == keyword and f"_concrete({test}" in text
