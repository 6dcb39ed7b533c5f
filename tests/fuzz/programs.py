"""Random *supported* stateful classes, as source text, plus a script of calls.

Everything is drawn through hypothesis, so a failing program shrinks to a small one.
The generated code only uses constructs that DESIGN.md §1 says the rewrite supports:
assignments, augmented assignments, tuple swaps, item set/add on arrays and dicts
(nested too), calls of other methods anywhere in an expression (and chains of them),
child method calls (a single @stateful child and a list of them, looped over), early
returns, `for`/`while`/`if` on Python values, reads of state in nested functions,
lambdas and comprehensions, properties, static and class methods, class constants,
private and name-mangled attributes, `__call__`, keyword arguments and bounded
recursion on a Python argument.

Numbers stay small integers (possibly as floats): every value written to a plain
assignment, returned or passed is reduced `% M`, and augmented assignments only add
bounded values, so eager Python, NumPy and XLA (with 64-bit types) compute exactly
the same numbers. Array indices are always in bounds. `if`/`while`/`range` only test
Python values (loop counters, static configuration, constants), never traced ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

M = 97  # every unbounded value is reduced modulo M
DECORATOR = "@purify.stateful"
HEADER = "import numpy as np\nimport purify\n\n\n"


@dataclasses.dataclass
class FieldInfo:
    attr: str  # as written after `self.`
    kind: str  # scalar | arr | dict | static | child | children
    size: int = 0  # array length (arr) or the dict's array length (dict)
    child: ClassInfo | None = None
    count: int = 0  # number of children (children)


@dataclasses.dataclass
class MethodInfo:
    name: str
    params: list[str]  # after self; "w" and "d" have defaults
    returns: bool
    recursive: bool = False


@dataclasses.dataclass
class ClassInfo:
    name: str
    fields: list[FieldInfo]
    methods: list[MethodInfo]  # in call order: method i only calls methods j > i
    props: list[str] = dataclasses.field(default_factory=list)
    statics: list[str] = dataclasses.field(default_factory=list)
    classmethods: list[str] = dataclasses.field(default_factory=list)
    consts: list[str] = dataclasses.field(default_factory=list)
    init_params: list[str] = dataclasses.field(default_factory=list)
    lines: list[str] = dataclasses.field(default_factory=list)
    written: set[str] = dataclasses.field(default_factory=set)  # attributes its methods assign

    def of(self, *kinds: str) -> list[FieldInfo]:
        return [f for f in self.fields if f.kind in kinds]

    def callable_method(self, name: str) -> MethodInfo | None:
        return next((m for m in self.methods if m.name == name), None)


@dataclasses.dataclass
class Step:
    method: str  # a method name, "__call__", or "prop:<name>"
    args: tuple[int, ...]
    kwargs: dict[str, int]


@dataclasses.dataclass
class Program:
    source: str  # the module, with DECORATOR lines
    main: str
    init_kwargs: dict[str, int]
    script: list[Step]
    info: ClassInfo | None = None

    def module_text(self, decorated: bool) -> str:
        if decorated:
            return self.source
        # Keep line numbers: the reference module has a comment where the decorator was.
        return self.source.replace(DECORATOR, "# undecorated")

    def describe(self) -> str:
        calls = "; ".join(f"{s.method}{s.args}{s.kwargs or ''}" for s in self.script)
        return f"{self.source}\n# init: {self.main}(**{self.init_kwargs})\n# script: {calls}\n"


# -- method bodies -------------------------------------------------------------


class _Scope:
    """Names a generated statement may use at its position."""

    def __init__(self, params: list[str]) -> None:
        self.blocks: list[list[str]] = [list(params)]
        self.loops: list[str] = []  # Python-int loop counters in scope
        self.fns: list[str] = []  # nested functions that read state

    def names(self) -> list[str]:
        return [n for b in self.blocks for n in b]

    def push(self) -> None:
        self.blocks.append([])

    def pop(self) -> None:
        self.blocks.pop()


class BodyGen:
    """Generates one method's body (a list of source lines) for a class."""

    def __init__(self, draw: Callable[[Any], Any], cls: ClassInfo, index: int, method: MethodInfo) -> None:
        self.draw, self.cls, self.index, self.method = draw, cls, index, method
        self.counter = 0
        self.scope = _Scope(method.params)

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"

    def pick(self, options: list[Any]) -> Any:
        return self.draw(st.sampled_from(options))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < int(p * 100)

    # -- expressions -------------------------------------------------------------
    def callees(self) -> list[MethodInfo]:
        """Methods this one may call: later ones (no cycles), or itself one level down when recursive."""
        return self.cls.methods[self.index + 1:]

    def call_args(self, m: MethodInfo, depth: int) -> str:
        parts = []
        for p in m.params:
            if p == "v":
                parts.append(self.bexpr(depth - 1))
            elif p == "w" and self.chance(0.5):
                value = self.bexpr(depth - 1)
                parts.append(f"w={value}" if self.chance(0.5) else value)
        return ", ".join(parts)

    def method_call(self, depth: int, need_value: bool) -> str | None:
        options = [m for m in self.callees() if m.returns or not need_value]
        if not options:
            return None
        m = self.pick(options)
        args = self.call_args(m, depth)
        if m.name == "__call__":
            return f"self({args})"
        return f"self.{m.name}({args})"

    def child_call(self, depth: int, need_value: bool) -> str | None:
        options = []
        for f in self.cls.of("child", "children"):
            assert f.child is not None
            for m in f.child.methods:
                if m.recursive or (need_value and not m.returns):
                    continue
                if f.kind == "child":
                    ref = f"self.{f.attr}"
                else:
                    ref = f"self.{f.attr}[{self.draw(st.integers(-f.count, f.count - 1))}]"
                options.append((ref, m))
        if not options:
            return None
        ref, m = self.pick(options)
        args = self.call_args(m, depth)
        return f"{ref}({args})" if m.name == "__call__" else f"{ref}.{m.name}({args})"

    def bexpr(self, depth: int = 2, calls: bool = True) -> str:
        """A bounded number: no state reads except through calls that return `% M`."""
        atoms: list[Callable[[], str | None]] = [
            lambda: str(self.draw(st.integers(0, 5))),
            lambda: self.pick(self.scope.names()) if self.scope.names() else None,
            lambda: self.pick(self.scope.loops) if self.scope.loops else None,
        ]
        if calls and depth > 0:
            atoms.append(lambda: self.method_call(depth, True))
            atoms.append(lambda: self.child_call(depth, True))
            if self.cls.statics:
                atoms.append(lambda: f"{self.pick(['self', self.cls.name])}.{self.pick(self.cls.statics)}"
                             f"({self.bexpr(depth - 1, calls)})")
        if depth > 0:
            atoms.append(lambda: self._binop(self.bexpr(depth - 1, calls), self.bexpr(depth - 1, calls)))
        return self._first(atoms)

    def aexpr(self, depth: int = 2, calls: bool = True) -> str:
        """Any number, state reads included (callers reduce it `% M` before storing it)."""
        reads = self.state_reads()
        atoms: list[Callable[[], str | None]] = [lambda: self.bexpr(depth, calls)]
        if reads:
            atoms += [lambda: self.pick(reads)] * 3
        if self.scope.fns:
            atoms.append(lambda: f"{self.pick(self.scope.fns)}({self.bexpr(0)})")
        if reads:
            atoms.append(lambda: f"(lambda z: (z * 2 + {self.pick(reads)}) % {M})({self.bexpr(0)})")
            atoms.append(lambda: f"sum([{self.pick(reads)} + j for j in range({self.draw(st.integers(1, 3))})])")
            atoms.append(lambda: f"sum({self.pick(reads)} * c for c in ({self.draw(st.integers(0, 3))}, 1))")
            if self.scope.loops or self.cls.of("static"):
                atoms.append(lambda: f"({self.pick(reads)} if {self.condition()} else {self.bexpr(0, False)})")
        if depth > 0:
            atoms.append(lambda: self._binop(self.aexpr(depth - 1, calls), self.aexpr(depth - 1, calls)))
        return self._first(atoms)

    def _binop(self, a: str, b: str) -> str:
        op = self.pick(["+", "-", "*c"])
        if op == "*c":
            return f"({a} * {self.draw(st.integers(0, 3))})"
        return f"({a} {op} {b})"

    def _first(self, atoms: list[Callable[[], str | None]]) -> str:
        order = self.draw(st.permutations(range(len(atoms))))
        for i in order:
            out = atoms[i]()
            if out is not None:
                return out
        return "1"

    def state_reads(self) -> list[str]:
        out = []
        for f in self.cls.fields:
            a = f"self.{f.attr}"
            if f.kind == "scalar" or f.kind == "static":
                out.append(a)
            elif f.kind == "arr":
                out += [f"{a}[{self.index_expr(f.size)}]", f"{a}.sum()"]
            elif f.kind == "dict":
                out += [f'{a}["a"]', f'{a}["b"][{self.index_expr(f.size)}]', f'{a}["b"].sum()']
            elif f.kind == "child" and f.child is not None:
                # (`self.ch.__x` inside Main would be `_Main__x`: not the child's attribute)
                out += [f"{a}.{g.attr}" for g in f.child.of("scalar", "static") if not g.attr.startswith("__")]
            elif f.kind == "children" and f.child is not None:
                out += [f"{a}[{i}].{g.attr}" for i in range(f.count) for g in f.child.of("scalar")
                        if not g.attr.startswith("__")]
        out += [f"self.{p}" for p in self.cls.props]
        out += [f"self.{c}" for c in self.cls.consts]
        if self.cls.classmethods:
            out.append(f"self.{self.cls.classmethods[0]}(2)")
        return out

    def index_expr(self, size: int) -> str:
        options = [str(self.draw(st.integers(-size, size - 1)))]
        if self.scope.loops:
            i = self.pick(self.scope.loops)
            options += [f"{i} % {size}", f"({i} + 1) % {size}"]
        return self.pick(options)

    def condition(self) -> str:
        options = ["True", "False"]
        for i in self.scope.loops:
            options += [f"{i} > 0", f"{i} % 2 == 0", f"{i} == 1"]
        for f in self.cls.of("static"):
            options += [f"self.{f.attr} > 1", f"self.{f.attr} == 2"]
        return self.pick(options)

    # -- statements --------------------------------------------------------------
    def body(self, depth: int, final_return: bool) -> list[str]:
        lines: list[str] = []
        for _ in range(self.draw(st.integers(1, 4 if depth == 0 else 2))):
            lines += self.statement(depth)
        if final_return:
            lines += self.ret()
        return lines

    def ret(self) -> list[str]:
        if self.method.returns:
            return [f"return ({self.aexpr()}) % {M}"]
        return ["return"] if self.chance(0.3) else []

    def statement(self, depth: int) -> list[str]:
        kinds = ["assign", "aug", "local", "call", "item", "item", "swap", "fn", "alias"]
        if depth < 2:
            kinds += ["for", "for", "if", "while", "layers"]
        if depth > 0:
            kinds += ["early"]
        kind = self.pick(kinds)
        out = getattr(self, f"s_{kind}")(depth)
        if out:
            return out
        fs = self.cls.of("scalar", "arr")
        # (no calls: `a += f()` on a NumPy array aliases, see s_aug)
        return [f"self.{self.pick(fs).attr} += {self.bexpr(calls=False)}"] if fs else ["pass"]

    def _writable(self) -> list[FieldInfo]:
        return self.cls.of("scalar", "arr")

    def _any_writable(self) -> str | None:
        fs = self.cls.of("scalar", "arr")
        return self.pick(fs).attr if fs else None

    def s_assign(self, depth: int) -> list[str] | None:
        fs = self._writable() + self.cls.of("child", "children")
        if not fs:
            return None
        f = self.pick(fs)
        if f.kind == "scalar":
            return [f"self.{f.attr} = ({self.aexpr()}) % {M}"]
        if f.kind == "arr":
            return [f"self.{f.attr} = (self.{f.attr} * {self.draw(st.integers(0, 2))} + {self.aexpr(1)}) % {M}"]
        # a child's field written from the parent
        assert f.child is not None
        # Only fields the child itself changes: the others are its static configuration,
        # which purify rightly refuses to let the parent write.
        gs = [g for g in f.child.of("scalar") if not g.attr.startswith("__") and g.attr in f.child.written]
        if not gs:
            return None
        g = self.pick(gs)
        ref = f"self.{f.attr}" if f.kind == "child" else f"self.{f.attr}[{self.draw(st.integers(0, f.count - 1))}]"
        return [f"{ref}.{g.attr} = ({self.aexpr(1)}) % {M}"]

    def s_aug(self, depth: int) -> list[str] | None:
        fs = self._writable()
        if not fs:
            return None
        f = self.pick(fs)
        # `a += f()` on a NumPy array updates the object fetched before f ran: purify refuses it
        # where f changes the array in place (passes/aliasing.py); the fuzzer accepts that refusal.
        return [f"self.{f.attr} {self.pick(['+=', '-='])} {self.bexpr()}"]

    def s_alias(self, depth: int) -> list[str] | None:
        """A second name for part of the state, statements that may change it, then a read of the
        name: where Python and the pure method could differ purify must refuse (ALIAS_REFUSALS)."""
        fs = self.cls.of("arr", "dict")  # (a second name for a child is always refused)
        if not fs or not self.chance(0.4):  # rarer: most programs should run every way
            return None
        f = self.pick(fs)
        x, t = self.fresh("x"), self.fresh("t")
        if f.kind == "arr":
            src, read = f"self.{f.attr}", f"{x}[{self.draw(st.integers(0, f.size - 1))}]"
        else:
            src, read = self.pick([(f"self.{f.attr}", f'{x}["a"]'), (f'self.{f.attr}["b"]', f"{x}[0]")])
        lines = [f"{x} = {src}"]
        if f.kind == "arr" and self.chance(0.3):
            lines.append(f"{x} += {self.draw(st.integers(1, 3))}")  # in place on NumPy: refused at init
        for _ in range(self.draw(st.integers(0, 2))):
            lines += self.statement(depth + 1) if depth < 2 else []
        lines.append(f"{t} = ({read} + 0) % {M}")
        self.scope.blocks[-1].append(t)
        return lines

    def s_local(self, depth: int) -> list[str]:
        name = self.fresh("t")
        line = f"{name} = ({self.aexpr()}) % {M}"
        self.scope.blocks[-1].append(name)
        return [line]

    def s_call(self, depth: int) -> list[str] | None:
        call = self.method_call(2, False) if self.chance(0.5) else self.child_call(2, False)
        return [call] if call else None

    def s_item(self, depth: int) -> list[str] | None:
        arrs, dicts = self.cls.of("arr"), self.cls.of("dict")
        options = []
        for f in arrs:
            options.append((f"self.{f.attr}[{self.index_expr(f.size)}]", True))
        for f in dicts:
            options.append((f'self.{f.attr}["a"]', True))
            options.append((f'self.{f.attr}["b"][{self.index_expr(f.size)}]', True))
            options.append((f'self.{f.attr}["b"]', False))
        if not options:
            return None
        target, scalar = self.pick(options)
        if self.chance(0.5):
            # No calls: `self.a[i] += self.f()` is refused when f may change self.a (Python fetches
            # self.a before the call; see refusals._check_aug_item_reentry).
            return [f"{target} {self.pick(['+=', '-='])} {self.bexpr(calls=False)}"]
        if scalar:
            return [f"{target} = ({self.aexpr()}) % {M}"]
        return [f"{target} = ({target} + {self.aexpr(1)}) % {M}"]

    def s_swap(self, depth: int) -> list[str] | None:
        fs = self.cls.of("scalar")
        if len(fs) >= 2:
            a, b = self.draw(st.permutations(fs))[:2]
            if self.chance(0.5):
                return [f"self.{a.attr}, self.{b.attr} = self.{b.attr}, self.{a.attr}"]
            return [f"self.{a.attr}, self.{b.attr} = self.{b.attr}, ({self.aexpr(1)}) % {M}"]
        arrs = self.cls.of("arr")
        for a in arrs:
            same = [b for b in arrs if b is not a and b.size == a.size]
            if same:
                return [f"self.{a.attr}, self.{same[0].attr} = self.{same[0].attr}, self.{a.attr}"]
        if fs:
            name = self.fresh("t")
            line = f"{name}, self.{fs[0].attr} = self.{fs[0].attr}, ({self.aexpr(1)}) % {M}"
            self.scope.blocks[-1].append(name)
            return [line]
        return None

    def s_fn(self, depth: int) -> list[str] | None:
        reads = self.state_reads()
        if not reads:
            return None
        name = self.fresh("h")
        self.scope.fns.append(name)
        if self.chance(0.5):
            return [f"def {name}(z):", f"    return (z + {self.pick(reads)} * {self.draw(st.integers(0, 2))}) % {M}"]
        return [f"{name} = lambda z: (z - {self.pick(reads)}) % {M}"]

    def _block(self, depth: int, final_return: bool = False) -> list[str]:
        self.scope.push()
        saved_fns = list(self.scope.fns)
        lines = self.body(depth + 1, final_return)
        self.scope.fns = saved_fns
        self.scope.pop()
        return ["    " + line for line in lines] or ["    pass"]

    def s_for(self, depth: int) -> list[str]:
        i = self.fresh("i")
        bound = str(self.draw(st.integers(1, 3)))
        statics = self.cls.of("static")
        if statics and self.chance(0.3):
            bound = f"self.{self.pick(statics).attr}"
        self.scope.loops.append(i)
        body = self._block(depth)
        self.scope.loops.pop()
        return [f"for {i} in range({bound}):", *body]

    def s_while(self, depth: int) -> list[str]:
        j = self.fresh("j")
        self.scope.loops.append(j)
        body = self._block(depth)
        self.scope.loops.pop()
        return [f"{j} = 0", f"while {j} < {self.draw(st.integers(1, 3))}:", *body, f"    {j} += 1"]

    def s_if(self, depth: int) -> list[str]:
        lines = [f"if {self.condition()}:", *self._block(depth)]
        if self.chance(0.5):
            lines += ["else:", *self._block(depth)]
        return lines

    def s_early(self, depth: int) -> list[str]:
        return [f"if {self.condition()}:", *["    " + line for line in (self.ret() or ["return"])]]

    def s_layers(self, depth: int) -> list[str] | None:
        fs = self.cls.of("children")
        if not fs:
            return None
        f = self.pick(fs)
        assert f.child is not None
        ms = [m for m in f.child.methods if m.returns and not m.recursive]
        if not ms:
            return None
        m = self.pick(ms)
        x = self.fresh("x")
        call = "layer" if m.name == "__call__" else f"layer.{m.name}"
        extra = ", w=1" if "w" in m.params and self.chance(0.5) else ""
        first = f"{x} = {self.bexpr(1)}"
        self.scope.blocks[-1].append(x)
        return [first, f"for layer in self.{f.attr}:", f"    {x} = {call}({x}{extra})"]


