"""Object-semantics fuzzer (issue 12, kinds 3, 7, 8, 10, 11): random classes built from the
forms where purify's objects could part from Python's, and random scripts run on them.

The forms: one mutable object in two places (two fields, `[[0, 0]] * 2`, a list or NumPy
array from the caller, a mutable default, a class attribute, a module global), children used
through their constants, properties, static and class methods, dunders and protocols, returned,
replaced, assigned into a list of children and copied; generated-helper names taken by the
user's functions and locals, defaults naming class attributes, fields shadowing class
attributes, method aliases, a child class reached through an alias; static `-0.0` and mutable
configuration objects; attributes of self as loop or `with` targets, `defaultdict` fields,
methods under `if`, children made in methods, name-mangled fields read from outside, and a
state buffer passed to `purify.jit` as an argument.

The reference is the plain class, run eagerly by a script of steps (method calls, reads of
children, identity, replacements, copies). The decorated instance must give the same result for
every step, or refuse with a `PurifyError` (located, when raised at decoration or at `Cls.init`);
any other exception where Python ran is an internal error, a failure. When the decorator
accepts, the method calls alone also run through the pure API under `jax.jit` and through the
module `purify convert` writes, and must agree with the plain class.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from .differential import Mismatch, compare, load_module, snap, tmpdir, unload

# PURIFY_FUZZ_OBJECT_KINDS=3,7 draws only the forms of those kinds of issue 12 (to show what each
# kind does to an engine); by default every kind.
# Kind 14 (issue 14): caching properties read inside the class, of self and of a child, and an
# augmented assignment to a child (`self.k += self.ks[0]`, the child's `__iadd__`).
KINDS = frozenset(int(k) for k in os.environ.get("PURIFY_FUZZ_OBJECT_KINDS", "3,7,8,10,11,14").split(","))

HEADER = """\
import collections
import contextlib
import copy
import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import purify

TABLE = [0, 0]


class Cfg:
    def __init__(self):
        self.scale = 2


@dataclasses.dataclass(frozen=True)
class Frozen:
    scale: int = 3


CFG, FROZEN = Cfg(), Frozen()
"""

CHILD = """
@purify.stateful
class K:
    LIMIT = 7

    def __init__(self, n=0):
        self.n = n

    def inc(self):
        self.n += 1
        return self.n

    def count(self):
        self.n += 2
        return self.n

    def index(self, v):
        return v + 100 + self.n

    @staticmethod
    def twice(v):
        return 2 * v

    @classmethod
    def limit(cls):
        return cls.LIMIT

    @property
    def double(self):
        return self.n * 2

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return self.n + i

    def __bool__(self):
        return self.n > 1

    def __contains__(self, v):
        return v == self.n

    @property
    def cached(self):
        self.n += 3
        return self.n

    def __iadd__(self, other):
        self.n += other.n + 1
        return self
