"""Crash fuzzer: odd-but-legal classes fed to the decorator's front end and to `convert`.

The only acceptable outcomes are a conversion or a `PurifyError` (for `convert`: exit
status 0 with a module that compiles, or a non-zero status with a located error and no
traceback). Anything else is a bug in purify.

The generator mixes, at random and nested, what real classes contain and what purify
must refuse: decorators (known and unknown, property setters, lru_cache), walrus,
`match`, comprehensions, star-args and every parameter kind, nested classes and
functions, lambdas (in the class body too), `global`/`nonlocal`, `try`/`except*`,
`with`, `del`, `yield`, `async`, `super()`, `self` escaping in every way, computed
attribute access, container mutation, private names, annotations, slices, f-strings,
metaclasses, `__slots__`, `__getattr__`, odd `self` names, and fields holding @stateful
children.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import threading
import traceback
import warnings
from collections.abc import Callable
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

HEADER = '''\
import contextlib
import functools
import jax
import jax.numpy as jnp
import numpy as np
import purify

G = 0


def helper(*args, **kwargs):
    return 0


def deco(f):
    return f


class Meta(type):
    pass


class PlainBase:
    def plain(self):
        return 1


@purify.stateful
class Child:
    def __init__(self, k=1):
        self.x = 0
        self.k = k

    def step(self, v=1):
        self.x += v
        return self.x

    def __call__(self, v):
        self.x = self.x * 2 + v
        return self.x


@purify.stateful
class Base:
    def __init__(self, a=0):
        self.base = a

    def bump(self, v=1):
        self.base += v
        return self.base

    def peek(self):
        return self.base


'''

CLASS_LINE = "# --- the class under test ---\n"


class Crash(AssertionError):
    """purify raised something other than a PurifyError (or convert misbehaved)."""


@dataclasses.dataclass
class CrashCase:
    source: str  # the whole module; the class under test is `A`, undecorated
    decorated_in_source: bool = False

    def module(self, decorated: bool) -> str:
        if not decorated:
            return self.source
        return self.source.replace(CLASS_LINE, CLASS_LINE + "@purify.stateful\n")


class _Gen:
    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self.draw = draw
        self.S = draw(st.sampled_from(["self"] * 6 + ["s", "this"]))
        self.counter = 0
        # How often a choice point picks from the constructs purify must refuse; the rest of
        # the time it picks supported ones, so that the later rewrite passes run too.
        self.h = draw(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.03, 0.1, 0.3]))
        self.has_base = False  # A derives from the @stateful Base
        self.names: list[str] = []  # A's methods

    def ok(self, text: str) -> bool:
        """Does `text` only use members A has (else it is a deliberate error)?"""
        S = self.S
        if not self.has_base and any(m in text for m in ("super()", f"{S}.bump", f"{S}.peek", f"{S}.base")):
            return False
        for name, needle in (("__call__", f"{S}("), ("p", f"{S}.p"), ("sm", f"{S}.sm("), ("cm", f"{S}.cm("),
                             ("__m3", f"{S}.__m3(")):
            if needle in text and name not in self.names:
                return False
        return True

    def choose(self, friendly: list[Any], hostile: list[Any], scale: float = 1.0) -> Any:
        if hostile and (not friendly or self.chance(self.h * scale)):
            return self.pick(hostile)
        return self.pick(friendly)

    def pick(self, xs: list[Any]) -> Any:
        return self.draw(st.sampled_from(xs))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < round(p * 100)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    # -- expressions -------------------------------------------------------------
    def expr(self, depth: int = 2, env: _Env | None = None) -> str:
        S = self.S
        env = env or _Env()
        simple = [
            "0", "1", "2.5", "True", f"{S}.x", f"{S}.y[0]", f"{S}.d['k']", f"{S}.c.x", f"{S}.cs[0].x",
            f"{S}.cs[-1].k", f"{S}.k", f"{S}.__x", f"{S}._x", f"{S}.y[1:2]", f"{S}.y[..., None]", f"{S}.CONST",
            "G", "A.CONST",
        ] + env.locals
        odd_simple = [
            "None", "'k'", "...", f"{S}.xs", f"{S}.c", f"{S}.cs[0]", f"{S}.p", f"{S}.nope", f"{S}.m1", f"{S}.sm",
            f"{S}.base", f"{S}.__class__", f"{S}.State", f"{S}", "A", "__class__", f"{S}.cb",
        ]
        if depth <= 0:
            return self.choose(simple, odd_simple)
        e = lambda: self.expr(depth - 1, env)
        friendly: list[Callable[[], str]] = [
            lambda: self.choose(simple, odd_simple),
            lambda: self.choose(simple, odd_simple),
            lambda: f"({e()} {self.pick(['+', '-', '*', '@', '//', '%', '**', '&', '<<'])} {e()})",
            lambda: f"(-{e()})",
            lambda: f"(not {e()})",
            lambda: f"({e()} {self.pick(['<', '==', 'in', '!='])} {e()} < {e()})",
            lambda: f"{S}.m1({self.args(depth, env)})",
            lambda: f"{S}.m2({self.args(depth, env)})",
            lambda: f"{S}.m1({S}.m2({e()}))",
            lambda: f"{S}({e()})",
            lambda: f"{S}.c({e()})",
            lambda: f"{S}.c.step({self.args(depth, env)})",
            lambda: f"{S}.cs[{self.pick(['0', '-1', S + '.k', 'i'])}].step()",
            lambda: f"{S}.cs[0]({e()})",
            lambda: f"{S}.bump({e()})",
            lambda: f"{S}.peek()",
            lambda: f"{S}.sm({e()})",
            lambda: f"{S}.cm()",
            lambda: f"{S}.p",
            lambda: f"super().bump({e()})",
            lambda: "super().peek()",
            lambda: f"A.sm({e()})",
            lambda: f"helper({e()})",
            lambda: f"(lambda q={e()}: q + {S}.x)",
            lambda: f"(lambda: {S}.x + {e()})()",
            lambda: f"[{e()} for i in range(2)]",
            lambda: f"[{S}.y[i] for i in range(2) if {e()}]",
            lambda: f"{{k: {e()} for k in 'ab'}}",
            lambda: f"{{{e()} for _ in range(2)}}",
            lambda: f"sum({e()} for i in range(2))",
            lambda: f"({e()} if {e()} else {e()})",
            lambda: f"({e()} and {e()})",
            lambda: f"({e()} or {e()})",
            lambda: f"({self.walrus()} := {e()})",
            lambda: f"[({self.walrus()} := i) for i in range(2)]",
            lambda: f'f"{{{S}.x!r:>{{{S}.k}}}} {{{e()}}}"',
            lambda: f"{S}.y.at[0].set({e()})",
            lambda: f"{S}.y.at[{S}.k].add(1)",
            lambda: f"jnp.sum({e()})",
            lambda: "jnp.zeros(3)",
            lambda: f"{S}.d.get('k', {e()})",
            lambda: f"{S}.y.sum()",
            lambda: f"len({S}.xs)",
            lambda: f"sorted({S}.xs, key=lambda t: t + {S}.x)",
            lambda: f"{S}.m1(w=({self.walrus()} := 2))",
            lambda: f"{S}.__m3()",
            lambda: f"{S}.x.real",
        ]
        hostile: list[Callable[[], str]] = [
            lambda: f"({e()} {self.pick(['is', 'is not'])} {e()})",
            lambda: f"super(A, {S}).bump()",
            lambda: "super().m1()",
            lambda: f"A.m1({S}, {e()})",
            lambda: "A.init()",
            lambda: f"{S}.init()",
            lambda: f"helper({S})",
            lambda: f"helper(*{S}.xs, **{S}.d)",
            lambda: f"{S}.m1(*{e()}, **{{'a': {e()}}})",
            lambda: f"getattr({S}, {self.pick(['name', repr('x'), S + '.d'])})",
            lambda: f"setattr({S}, 'x', {e()})",
            lambda: f"hasattr({S}, 'x')",
            lambda: f"vars({S})",
            lambda: f"{S}.__dict__",
            lambda: f"type({S})",
            lambda: f"[{S}, {e()}]",
            lambda: f"({S}.x, {S})",
            lambda: f"(lambda: {e()})",
            lambda: f"(lambda: {S}.m1())()",
            lambda: f"[{S}.m1(i) for i in range(2) if {e()}]",
            lambda: f"{S}.xs.append({e()})",
            lambda: f"{S}.d.update(a={e()})",
            lambda: f"{S}.xs.copy()",
            lambda: f"{S}.xs.pop()",
            lambda: f"{S}.c.xs.append(1)",
            lambda: f"{S}[0]",
            lambda: f"{S}.__call__({e()})",
            lambda: f"{S}._A__x",
            lambda: f"print({e()}, sep='')",
            lambda: f"(yield {e()})",
            lambda: f"purify.state_of({S})",
            lambda: f"functools.partial({S}.m1, 1)",
            lambda: f"map({S}.m1, {S}.xs)",
            lambda: f"{S}.c.nope()",
            lambda: f"{S}.cs[0].nope",
            lambda: f"{S}.plain()",
        ]
        for _ in range(3):  # prefer expressions that only use members A has
            out = self.choose(friendly, hostile)()
            if self.ok(out):
                return out
        return out

    def walrus(self) -> str:
        return self.pick(["z", "w", "q"])

    def args(self, depth: int, env: _Env) -> str:
        parts = [self.expr(depth - 1, env) for _ in range(self.draw(st.integers(0, 2)))]
        if self.chance(0.2):
            parts.append(f"*{self.S}.xs")
        if self.chance(0.2):
            parts.append(f"k={self.expr(depth - 1, env)}")
        if self.chance(0.1):
            parts.append(f"**{self.S}.d")
        return ", ".join(parts)

    # -- statements --------------------------------------------------------------
    def block(self, depth: int, env: _Env, n: tuple[int, int] = (1, 3)) -> list[str]:
        out: list[str] = []
        for _ in range(self.draw(st.integers(*n))):
            out += self.stmt(depth, env)
        return out or ["pass"]

    def indent(self, lines: list[str]) -> list[str]:
        return ["    " + line for line in lines]

    def target(self, env: _Env) -> str:
        S = self.S
        t = self.choose([
            f"{S}.x", f"{S}.x", f"{S}.y[0]", f"{S}.d['k']", f"{S}.c.x", f"{S}.cs[0].x", f"{S}.__x", f"{S}._x",
            f"{S}.y[1:2]", f"{S}.xs", "loc", f"{S}.cs[-1].x", f"{S}.y[{S}.k]", f"{S}.base",
        ], [
            f"{S}.new", f"{S}.x.real", f"{S}.cs[i]", f"{S}.p", f"{S}.m1", f"{S}.xs[0]", f"{S}.d['k']['j']", "G",
            f"{S}.CONST", f"{S}.c", f"{S}.k",
        ])
        return t if self.ok(t) or self.chance(self.h) else f"{S}.x"

    def stmt(self, depth: int, env: _Env) -> list[str]:
        S = self.S
        e = lambda d=2: self.expr(d, env)
        friendly: list[Callable[[], list[str]]] = [
            lambda: [f"{self.target(env)} = {e()}"],
            lambda: [f"{self.target(env)} = {e()}"],
            lambda: [f"{self.target(env)} {self.pick(['+=', '-=', '*=', '@=', '//=', '|='])} {e()}"],
            lambda: [f"{self.target(env)}, {self.target(env)} = {e()}, {e()}"],
            lambda: [f"{self.target(env)} = {self.target(env)} = {e()}"],
            lambda: [f"loc, *rest = {e()}"],
            lambda: [f"[{S}.x, {S}.y] = {e()}"],
            lambda: [f"{S}.x: int = {e()}"],
            lambda: [f"loc: int = {e()}"],
            lambda: self._local(env, e()),
            lambda: self._local(env, e()),
            lambda: [e()],
            lambda: [e(3)],
            lambda: [f"return {e()}"],
            lambda: ["return"],
            lambda: ["pass"],
            lambda: [f"assert {e()}, {e()}"],
            lambda: [f"raise ValueError({e()})"],
            lambda: ["import math", f"loc = math.floor({e()})"],
            lambda: [f"({self.walrus()} := {e()})"],
            lambda: ["a = []", f"a.append({e()})"],
            lambda: [f"del {self.pick(['loc', 'a'])}"],
        ]
        hostile: list[Callable[[], list[str]]] = [
            lambda: [f"loc, *{S}.xs = {e()}"],
            lambda: [f"{S}.x: int"],
            lambda: [f"return {S}"],
            lambda: [f"return {S}.x, {S}"],
            lambda: [f"del {self.pick([S + '.x', S + '.y[0]', S + '.d[' + repr('k') + ']', S])}"],
            lambda: [f"yield {e()}"],
            lambda: [f"yield from {S}.xs"],
            lambda: [f"{S} = {e()}"],
            lambda: [f"{S}.xs[0].append({e()})"],
            lambda: [f"{S}.c = Child({e()})"],
            lambda: [f"{S}.cs = [Child() for _ in range(2)]"],
            lambda: [f"print({S})"],
            lambda: [f"setattr({S}, name, {e()})"],
            lambda: [f"{S}.__dict__['x'] = {e()}"],
            lambda: [f"a.append({e()})"],
            lambda: [f"a[0] = {e()}"],
            lambda: [f"a.x = {e()}"],
            lambda: [f"kw['k'] = {e()}"],
            lambda: ["global G", f"G = {e()}"],
        ]
        compound: list[Callable[[], list[str]]] = [
            lambda: [f"if {e()}:", *self.indent(self.block(depth + 1, env))]
            + (["else:", *self.indent(self.block(depth + 1, env))] if self.chance(0.5) else []),
            lambda: [f"while {e()}:", *self.indent(self.block(depth + 1, env) + [self.pick(["break", "continue", "pass"])])]
            + (["else:", *self.indent(self.block(depth + 1, env))] if self.chance(0.3) else []),
            lambda: [(f"for {self.choose(['i', 'i, j', '(i, *j)'], [S + '.x', S + '.y[0]'])} in "
                      f"{self.pick(['range(2)', S + '.xs', S + '.cs', 'enumerate(' + S + '.cs)', e()])}:"),
                     *self.indent(self.block(depth + 1, env))],
            lambda: ["for layer in " + S + ".cs:", self.pick(["    v = layer(v)", "    layer.step()",
                                                               "    loc = layer.step(2) + layer.x"])],
            lambda: [f"with contextlib.nullcontext({e()}) as {self.choose(['cm', '(a1, b1)'], [S + '.x'])}:",
                     *self.indent(self.block(depth + 1, env))],
            lambda: ["try:", *self.indent(self.block(depth + 1, env)),
                     f"except {self.pick(['Exception', 'ValueError', '(KeyError, IndexError)'])} as err:",
                     *self.indent(self.block(depth + 1, env)),
                     *(["else:", *self.indent(self.block(depth + 1, env))] if self.chance(0.3) else []),
                     *(["finally:", *self.indent(self.block(depth + 1, env))] if self.chance(0.3) else [])],
            lambda: ["try:", *self.indent(self.block(depth + 1, env)), "except* ValueError:", "    pass"],
            lambda: self._match(depth, env),
            lambda: self._nested_def(depth, env),
            lambda: ["class Inner:", f"    q = {self.pick(['1', 'G'])}",
                     "    def f(inner_self):", f"        return {S}.x"],
            lambda: [f"f1 = lambda: {e()}", "loc = f1()"],
        ]
        if depth < 2 and self.chance(0.35):
            return self.pick(compound)()
        return self.choose(friendly, hostile)()

    def _local(self, env: _Env, value: str) -> list[str]:
        name = self.fresh("t")
        env.locals.append(name)
        return [f"{name} = {value}"]

    def _match(self, depth: int, env: _Env) -> list[str]:
        S = self.S
        cases = self.draw(st.lists(st.sampled_from([
            "1", "[a, *rest]", "{'k': v}", "Child(x=0)", f"{S}.x", "str() | int()", "(1 | 2) as n",
            "[1, 2, *_]", "{'k': {'j': w}}", "None", "A(x=1)",
        ]), min_size=1, max_size=3, unique=True))
        lines = [f"match {self.expr(1, env)}:"]
        for c in cases:
            lines += [f"    case {c}:", *["        " + x for x in self.block(depth + 2, env, (1, 2))]]
        if self.chance(0.5):
            lines += ["    case _:", *["        " + x for x in self.block(depth + 2, env, (1, 1))]]
        return lines

    def _nested_def(self, depth: int, env: _Env) -> list[str]:
        S = self.S
        name = self.fresh("inner")
        env.locals.append(name)
        head = []
        if self.chance(0.3):
            head.append(f"{self.pick(['q0', 'loc0'])} = 0")
        decl = []
        if self.chance(self.h):
            decl.append("global G")
        if head and self.chance(self.h * 3):
            decl.append(f"nonlocal {head[0].split(' ')[0]}")
        default = f"={self.expr(1, env)}" if self.chance(0.3) else ""
        body = decl + self.block(depth + 1, _Env(), (1, 3))
        if decl and decl[-1].startswith("nonlocal"):
            body.append(f"{head[0].split(' ')[0]} += 1")
        if "global G" in decl:
            body.append("G = 1")
        lines = [*head, f"def {name}(p{default}, *args, **kwargs):", *self.indent(body)]
        lines += self.choose([[f"{name}(1)"], [f"loc = {name}(2)"], [f"helper({name})"], []],
                             [[f"return {name}"], [f"{S}.cb = {name}"], [f"return [{name}]"]])
        return lines

    # -- methods and the class -----------------------------------------------------
    def params(self) -> str:
        S = self.S
        return self.choose([
            S, f"{S}, v", f"{S}, v=1", f"{S}, v, /, w=2, *args, k=3, **kw", f"{S}, *args, **kwargs",
            f"{S}, a", f"{S}, a, name='x'", f"{S}, v, *, k", f"{S}, *, k=1", f"{S}, i=0", f"{S}, v=1, w=2",
        ], ["", "*args"])

    def method(self, name: str) -> list[str]:
        decorators = {"sm": ["@staticmethod"], "cm": ["@classmethod"], "p": ["@property"]}.get(name, [])
        decorators = self.choose([decorators], [["@deco"], ["@functools.lru_cache"], ["@functools.cached_property"],
                                                ["@staticmethod", "@deco"], ["@jax.jit"], ["@property"],
                                                ["@staticmethod"], ["@classmethod"]])
        is_async = self.chance(self.h / 5)
        params = self.params()
        if "@staticmethod" in decorators:
            params = self.pick(["", "a", "a, b=1"])
        env = _Env()
        for p in ("v", "a", "w", "k", "i", "args", "kw", "kwargs", "name"):
            if p in params.replace("*", " ").replace(",", " ").replace("=", " ").split():
                env.locals.append(p)
        body = self.block(0, env, (1, 4))
        if self.chance(self.h * 0.3):
            body.insert(0, "global G")
        if is_async:
            body = [x.replace("yield from", "await") for x in body]
        prefix = "async def" if is_async else "def"
        return [*decorators, f"{prefix} {name}({params}):", *self.indent(body)]

    def init(self) -> list[str]:
        S = self.S
        usual = {
            "x": ["0", "1.5", "jnp.zeros(())"], "y": ["jnp.zeros(3)", "np.zeros(3)", "jnp.arange(3.0)"],
            "d": ["{'k': 1.0}", "{'k': jnp.ones(2)}"], "xs": ["[1, 2]", "(1.0, 2.0)", "[jnp.ones(2)]"],
            "c": ["Child()", "Child(k=2)"], "cs": ["[Child(), Child()]", "[Child() for _ in range(2)]",
                                                 "(Child(), Child(k=2))", "tuple(Child() for _ in range(3))"],
            "k": ["3", "v", "purify.static(3)", "(1, 2)"], "__x": ["1"], "_x": ["2", "purify.param(jnp.ones(2))"],
        }
        odd = [
            "purify.param(jnp.ones(2))", "purify.static(3)", f"lambda: {S}.x", "helper", "None", "'name'",
            "Base()", "purify.param(1, 2)", f"{S}.x", f"{S}.m1()", "[1, Child()]", "{'c': Child()}",
        ]
        lines = []
        if self.chance(0.3):
            lines.append(self.choose(["super().__init__()", "super().__init__(1)"], ["Base.__init__(" + S + ")"]))
        attrs = [a for a in usual if not self.chance(0.04)]
        attrs += self.draw(st.lists(st.sampled_from(["x_", "m1", "State", "base", "cb", "p"]), max_size=2,
                                    unique=True)) if self.chance(self.h) else []
        attrs = self.draw(st.permutations(attrs))
        for attr in attrs:
            lines.append(f"{S}.{attr} = {self.choose(usual.get(attr, odd), odd)}")
        if self.chance(0.4):
            lines += self.block(1, _Env(["v"]), (1, 2))
        return [f"def __init__({self.choose([S + ', v=1', S + ', v=1, *args, **kwargs'], [S, ''])}):",
                *self.indent(lines or ["pass"])]

    def cls(self) -> str:
        bases = self.choose(["", "", "(object)", "(Base)"],
                            ["(PlainBase)", "(Base, PlainBase)", "(metaclass=Meta)", "(dict)", "(Child)"], scale=0.3)
        self.has_base = "Base" in bases
        body: list[str] = []
        if self.chance(0.3):
            body.append('"""A class under test."""')
        body.append("CONST = 3")
        extras = self.draw(st.lists(st.sampled_from([
            "x: int", "y: int = 2", "class Inner:\n    pass", "if True:\n    Z = 1",
            "for _i in range(2):\n    pass", "import math", "W = [i for i in range(2)]",
            "@property\ndef q(self):\n    return 1", "K2 = CONST * 2",
        ]), max_size=3, unique=True))
        if self.chance(self.h * 0.3):
            extras += [self.pick([
                "__slots__ = ('x',)", f"f = lambda {self.S}: {self.S}.x", "p = property(lambda s: 1)", "State = 1",
                "init = 2", "sm2 = staticmethod(lambda q: q)", "g = lambda: 1",
                "@property\ndef q(self):\n    return 1\n@q.setter\ndef q(self, v):\n    pass",
                "@property\ndef q(self):\n    return 1\n@q.deleter\ndef q(self):\n    pass",
            ])]
        for x in extras:
            body += x.split("\n")
        init_wanted = self.chance(0.9)
        names = ["m1", "m2"] + self.draw(st.lists(st.sampled_from([
            "m1", "__call__", "sm", "cm", "p", "__m3", "__repr__", "__eq__", "step", "bump", "peek",
        ]), min_size=0, max_size=4))
        names = self.draw(st.permutations(names))
        self.names = list(names)
        if self.chance(self.h * 0.3):
            names.append(self.pick(["__getattr__", "__setattr__", "__iter__", "State", "init", "__len__",
                                    "__enter__", "__getattribute__", "__delattr__"]))
        if init_wanted:
            body += self.init()
        for name in names:
            body += self.method(name)
        decorators = self.choose([[]], [["@deco"], ["@functools.lru_cache"]], scale=0.3)
        return "\n".join([*decorators, f"class A{bases}:", *self.indent(body)]) + "\n"


class _Env:
    def __init__(self, names: list[str] | None = None) -> None:
        self.locals: list[str] = list(names or [])

    def loop(self) -> _Env:
        return self


@st.composite
def classes(draw: Callable[[Any], Any]) -> CrashCase:
    """A module: fixed helpers (decorated Child and Base, a plain base, a metaclass) and a class A."""
    text = HEADER + CLASS_LINE + _Gen(draw).cls()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # `x is 0` and friends are legal, if odd
            compile(text, "<crash-fuzz>", "exec", dont_inherit=True)
    except SyntaxError:
        reject()  # the generator wrote invalid Python: not a case for purify
    return CrashCase(text)


# -- the check -------------------------------------------------------------------


def check_class(case: CrashCase) -> str:
    """Decorate `A` and convert the module; return the outcome or raise Crash."""
    from purify import PurifyError

    from . import cli
    from .differential import load_module, unload

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            module = load_module(case.module(decorated=False), "crash")
    except Exception:  # noqa: BLE001 - any failure of the user's own class statement
        return "invalid-python"  # the class statement itself fails: nothing reaches purify
    outcome = []
    try:
        try:
            cls = module.A
            import purify

            with _time_limit(DECORATE_LIMIT_S):
                purify.stateful(cls)
                purify.source(cls)
            outcome.append("decorated")
        except _TooSlow:
            raise Crash(f"decorating did not finish in {DECORATE_LIMIT_S} s (a hang?):\n"
                        f"{traceback.format_exc()}") from None
        except PurifyError as e:
            _check_located(e, module.__file__)
            outcome.append("refused")
        except Exception:  # noqa: BLE001 - that is the crash being looked for
            raise Crash(f"the decorator raised a non-PurifyError:\n{traceback.format_exc()}") from None
    finally:
        unload(module)
    if cli.available():
        outcome.append(_check_convert(case))
    return "/".join(outcome)


# Decorating or converting one generated class takes milliseconds; far beyond that, the engine loops (a fixpoint
# that never settled hung a campaign once, with no output at all).
DECORATE_LIMIT_S = 30


class _TooSlow(BaseException):  # not an Exception: the engine's own handlers must not swallow it
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return

    def expired(signum, frame):
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_located(e: BaseException, filename: str) -> None:
    """A refusal must point at the user's file (or say the source is missing)."""
    if getattr(e, "filename", None) is None:
        if "source" in str(e) or "@purify.stateful decorates" in str(e):
            return
        raise Crash(f"PurifyError without a location: {e}")
    if getattr(e, "lineno", None) is None:
        raise Crash(f"PurifyError without a line: {e}")


def _check_convert(case: CrashCase) -> str:
    from . import cli
    from .differential import tmpdir

    path = os.path.join(tmpdir(), f"crash_convert_{os.getpid()}.py")
    with open(path, "w") as f:
        f.write(case.module(decorated=True))
    try:
        with _time_limit(DECORATE_LIMIT_S):
            text = cli.convert_file(path)
    except _TooSlow:
        raise Crash(f"purify convert did not finish in {DECORATE_LIMIT_S} s (a hang?):\n"
                    f"{traceback.format_exc()}") from None
    except cli.ConvertFailed as e:
        if "Traceback" in e.stderr or ":" not in e.stderr:
            raise Crash(f"purify convert failed without a located error:\n{e.stderr}") from None
        return "convert-refused"
    except Exception:  # noqa: BLE001 - that is the crash being looked for
        raise Crash(f"purify convert raised:\n{traceback.format_exc()}") from None
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError:
        raise Crash(f"purify convert emitted a module that does not compile:\n{traceback.format_exc()}\n{text}") from None
    return "converted"