# -- classes -------------------------------------------------------------------


def _gen_fields(draw: Callable[[Any], Any], children: list[ClassInfo], small: bool) -> list[FieldInfo]:
    fields: list[FieldInfo] = []
    used: set[str] = set()

    def name(stem: str) -> str:
        prefix = draw(st.sampled_from(["", "", "_", "__"]))
        i = 0
        while f"{prefix}{stem}{i}" in used:
            i += 1
        used.add(f"{prefix}{stem}{i}")
        return f"{prefix}{stem}{i}"

    for _ in range(draw(st.integers(1, 2 if small else 3))):
        fields.append(FieldInfo(name("n"), "scalar"))
    for _ in range(draw(st.integers(0, 1 if small else 2))):
        fields.append(FieldInfo(name("a"), "arr", size=draw(st.integers(1, 4))))
    if not small and draw(st.booleans()):
        fields.append(FieldInfo(name("d"), "dict", size=draw(st.integers(1, 3))))
    if draw(st.booleans()):
        fields.append(FieldInfo(name("k"), "static"))
    if children:
        if draw(st.booleans()):
            fields.append(FieldInfo(name("ch"), "child", child=draw(st.sampled_from(children))))
        if draw(st.booleans()):
            fields.append(FieldInfo(name("layers"), "children", child=draw(st.sampled_from(children)),
                                    count=draw(st.integers(1, 3))))
    return draw(st.permutations(fields))