"""

# Reads of caching properties (`P.total`, `K.cached` change the state they read) inside a method,
# threaded like calls in Python's order; those Python may not evaluate are refused.
CACHE_READS = ["self.total", "self.total + self.n", "self.n + self.total * self.n", "self.k.cached + self.k.n",
               "self.k.n + self.k.cached * 2", "max(self.total, self.n + 1)", "(self.total, self.n, self.total)"]
CACHE_REFUSED = ["[self.total for _ in range(2)]", "self.n > 0 and self.total", "self.ks[0].cached",
                 "self.total if self.n else 0"]

# A child expression inside a method, read as Python reads it: kept (class lookups, named calls)
# or refused (protocols acting on the State tuple).
CHILD_READS = [
    "self.k.LIMIT", "self.k.double", "self.k.twice(3)", "self.k.limit()", "self.ks[1].LIMIT", "self.ks[0].double",
    "self.ks[1].limit()", "self.k.index(1)", "self.k.__len__()", "self.k.__getitem__(2)", "self.k.n",
    "sum(c.double + c.LIMIT for c in self.ks)",
]
CHILD_PROTOCOLS = [
    "len(self.k)", "self.k[1]", "1 in self.k", "bool(self.k)", "5 if self.k else 6", "not self.ks[0]",
    "self.k == self.ks[0]", "str(self.k)[:2]", "[len(c) for c in self.ks]", "isinstance(self.k, K)",
]
CHILD_CALLS = ["self.k.count()", "self.k.inc()", "self.ks[0].inc()", "self.ks[1].count()"]


@dataclasses.dataclass
class ObjectCase:
    source: str  # the module (decorated)
    init: str  # the constructor call, as code (`P(xs)`), with `xs` the caller's list
    steps: list[str]  # statements of the eager script; `out(v)` records a value
    calls: list[tuple[str, tuple[int, ...]]]  # the method calls of the pure-API run
    arg: str = "[0, 0]"  # the caller's value `xs`

    def plain(self) -> str:
        return "\n".join("" if ln.strip() == "@purify.stateful" else ln for ln in self.source.splitlines()) + "\n"

    def describe(self) -> str:
        return (f"{self.source}\n# xs = {self.arg}\n# p = {self.init}\n"
                + "".join(f"# {s}\n" for s in self.steps) + f"# pure API calls: {self.calls}\n")


class _Gen:
    def __init__(self, draw: Callable[[Any], Any]) -> None:
        self.draw = draw
        # How often the forms purify refuses are drawn; the rest of the time the kept ones run.
        self.h = draw(st.sampled_from([0.0, 0.0, 0.2, 0.5, 1.0]))

    def pick(self, xs: list[Any]) -> Any:
        return self.draw(st.sampled_from(xs))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) < round(p * 100)

    def hostile(self, p: float, kind: int) -> bool:
        return kind in KINDS and self.chance(p * self.h)

    def kept(self, p: float, kind: int) -> bool:
        return kind in KINDS and self.chance(p)

    def case(self) -> ObjectCase:
        module: list[str] = [HEADER]
        if self.kept(0.15, 8):
            module.append(self.pick(["\ndef _merge(a, b):\n    return 'user'\n",
                                     "\ndef _setitem(a, b, c):\n    return 'user'\n"]))
        module.append(CHILD)
        child_cls = "K"
        if self.kept(0.2, 11):
            module.append("\nLayer = K\n")
            child_cls = "Layer"
        body, init, steps, calls = self.parent(child_cls)
        module.append("\n@purify.stateful\nclass P:\n" + "\n".join("    " + ln if ln else "" for ln in body) + "\n")
        return ObjectCase("".join(module), init, steps, calls, self.pick(["[0, 0]", "np.zeros(2, int)", "[0, 0, 0]"]))

    def parent(self, child_cls: str) -> tuple[list[str], str, list[str], list[tuple[str, tuple]]]:
        body = ["SCALE = 3"]
        if self.kept(0.3, 3):
            body.append("SHARED = [0, 0]")
        if self.kept(0.2, 8):
            body.append("n = 100  # a class attribute the field n shadows")
        params = ["xs"]
        if self.kept(0.3, 3):
            params.append("d=[0, 0]")
        if self.kept(0.3, 8):
            params.append("s=SCALE")
        init = [f"self.n = {'s' if 's=SCALE' in params else 0}"]
        # the list field `a` (changed in place by `poke`) and where its value comes from
        risky = ["xs", "self.SHARED" if "SHARED = [0, 0]" in body else "xs", "d" if "d=[0, 0]" in params else "xs",
                 "TABLE", "[[0, 0]] * 2", "rows[0]"]
        source = self.pick(risky) if self.hostile(0.6, 3) else self.pick(["[0, 0]", "list(xs)", "[[0, 0] for _ in range(2)]"])
        if source == "rows[0]":
            init.append("rows = [[0, 0], [1, 1]]")
        if source in ("[[0, 0]] * 2", "[[0, 0] for _ in range(2)]"):
            init.append(f"self.a = {source}")
            poke = "self.a[0][0] = v"
        else:
            init.append(f"self.a = {source}")
            poke = "self.a[0] = v"
        second = self.pick(["self.a", "rows[0]" if source == "rows[0]" else "self.a"]) if self.hostile(0.3, 3) else \
            self.pick(["none", "[3, 3]"])
        if second != "none":
            init.append(f"self.b = {second}")
        init.append(f"self.k = {child_cls}()")
        init.append(f"self.ks = [{child_cls}(), {child_cls}(1)]")
        if self.kept(0.2, 11):
            init.append("self.__secret = 1")
        if self.kept(0.5, 10):
            params += ["z=0.0", f"cfg={self.pick(['CFG', 'FROZEN'])}"]
            init += ["self.z = z", "self.cfg = cfg"]
        if self.hostile(0.2, 11):
            init.append("self.dd = collections.defaultdict(int)")
        if self.hostile(0.1, 8):
            init.append("self.init = 1")
        if self.kept(0.2, 3):
            init.append(f"self.a[0] = {'[9, 9]' if 'range' in source or '*' in source else 9}  # in place, in __init__")
        init.append("self.i = 0")
        body += ["", f"def __init__(self, {', '.join(params)}):", *["    " + ln for ln in init]]
        methods: list[str] = []
        names: list[str] = []

        def method(name: str, lines: list[str], params: str = "") -> None:
            names.append(name)
            methods.extend(["", f"def {name}(self{params}):", *["    " + ln for ln in lines]])

        method("poke", [poke, "return self.a" + (", self.b" if second != "none" else "")], ", v=5")
        method("peek", ["return self.a" + (", self.b" if second != "none" else "")])
        reads = CHILD_READS if 7 in KINDS else ["self.k.n", "self.ks[1].n"]
        method("reads", [f"return {self.pick(reads)}, {self.pick(reads)}"])
        method("step", [f"x = {self.pick(CHILD_CALLS)}", f"self.n += x + {self.pick(reads)}", "return self.n"])
        if 7 in KINDS:
            method("get", ["return self.k"])
        if 11 in KINDS:
            method("swap", [f"self.k = {child_cls}(5)", "return self.k.inc()"])
        if self.hostile(0.5, 7):
            method("protocol", [f"return {self.pick(CHILD_PROTOCOLS)}"])
        if self.kept(0.3, 8):
            method("scaled", ["self.n += k", "return self.n"], ", k=SCALE")
        if self.hostile(0.3, 11):
            target = self.pick(["for self.i in range(3):\n        pass", "[0 for self.i in range(3)]",
                                "with contextlib.nullcontext(4) as self.i:\n        pass"])
            method("loop", [*target.replace("\n    ", "\n").split("\n"), "return self.i"])
        if "self.dd = collections.defaultdict(int)" in init:
            method("tally", ["self.dd['a'] += 1", "return self.dd['a']"])
        if self.hostile(0.3, 8):
            method("local", [f"{self.pick(['_setitem', '_merge'])} = 5", "self.n += 1", "return self.n"])
        if self.kept(0.2, 11):
            methods += ["", "bump = step"]
            if self.hostile(0.6, 11):
                method("twice", ["return self.bump() + self.bump()"])
        if self.hostile(0.2, 11):
            methods += ["", "if True:", "    def extra(self):", "        self.n += 1", "        return self.n"]
        if self.kept(0.2, 11):
            method("renew", [f"self.ks[1] = {child_cls}(7)", "return self.ks[1].inc()"])
        if self.kept(0.5, 14):
            methods += ["", "@property", "def total(self):", "    self.n += 1", "    return self.n * 2"]
            read = self.pick(CACHE_REFUSED) if self.hostile(0.3, 14) else self.pick(CACHE_READS)
            method("cache_read", [f"y = {read}", "return y, self.n, self.k.n"])
            method("cache_test", ["if self.total > 4:", "    y = self.total", "else:", "    y = self.k.cached",
                                  "return y, self.n, self.k.n"])
            # a cache whose body calls an item of the children a loop visits
            methods += ["", "@property", "def poked(self):", "    self.ks[1].inc()", "    return self.ks[1].n"]
            method("cache_loop", ["out = []", "for c in self.ks:", "    y = self.poked", "    out.append(c.inc() + y)",
                                  "return out, [c.n for c in self.ks]"])
        if self.hostile(0.4, 14):  # a caching read where what it runs changes the state Python shows
            methods += ["", "@property", "def risky(self):", "    self.n += 1", "    self.a[0] = self.n",
                        "    if self.n > 1:", "        raise ValueError(self.n)", "    return self.n"]
            method("guarded", self.pick([
                ["try:", "    y = self.risky", "except ValueError:", "    y = -1", "return y, self.n"],
                ["y = self.a + [self.risky, 0]" if poke == "self.a[0] = v" else "y = self.risky",
                 "return y, self.n"],
                ["with contextlib.suppress(ValueError):", "    self.n += self.risky", "return self.n"]]))
        if self.kept(0.3, 14):
            method("merge", [f"self.k += self.ks[{self.pick([0, 1])}]", "return self.k.n"])
        if "z=0.0" in params:
            method("sign", ["self.n += 1", "return jnp.copysign(1.0, self.z)"])
            method("cfg_scale", ["self.n += self.cfg.scale", "return self.n"])
        body += methods
        calls = [(n, ()) for n in self.draw(st.lists(st.sampled_from(names), min_size=1, max_size=5))]
        steps = self.steps(names, "self.__secret = 1" in init)
        if "z=0.0" in params:  # a static -0.0 after 0.0 under one jit; a configuration changed after a jit
            steps += self.pick([["out(sign_of(0.0)); out(sign_of(-0.0))"],
                                ["f = fast(p.cfg_scale); out(f()); p.cfg.scale = 10; out(f())"]])
        if source in risky or second != "none":  # make the sharing show: change in place, then look
            steps[:0] = ["out(p.poke())", "out(p.peek())", "out(list(xs) if isinstance(xs, list) else xs.tolist())",
                         "p2 = P([0, 0]); out(p2.peek())"]
        return body, "P(xs)", steps, calls

    def steps(self, names: list[str], secret: bool) -> list[str]:
        pool = [f"out(p.{n}())" for n in names] + ["out(p.k.n)", "q = copy.deepcopy(p); q.step(); out((p.n, q.n))"]
        if 3 in KINDS:
            pool.append("out(list(xs) if isinstance(xs, list) else xs.tolist())")
        if secret:
            pool.append("p._P__secret = 4; out(p._P__secret)")
        if "cache_read" in names:
            pool += ["out(p.total)", "out((p.k.cached, p.k.n))"]
        if 7 not in KINDS:
            return self.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))
        pool += [
            "out(p.k is p.k)", "out(p.ks[0] is p.ks[0])", "out(type(p.ks).__mro__[-2].__name__)",
            "g = p.get(); g.inc(); out((g is p.k, p.k.n))",
            "old = p.k; p.swap(); old.inc(); out((old.n, p.k.n, old is p.k))",
            "old = p.k; p.k = K(4); old.inc(); out((old.n, p.k.n))",
            "kid = K(2); p.k = kid; kid.inc(); out((p.k.n, p.k is kid))",
            "it = p.ks[0]; p.ks[0] = K(3); it.inc(); out((it.n, p.ks[0].n))",
            "q = copy.copy(p); q.k = K(6); q.k.inc(); out((p.k.n, q.k.n))",
            "q = copy.copy(p); q.k.inc(); out((p.k.n, q.k.n))",
            "out(p.k.double + p.k.LIMIT + p.k.twice(1) + len(p.k) + p.k[1])",
        ]
        pool = [x for x in pool if "p.swap" not in x or "swap" in names]
        return self.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6))


def parse(text: str) -> ObjectCase:
    """The case `ObjectCase.describe()` wrote (the regressions kept in tests/fuzz/regressions/)."""
    import ast

    source, _, rest = text.partition("\n# xs = ")
    lines = [ln[2:] for ln in ("# xs = " + rest).splitlines() if ln.startswith("# ")]
    arg = lines[0].removeprefix("xs = ")
    init = lines[1].removeprefix("p = ")
    calls = ast.literal_eval(lines[-1].removeprefix("pure API calls: "))
    return ObjectCase(source + "\n", init, lines[2:-1], calls, arg)


@st.composite
def cases(draw: Callable[[Any], Any]) -> ObjectCase:
    return _Gen(draw).case()


# -- the check -------------------------------------------------------------------


class InternalError(AssertionError):
    """purify raised something other than a PurifyError where Python ran."""


def _snap(value: Any) -> Any:
    """`snap`, with objects of decorated classes (and their views) as their States."""
    if hasattr(type(value), "__purify__"):
        import purify

        return snap(purify.state_of(value))
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return tuple(_snap(v) for v in value)
    return snap(value)


def _transforms(module: Any, env: dict[str, Any]) -> tuple[Any, Any]:
    """`fast(obj.m)`: purify.jit of it (the plain class: the method itself); `sign_of(z)`: P.sign
    of an object made with z, through one `jax.jit(P.sign)` for every z (plain: eagerly)."""
    import jax
    import purify

    if "__purify__" not in vars(module.P):
        return (lambda m: m), (lambda z: module.P(env["xs"], z=z).sign())
    compiled = jax.jit(module.P.sign) if hasattr(module.P, "sign") else None
    return purify.jit, (lambda z: compiled(module.P.init(env["xs"], z=z))[0])


def _run_script(module: Any, case: ObjectCase) -> list[Any]:
    """[("ok", snapshot) | ("raised", exception type name)] for the constructor and each step."""
    import numpy as np

    results: list[Any] = []
    env: dict[str, Any] = {"np": np, "copy": __import__("copy"), "K": module.K, "P": module.P}
    env["xs"] = eval(case.arg, env)
    outs: list[Any] = []
    env["out"] = lambda v: outs.append(_snap(v))
    env["fast"], env["sign_of"] = _transforms(module, env)
    try:
        env["p"] = eval(case.init, env)
    except Exception as e:  # noqa: BLE001
        return [("raised", type(e).__name__, e)]
    results.append(("ok", "made"))
    for step in case.steps:
        outs.clear()
        try:
            exec(step, env)  # noqa: S102
        except Exception as e:  # noqa: BLE001
            results.append(("raised", type(e).__name__, e))
            return results
        results.append(("ok", tuple(outs)))
    return results


def check_case(case: ObjectCase) -> str:
    import purify

    plain = load_module(case.plain(), "objplain")
    try:
        try:
            deco = load_module(case.source, "objdeco")
        except purify.PurifyError as e:
            _located(e, "decoration")
            return "refused at decoration"
        except Exception:  # noqa: BLE001
            raise InternalError(f"decoration raised:\n{traceback.format_exc()}") from None
        try:
            return _compare(plain, deco, case)
        finally:
            unload(deco)
    finally:
        unload(plain)


def _compare(plain: Any, deco: Any, case: ObjectCase) -> str:
    import purify

    want, got = _run_script(plain, case), _run_script(deco, case)
    for i, (w, g) in enumerate(zip(want, got)):
        where = "the constructor" if i == 0 else f"step {i}: {case.steps[i - 1]}"
        if g[0] == "raised" and isinstance(g[2], purify.PurifyError):
            if i == 0:
                _located(g[2], "Cls.init")
            return f"refused at {'init' if i == 0 else 'run time'}"
        if g[0] == "raised" and w[0] != "raised":
            raise InternalError(f"{where}: purify raised {g[1]} where Python ran:\n"
                                + "".join(traceback.format_exception(g[2])[-6:]))
        if w[0] == "raised":
            if g[0] != "raised" or g[1] != w[1]:
                raise Mismatch(f"{where}: Python raised {w[1]}, purify gave {g[:2]}")
            return "both raised"
        compare(w[1], g[1], where)
    if len(want) != len(got):
        raise Mismatch(f"the scripts ran {len(want)} and {len(got)} steps")
    return "+".join(["instance", *_pure_runs(plain, deco, case)])


def _pure_runs(plain: Any, deco: Any, case: ObjectCase) -> list[str]:
    """The method calls alone, through the pure API under jax.jit and through `purify convert`."""
    import jax
    import numpy as np

    env = {"np": np}
    obj = plain.P(eval(case.arg, env))
    want = []
    for name, args in case.calls:
        try:
            want.append(_snap(getattr(obj, name)(*args)))
        except Exception:  # noqa: BLE001 - a call Python itself refuses: no pure run
            return []
    ran = []
    for label, module in (("jit", deco), ("convert", _converted(case))):
        if module is None:
            continue
        try:
            state = module.P.init(eval(case.arg, env))
        except Exception as e:  # noqa: BLE001
            if "PurifyError" in type(e).__name__:
                continue
            raise InternalError(f"{label}: P.init raised:\n{traceback.format_exc()}") from None
        for (name, args), expected in zip(case.calls, want):
            fn = getattr(module.P, name)
            try:
                out, state = (jax.jit(fn) if label == "jit" else fn)(state, *args)
            except Exception as e:  # noqa: BLE001
                if "PurifyError" in type(e).__name__:
                    break
                raise InternalError(f"{label}: P.{name} raised:\n{traceback.format_exc()}") from None
            compare(expected, _snap(out), f"{label} output of {name}")
        ran.append(label)
    return ran


def _converted(case: ObjectCase) -> Any:
    from . import cli

    if not cli.available():
        return None
    path = os.path.join(tmpdir(), f"obj_convert_{os.getpid()}.py")
    with open(path, "w") as f:
        f.write(case.source)
    try:
        text = cli.convert_file(path)
    except cli.ConvertFailed as e:
        if "Traceback" in e.stderr or ":" not in e.stderr:
            raise InternalError(f"purify convert failed without a located error:\n{e.stderr}") from None
        return None
    return load_module(text, "objconv")


def _located(e: BaseException, when: str) -> None:
    if getattr(e, "filename", None) is None or getattr(e, "lineno", None) is None:
        raise InternalError(f"a PurifyError at {when} without a location: {e}")
