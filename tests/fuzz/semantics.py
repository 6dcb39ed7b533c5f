"""Programs holding the constructs of issue 12's analysis-side kinds, for the differential fuzzer.

    python -m tests.fuzz --kind sem --examples 2000 --seed 5 --keep-going
    python -m tests.fuzz --kind sem --sem-kind names --examples 300

A module has a decorated `Base` (every field, `__init__`, the methods a snippet needs) and
`Main(Base)`, whose `step(self, v)` runs one to three snippets, each of one kind
(docs/concepts/semantics.md names the sections):

* `dispatch`: a base method calling a hook and reading a class constant, which Main may
  override, called through `super()` or inherited;
* `names`: a second name bound by one of Python's binding forms (tuple unpacking, loop
  targets, `.get`, `.copy()` of a dict of lists, `.keys()`/`.values()`, `iter()`, generator
  expressions, comprehensions of rows, rows of 2-D arrays, what a method or a property returns,
  a state value passed to a method), the state changed in place, the name read again; loops
  that change what they iterate over;
* `order`: an assert message that calls a method, chained comparisons whose later operands call
  methods, `loc[self.i] += self.f()` with f changing `self.i`, a walrus that rebinds an earlier
  argument, `self.xs[pick(k)] += v` with `pick` counting its calls (one, as in Python);
* `callbacks`: a lambda, a bound method or a nested function reading self, passed to a method
  that changes the state (or only reads it);
* `exceptions`: a method that changes the state and then raises without a `raise` (a missing
  key, an index out of range, a division by zero, `int("x")`), inside `try`/`except`, or
  uncaught (the step raises: the object keeps the changes made before, issue 12); a change and
  then such a raise in an `if` or a `for` on the traced argument, inside `try`/`except` (the
  branch runs as a function: its changes were lost when it raised);
* `copies`: writes through a slice of a list or an array, an index array, `.T`;
* `none`: a field (or a local) that is None until a branch on the traced argument assigns it,
  maybe set back to None, tested with `is None` / `is not None` (statements, conditional
  expressions, `and`), read where tested present, passed through a method: under jax.jit and
  jax.vmap a `purify.Maybe` (issues 13 and 14), compared as Python's None or value per lane.

Numbers stay small integers reduced modulo 97; indices are constants, so the pure API runs
under `jax.jit` and `jax.vmap` too, except for the snippets marked eager (a state value as an
index into a Python list), which run as the decorated instance and `convert` output only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from .programs import DECORATOR, HEADER, Program, Step

KINDS = ("dispatch", "names", "order", "callbacks", "exceptions", "copies", "none")
EAGER = ("instance", "convert")

_FIELDS = [
    "self.n = 0",
    "self.i = 0",
    "self.xs = [1, 2, 3, 4]",
    "self.a = np.array([1, 2, 3, 4])",
    "self.m = np.array([[1, 2], [3, 4]])",
    'self.d = {"p": [1, 2], "q": [3, 4]}',
    'self.e = {"p": 1, "q": 2}',
    "self.zero = 0",
]


@dataclasses.dataclass
class Snippet:
    kind: str
    base: list[str] = dataclasses.field(default_factory=list)  # lines of Base's body (methods, constants)
    main: list[str] = dataclasses.field(default_factory=list)  # lines of Main's body
    step: list[str] = dataclasses.field(default_factory=list)  # statements of Main.step (they add to `out`)
    fields: list[str] = dataclasses.field(default_factory=list)  # more lines of Base.__init__
    eager: bool = False  # a state value indexes a Python list: no jax.jit / jax.vmap


@dataclasses.dataclass
class SemProgram(Program):
    kinds: tuple[str, ...] = ()
    modes: tuple[str, ...] = ("instance", "jit", "vmap", "convert")


Draw = Callable[[Any], Any]


def _c(draw: Draw, lo: int = 0, hi: int = 5) -> int:
    return draw(st.integers(lo, hi))


# -- kinds ----------------------------------------------------------------------------------


def dispatch(draw: Draw, j: int) -> Snippet:
    s = Snippet("dispatch")
    s.base = [f"K{j} = {_c(draw, 1)}",
              f"def hook{j}(self, v):", f"    self.n = (self.n + {_c(draw, 1)}) % 97", f"    return v + {_c(draw)}",
              f"def run{j}(self, v):", f"    return (self.hook{j}(v) * self.K{j} + self.n) % 97"]
    if draw(st.booleans()):
        s.main.append(f"K{j} = {_c(draw, 6, 9)}")
    if draw(st.booleans()):
        s.main += [f"def hook{j}(self, v):", f"    self.n = (self.n + {_c(draw, 10, 20)}) % 97",
                   f"    return v * {_c(draw, 2, 4)}"]
    call = draw(st.sampled_from([f"super().run{j}(v)", f"self.run{j}(v)"]))
    s.step = [f"out += {call}"]
    return s


_BINDINGS = [
    # (binding lines, read expression, changes that may show through it)
    (["x = self.d['p']"], "x[0]", ["self.d['p'][0] = v % 97", "self.bump{j}(v)"]),
    (["x = self.d.get('p')"], "x[0]", ["self.d['p'][0] = v % 97", "self.bump{j}(v)"]),
    (["x, y = self.d['p'], self.d['q']"], "x[0] + y[1]", ["self.d['p'][0] = v % 97"]),
    (["x, y = self.m"], "x[1] + y[0]", ["self.m[0, 1] = v % 97", "self.m[1] = self.m[1] * 0 + v % 97"]),
    (["x = self.d.copy()"], "x['p'][0]", ["self.d['p'][0] = v % 97", "self.d['p'] = [v % 97, 0]"]),
    (["x = list(self.d.values())"], "x[0][0]", ["self.d['p'][0] = v % 97"]),
    (["x = iter(self.a)"], "next(x) + next(x)", ["self.a[1] = v % 97", "self.a = self.a + 1"]),
    (["x = (t for t in self.a)"], "sum(x) % 97", ["self.a[2] = v % 97", "self.a = self.a * 0"]),
    (["x = [r for r in self.m]"], "x[0][0]", ["self.m[0, 0] = v % 97", "self.m[0] = self.m[0] + 1"]),
    (["x = self.m[0]"], "x[1]", ["self.m[0, 1] = v % 97", "self.m = self.m + 1"]),
    (["x = self.getp{j}()"], "x[1]", ["self.d['p'][1] = v % 97", "self.bump{j}(v)"]),
    (["x = self.propp{j}"], "x[0]", ["self.d['p'][0] = v % 97"]),
    (["x = self.e"], "x['q']", ["self.e['q'] = v % 97", "self.e = {'p': 1, 'q': v % 97}"]),
]


def names(draw: Draw, j: int) -> Snippet:
    s = Snippet("names")
    s.base = [f"def bump{j}(self, v):", f"    self.d['p'][0] = (v + {_c(draw)}) % 97",
              f"def getp{j}(self):", "    return self.d['p']",
              "@property", f"def propp{j}(self):", "    return self.d['p']",
              f"def use{j}(self, p):", f"    self.d['p'][0] = (p[0] + {_c(draw, 1)}) % 97", "    return p[0]"]
    form = draw(st.integers(0, len(_BINDINGS) + 2))
    if form < len(_BINDINGS):
        bind, read, changes = _BINDINGS[form]
        change = draw(st.sampled_from(changes)).replace("{j}", str(j))
        s.step = [*(b.replace("{j}", str(j)) for b in bind), change, f"out += {read}"]
    elif form == len(_BINDINGS):  # a loop that changes what it iterates over
        s.step = ["for k, t in enumerate(self.xs):", "    if k + 1 < 4:",
                  f"        self.xs[k + {_c(draw, 0, 1)}] = (self.xs[k + 1] + t) % 97", "out += sum(self.xs) % 97"]
    elif form == len(_BINDINGS) + 1:  # a loop variable read after its item changed
        s.step = ["for r in self.d.values():", "    self.d['q'][0] = v % 97", "    out += r[0]"]
    else:  # a state value passed to a method that changes it
        s.step = [f"out += self.use{j}(self.d['p']) + self.d['p'][0]"]
    return s


def order(draw: Draw, j: int) -> Snippet:
    s = Snippet("order")
    s.base = [f"def tick{j}(self):", f"    self.n = (self.n + {_c(draw, 1)}) % 97", f"    return {_c(draw, 0, 4)}",
              f"def inc{j}(self):", "    self.i = (self.i + 1) % 3", f"    return {_c(draw, 1)}",
              f"def mix{j}(self, a, b, c):", "    return (a * 9 + b * 3 + c) % 97"]
    form = draw(st.integers(0, 5))
    if form == 5:  # an index Python evaluates once (`x[f()] += v` reads and writes x[f()] with one f() call)
        s.step = [f"calls{j} = []", f"def pick{j}(k):", f"    calls{j}.append(k)", "    return k % 4",
                  f"self.xs[pick{j}({_c(draw, 0, 7)})] += {_c(draw, 1)}",
                  f"out += 10 * len(calls{j}) + self.xs[0] + 2 * self.xs[3]"]
    elif form == 0:
        s.step = [f"assert {_c(draw, 1)} > 0, self.tick{j}()", "out += self.n"]
    elif form == 1:
        s.step = [f"out += int({_c(draw, 0, 3)} < self.tick{j}() < self.inc{j}()) + self.n + self.i"]
    elif form == 2:
        s.step = ["loc = [0, 0, 0, 0]", f"loc[self.i] += self.inc{j}()", "out += loc[0] + 2 * loc[1] + 4 * loc[2]"]
        s.eager = True
    elif form == 3:
        s.step = [f"self.xs[self.i] += self.inc{j}()", "out += self.xs[0] + 2 * self.xs[1] + self.i"]
        s.eager = True
    else:
        s.step = ["w = v", f"out += self.mix{j}(w, (w := {_c(draw)}), self.tick{j}()) + w"]
    return s


def callbacks(draw: Draw, j: int) -> Snippet:
    s = Snippet("callbacks")
    changes = draw(st.booleans())
    s.base = [f"def apply{j}(self, fn):", f"    self.n = (self.n + {_c(draw, 1)}) % 97" if changes else "    pass",
              "    return fn()", f"def read{j}(self):", f"    return self.n * {_c(draw, 1)}"]
    form = draw(st.integers(0, 2))
    if form == 0:
        s.step = [f"out += self.apply{j}(lambda: self.n * {_c(draw, 1)})"]
    elif form == 1:
        s.step = [f"out += self.apply{j}(self.read{j})"]
    else:
        s.step = [f"def peek{j}():", "    return self.n + 1", f"out += self.apply{j}(peek{j})"]
    return s


_RAISERS = [("self.e['zz']", "KeyError"), ("self.xs[9]", "IndexError"), ("10 // self.zero", "ZeroDivisionError"),
            ("int('x')", "ValueError"), ("self.e['q']", "KeyError")]


def exceptions(draw: Draw, j: int) -> Snippet:
    s = Snippet("exceptions")
    op, error = draw(st.sampled_from(_RAISERS))
    catcher = draw(st.sampled_from([error, "Exception", "(KeyError, IndexError, ZeroDivisionError, ValueError)"]))
    s.base = [f"def risky{j}(self):", f"    self.n = (self.n + {_c(draw, 1)}) % 97", f"    return {op}"]
    if draw(st.integers(0, 3)) == 0:  # uncaught: it leaves the step, and the object keeps the changes
        s.step = [f"self.n = (self.n + {_c(draw, 1)}) % 97", f"out += self.risky{j}()"]
        return s
    if draw(st.integers(0, 2)) == 0:  # a change, then the raise, in an `if` or a loop on the traced argument
        s.base += [f"def peek{j}(self):", f"    return {op}"]
        head = draw(st.sampled_from([f"if v % 2 == {_c(draw, 0, 1)}:", f"if v > {_c(draw, 0, 4)}:",
                                     "for t in range(v):"]))
        change = draw(st.sampled_from([f"self.n = (self.n + {_c(draw, 1)}) % 97", f"out += {_c(draw, 1)}"]))
        raiser = draw(st.sampled_from([f"out += {op}", f"out += self.peek{j}()"]))
        s.step = ["try:", f"    {head}", f"        {change}", f"        {raiser}", f"except {catcher}:",
                  "    out += 1", "out += self.n"]
        return s
    s.step = ["try:", f"    out += self.risky{j}()", f"except {catcher}:", "    out += 1", "out += self.n"]
    return s


def copies(draw: Draw, j: int) -> Snippet:
    s = Snippet("copies")
    target = draw(st.sampled_from(["self.xs[0:2][0]", "self.a[0:2][0]", "self.a[[0, 1]][0]", "self.m.T[0, 1]",
                                   "self.m[0][1]"]))
    s.step = [f"{target} = v % 97", "out += self.xs[0] + self.a[0] + self.m[1, 0] + self.m[0, 1]"]
    return s


_SET = ["if v % 2 == 0:", "if v > {c}:", "if v % 3 != 1:"]  # tests of the traced argument
_USES = [  # statements that test p (`{p}`) against None and read it where present
    ["if {p} is not None:", "    out += {p} * {k}"],
    ["out += {p} if {p} is not None else {c}"],
    ["if {p} is None:", "    out += {c}", "else:", "    out += {p} + {k}"],
    ["out += 1 if {p} is None else 0"],
    ["if {p} is not None and {p} > {c}:", "    out += {k}"],
    ["if {p} is None or {p} < {c}:", "    out += {k}"],
    ["if {p} is not None:", "    {p} = ({p} + {k}) % 97"],
    ["if {p} is not None:", "    {p} += {k}", "    out += {p}"],
    ["q = self.getp{j}()", "if q is not None:", "    out += q"],
    ["out += self.usep{j}({p})"],
]


def none(draw: Draw, j: int) -> Snippet:
    s = Snippet("none")
    p = f"self.p{j}"
    s.fields = [f"self.p{j} = None"]
    s.base = [f"def getp{j}(self):", f"    return self.p{j}",
              f"def usep{j}(self, x):", "    if x is None:", f"        return {_c(draw)}", f"    return x * {_c(draw, 1)}"]
    local = draw(st.booleans())
    if local:  # a local bound to None, then assigned in a traced branch
        p = f"y{j}"
        s.step = [f"{p} = None"]
    for _ in range(draw(st.integers(1, 3))):
        form = draw(st.integers(0, 3))
        test = draw(st.sampled_from(_SET)).replace("{c}", str(_c(draw, 0, 6)))
        if form == 0:  # assign in one branch
            s.step += [test, f"    {p} = (v + {_c(draw)}) % 97"]
        elif form == 1:  # back to None in one branch
            s.step += [test, f"    {p} = None"]
        elif form == 2:  # an array in one branch, None in the other
            s.step += [test, f"    {p} = (v * {_c(draw, 1)}) % 97", "else:", f"    {p} = None"]
        else:
            use = draw(st.sampled_from(_USES))
            s.step += [line.format(p=p, j=j, k=_c(draw, 1), c=_c(draw, 0, 6)) for line in use]
    use = draw(st.sampled_from(_USES))
    s.step += [line.format(p=p, j=j, k=_c(draw, 1), c=_c(draw, 0, 6)) for line in use]
    return s


GENERATORS = {"dispatch": dispatch, "names": names, "order": order, "callbacks": callbacks,
              "exceptions": exceptions, "copies": copies, "none": none}


@st.composite
def semantic_programs(draw: Draw, kinds: tuple[str, ...] = KINDS) -> SemProgram:
    """A Base and a Main(Base) whose `step` runs one to three snippets of `kinds`."""
    snippets = [GENERATORS[draw(st.sampled_from(kinds))](draw, j) for j in range(draw(st.integers(1, 3)))]
    base = ["class Base:", "    def __init__(self):", *(f"        {f}" for f in _FIELDS),
            *(f"        {f}" for s in snippets for f in s.fields)]
    main = ["class Main(Base):"]
    for s in snippets:
        base += [f"    {line}" for line in s.base]
        main += [f"    {line}" for line in s.main]
    main += ["    def step(self, v):", "        out = 0"]
    for s in snippets:
        main += [f"        {line}" for line in s.step]
    main.append("        return out % 97")
    source = HEADER + DECORATOR + "\n" + "\n".join(base) + "\n\n\n" + DECORATOR + "\n" + "\n".join(main) + "\n"
    script = [Step("step", (draw(st.integers(0, 5)),), {}) for _ in range(draw(st.integers(1, 3)))]
    eager = any(s.eager for s in snippets)
    return SemProgram(source, "Main", {}, script, None, tuple(sorted({s.kind for s in snippets})),
                      EAGER if eager else ("instance", "jit", "vmap", "convert"))