def _init_lines(draw: Callable[[Any], Any], cls: ClassInfo) -> list[str]:
    body = []
    for f in cls.fields:
        a = f"self.{f.attr}"
        if f.kind == "scalar":
            body.append(f"{a} = {draw(st.sampled_from(['0', '1', '3', '2.0', '-1']))}")
        elif f.kind == "arr":
            body.append(f"{a} = {draw(st.sampled_from(['np.zeros', 'np.ones']))}({f.size})"
                        if draw(st.booleans()) else f"{a} = np.arange({f.size}) * 1.0")
        elif f.kind == "dict":
            body.append(f'{a} = {{"a": {draw(st.integers(0, 3))}, "b": np.arange({f.size}) * 2.0}}')
        elif f.kind == "static":
            body.append(f"{a} = k")
        elif f.kind == "child":
            assert f.child is not None
            body.append(f"{a} = {f.child.name}()")
        elif f.kind == "children":
            assert f.child is not None
            style = draw(st.integers(0, 2))
            if style == 0:
                body.append(f"{a} = [{', '.join(f.child.name + '()' for _ in range(f.count))}]")
            elif style == 1:
                body.append(f"{a} = [{f.child.name}() for _ in range({f.count})]")
            else:
                body.append(f"{a} = tuple({f.child.name}() for _ in range({f.count}))")
    params = ", k=2" if cls.of("static") else ""
    cls.init_params = ["k"] if cls.of("static") else []
    return [f"def __init__(self{params}):", *["    " + line for line in body]]


def gen_class(draw: Callable[[Any], Any], name: str, children: list[ClassInfo], small: bool) -> ClassInfo:
    fields = _gen_fields(draw, children, small)
    cls = ClassInfo(name, fields, [])
    n = draw(st.integers(1, 2 if small else 4))
    names = [f"m{i}" for i in range(n)]
    if draw(st.booleans()):
        names[draw(st.integers(0, n - 1))] = "__call__"
    if not small and n > 1 and draw(st.booleans()):
        j = draw(st.integers(1, n - 1))
        if names[j] != "__call__":
            names[j] = draw(st.sampled_from(["_", "__"])) + names[j]
    for nm in names:
        params = ["v"] + (["w"] if draw(st.booleans()) else [])
        cls.methods.append(MethodInfo(nm, params, returns=draw(st.integers(0, 3)) > 0))
    recursive = not small and draw(st.integers(0, 3)) == 0
    if recursive:
        cls.methods.append(MethodInfo("rec", ["v", "d"], returns=True, recursive=True))
    if draw(st.booleans()):
        cls.consts.append("C")
    if draw(st.booleans()):
        cls.statics.append("sh")
    if draw(st.integers(0, 3)) == 0:
        cls.classmethods.append("cm")
    lines = [f"class {name}:"]
    if draw(st.booleans()):
        lines.append(f'    """Generated class {name}."""')
    if cls.consts:
        lines.append(f"    C = {draw(st.integers(1, 4))}")
    lines += ["    " + line for line in _init_lines(draw, cls)]
    if cls.of("scalar", "arr") and draw(st.booleans()):
        prop = "total"
        reads = BodyGen(draw, cls, len(cls.methods), MethodInfo(prop, [], True)).state_reads()
        lines += ["", "    @property", f"    def {prop}(self):", f"        return ({' + '.join(draw(st.lists(st.sampled_from(reads), min_size=1, max_size=3)))}) % {M}"]
        cls.props.append(prop)
    if cls.statics:
        lines += ["", "    @staticmethod", "    def sh(z):", f"        return (z * 3 + 1) % {M}"]
    if cls.classmethods:
        lines += ["", "    @classmethod", "    def cm(cls, z):",
                  f"        return (z + {'cls.C' if cls.consts else '1'}) % {M}"]
    # Bodies after all signatures are known (method i calls methods j > i).
    for i, m in enumerate(cls.methods):
        sig = ", ".join(["self", *("w=1" if p == "w" else "d=2" if p == "d" else p for p in m.params)])
        lines += ["", f"    def {m.name}({sig}):"]
        if m.recursive:
            body = _recursive_body(draw, cls, i, m)
        else:
            gen = BodyGen(draw, cls, i, m)
            body = gen.body(0, final_return=True) or ["pass"]
        lines += ["        " + line for line in body]
    cls.lines = lines
    cls.written = _written("\n".join(lines))
    return cls


def _written(source: str) -> set[str]:
    """Attributes of self assigned (or item-assigned) outside __init__."""
    import ast

    out: set[str] = set()
    for fn in ast.walk(ast.parse(source)):
        if isinstance(fn, ast.FunctionDef) and fn.name != "__init__":
            for n in ast.walk(fn):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else []
                for t in targets:
                    for sub in ast.walk(t):
                        if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name)
                                and sub.value.id == "self"):
                            out.add(sub.attr)
    return out


def _recursive_body(draw: Callable[[Any], Any], cls: ClassInfo, index: int, m: MethodInfo) -> list[str]:
    """`rec(v, d)` recurses on the Python int `d` (its default when called from outside)."""
    gen = BodyGen(draw, cls, index, m)
    pre = gen.body(1, final_return=False)
    step = gen.pick([f"self.rec(({gen.bexpr(1, calls=False)}) % {M}, d - 1)",
                     f"self.rec(v, d=d - 1) + {gen.bexpr(0)}"])
    return [*pre, "if d > 0:", f"    return ({step}) % {M}", f"return ({gen.aexpr(1)}) % {M}"]


def _script(draw: Callable[[Any], Any], cls: ClassInfo) -> list[Step]:
    public = [m for m in cls.methods if not m.name.startswith("_") or m.name == "__call__"]
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        if cls.props and draw(st.integers(0, 5)) == 0:
            steps.append(Step(f"prop:{cls.props[0]}", (), {}))
            continue
        if not public:
            break
        m = draw(st.sampled_from(public))
        args: list[int] = [draw(st.integers(0, 4))]
        kwargs: dict[str, int] = {}
        if "w" in m.params and draw(st.booleans()):
            if draw(st.booleans()):
                kwargs["w"] = draw(st.integers(0, 4))
            else:
                args.append(draw(st.integers(0, 4)))
        steps.append(Step(m.name, tuple(args), kwargs))
    return steps


@st.composite
def programs(draw: Callable[[Any], Any]) -> Program:
    """A module with 0-2 child classes and a main class, and a script of calls on the main class."""
    children: list[ClassInfo] = []
    for i in range(draw(st.integers(0, 2))):
        children.append(gen_class(draw, f"Child{i}", [], small=True))
    main = gen_class(draw, "Main", children, small=False)
    parts = [HEADER]
    for c in [*children, main]:
        parts.append(DECORATOR + "\n" + "\n".join(c.lines) + "\n\n\n")
    init_kwargs = {"k": draw(st.integers(1, 3))} if main.init_params else {}
    return Program("".join(parts), "Main", init_kwargs, _script(draw, main), main)
