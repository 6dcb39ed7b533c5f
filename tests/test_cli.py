"""`purify convert` (DESIGN §2): the converted modules run without purify and their pure API
is the decorator's; every flag and exit status; stdin, directories, idempotence, comments,
and the input is never executed."""

from __future__ import annotations

import ast
import functools
import io
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jax.numpy as jnp
import purify
import pytest
from purify.cli import main

from tests import cli_runner
from tests.conftest import HEADER, assert_same, load_module
from tests.test_core_constructs import CASES, CHILDREN, INHERIT, NO_JIT, STATIC

ROOT = Path(__file__).resolve().parent.parent
PYENV = Path("/root/.pyenv/versions")
OTHER_PYTHONS = sorted(PYENV.glob("3.1[0-3].*/bin/python")) if PYENV.exists() else []


# -- helpers ----------------------------------------------------------------------------------


def convert(*args: str | Path, stdin: str | None = None, tty: bool = False) -> tuple[int, str, str]:
    """Run `purify convert ARGS` in this process; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), _Err(tty)
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode()), encoding="utf-8")
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["convert", *map(str, args)])
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


class _Err(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def write(path: Path, source: str, header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((HEADER if header else "") + textwrap.dedent(source))
    return path


def run_without_purify(runs: list, paths: list[Path], block: str = "none", imports: list[str] = ()) -> dict:
    """Run the pure API of converted modules in a subprocess where purify cannot be imported."""
    tmp = paths[0]
    plan, results = tmp / "_plan.pkl", tmp / "_results.pkl"
    plan.write_bytes(pickle.dumps({"block": block, "paths": [str(p) for p in paths], "runs": runs,
                                   "imports": list(imports)}))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "cli_runner.py"), str(plan), str(results)],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr
    return pickle.loads(results.read_bytes())


def decorated(module, cls: str, init: tuple, kwargs: dict, calls: list, static: dict, jit: bool = True):
    """The decorator's pure API, run by the same code as the converted one's."""
    return cli_runner.run(module.__name__, cls, init, kwargs, calls, static, jit)


def ruff(path: Path, *rules: str) -> subprocess.CompletedProcess:
    select = ["--select", ",".join(rules)] if rules else []
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", *select,
                           "--output-format", "concise", str(path)], capture_output=True, text=True, check=False)


CLASSIC = ("E4", "E7", "E9", "F")  # ruff's default rules until 0.15; later versions select more


def ruff_findings(path: Path, *rules: str) -> dict[str, dict[str, int]]:
    """File name (relative to `path`) -> rule code -> count, for one ruff run over a file or a
    folder (ruff's own default rule set when no rules are given)."""
    out = ruff(path, *rules).stdout
    counts: dict[str, dict[str, int]] = {}
    for file, code in re.findall(r"^(.*?):\d+:\d+: ([A-Z]+\d+)", out, re.MULTILINE):
        rel = Path(file).resolve().relative_to(path.resolve()).as_posix() if path.is_dir() else Path(file).name
        per = counts.setdefault(rel, {})
        per[code] = per.get(code, 0) + 1
    return counts


def added_findings(original: Path, converted: Path) -> list[str]:
    """The ruff findings a conversion added, with ruff's classic defaults and its current ones."""
    out = []
    for rules in (CLASSIC, ()):
        before, after = ruff_findings(original, *rules), ruff_findings(converted, *rules)
        for file, codes in sorted(after.items()):
            new = {c: n for c, n in codes.items() if n > before.get(file, {}).get(c, 0)}
            if new:
                out.append(f"{file}: {new}\n{ruff(converted / file, *rules).stdout}")
    return out


def _calls(calls: list) -> list:
    return [(c[0], tuple(c[1]), c[2] if len(c) > 2 else {}) for c in calls]


# -- every supported construct: decorator vs converted module, under jax.jit ---------------

EXTRA_CASES = [
    ("comments_and_blank_lines", '''
        # A comment above the class stays above it.
        @purify.stateful  # the decorator line goes, its comment stays
        class Counter:  # on the class line
            """A simple counter."""

            # the step, set in __init__
            STEP = 1

            def __init__(self, start=0):
                # the count starts at start
                self.n = start  # trailing on a folded assignment
                self.total = jnp.zeros(())  # running total

            # a comment between methods
            def count(self) -> int:
                """Count one."""
                # bump it
                self.n += self.STEP  # the step

                # blank line above is kept
                self.total = self.total + self.n
                return self.n  # the new count
                # a comment at the end of the method

            def reset(self):
                self.n = 0
            # a comment at the end of the class
        ''', "Counter", (3,), [("count", ()), ("count", ()), ("reset", ()), ("count", ())]),
    ("private_names_and_properties", '''
        @purify.stateful
        class Private:
            def __init__(self):
                self._count = 0
                self.__secret = jnp.ones(2)

            @property
            def doubled(self):
                return self.__secret * 2

            def __bump(self):
                self._count += 1
                return self._count

            def step(self, x):
                k = self.__bump()
                self.__secret = self.__secret + x
                return self.doubled + k

            @staticmethod
            def helper(x):
                return x + 1

            @classmethod
            def make(cls):
                return cls.helper(1)

            def use(self):
                return self.helper(2) + self.make()
        ''', "Private", (), [("step", (1.0,)), ("step", (2.0,)), ("use", ())]),
    ("aliases", '''
        import purify as pf
        from purify import stateful as st
        from purify import param


        @st
        class A:
            def __init__(self):
                self.w = param(jnp.ones(2))
                self.n = 0

            def f(self, x):
                self.n += 1
                return self.w * x


        @pf.stateful
        class B:
            def __init__(self):
                self.a = A()
                self.m = pf.static(3)

            def __call__(self, x):
                return self.a.f(x) * self.m
        ''', "B", (), [("__call__", (2.0,)), ("__call__", (3.0,))]),
    ("fstrings_rewritten_and_kept", '''
        @purify.stateful
        class Names:
            def __init__(self, names=("a", "b")):
                self._names = tuple(names)
                self.label = f"{', '.join(names)}"
                self.n = 0

            def describe(self):
                self.n += 1
                return f"{', '.join(self._names)}: {self.label!r:>{self.n}} {'x' if self.n else 'y'}"

            def count(self):
                self.n += 1
                return len(f"{self._names}") + self.n
        ''', "Names", (), [("count", ()), ("count", ())]),
    ("rng_field_and_local", '''
        @purify.stateful
        class Noisy:
            def __init__(self, seed):
                rng = purify.Rng(seed)  # a local stream, used while building
                self.w = jax.random.normal(rng(), (3,))
                self.b = jax.random.normal(rng(), (3,))
                self.rng = purify.Rng(seed + 1)

            def __call__(self, x):
                return x * self.w + self.b + jax.random.normal(self.rng(), (3,))
        ''', "Noisy", (0,), [("__call__", (1.0,)), ("__call__", (1.0,))]),
    ("rng_imported_by_name", '''
        from purify import Rng


        @purify.stateful
        class Drawn:
            def __init__(self, seed):
                self.rng = Rng(seed)  # the copied Rng of the output, though the file named purify's
                self.n = 0

            def __call__(self, x):
                self.n += 1
                return x + jax.random.normal(self.rng(), ())
        ''', "Drawn", (0,), [("__call__", (1.0,)), ("__call__", (1.0,))]),
    ("value_and_grad_split_merge", '''
        @purify.stateful
        class Lin:
            def __init__(self):
                self.w = purify.param(jnp.array([1.0, -2.0]))
                self.calls = 0

            def loss(self, x, y):
                self.calls += 1
                return jnp.mean((x @ self.w - y) ** 2)


        @purify.stateful
        class Fit:
            def __init__(self):
                self.model = Lin()
                self.steps = 0

            def step(self, x, y):
                loss, grads = purify.value_and_grad(self.model.loss)(x, y)
                params, rest = purify.split(self.model)
                self.model = purify.merge(jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads), rest)
                self.steps += 1
                return loss
        ''', "Fit", (), [("step", (jnp.ones((4, 2)), jnp.zeros(4))), ("step", (jnp.ones((4, 2)), jnp.zeros(4)))]),
    ("static_config_and_nested_function", '''
        @purify.stateful
        class Dense:
            def __init__(self, features, scale=2.0):
                self.features = features
                self.scale = scale
                self.w = jnp.ones((features,))

            def __call__(self, x):
                def act(v):
                    return jnp.tanh(v) * self.scale
                self.w = self.w + 1
                return act(x * self.w) + jnp.zeros((self.features,))
        ''', "Dense", (3,), [("__call__", (jnp.ones(3),)), ("__call__", (jnp.ones(3),))]),
]

CHILD_RUNS = [
    ("children_mlp", CHILDREN, "MLP", (0, (3, 5, 2)),
     [("__call__", (jnp.arange(3.0),)), ("shrink_all", (0.5,)), ("__call__", (jnp.arange(3.0),)),
      ("first", (jnp.arange(3.0),))]),
    ("children_pair", CHILDREN, "Pair", (0,), [("__call__", (jnp.arange(3.0),)), ("both", (jnp.arange(3.0),)),
                                                ("count", ())]),
    ("children_deep", CHILDREN, "Deep", (0, 3, 3), [("__call__", (jnp.arange(3.0),)), ("shrink_last", (0.5,))]),
    ("inherit_child", INHERIT, "Child", (1, 3), [("hit", ()), ("combo", ()), ("describe", ()), ("hit", (), {"k": 3})]),
    ("inherit_grandchild", INHERIT, "GrandChild", (2, 5), [("bump", ()), ("hit", ()), ("combo", ())]),
]


def _all_cases() -> list[tuple]:
    """(id, source, class, init args, calls, static, jit) for every construct."""
    out = [(name, src, cls, init, calls, STATIC.get(name, {}), name not in NO_JIT)
           for name, src, cls, init, calls in CASES]
    out += [(name, src, cls, init, calls, {}, True) for name, src, cls, init, calls in EXTRA_CASES]
    out += [(name, src, cls, init, calls, {}, True) for name, src, cls, init, calls in CHILD_RUNS]
    return out


@pytest.fixture(scope="module")
def constructs(tmp_path_factory):
    """Every case written to a file, imported with the decorator, and converted in one run."""
    src_dir = tmp_path_factory.mktemp("cases")
    out_dir = tmp_path_factory.mktemp("converted")
    cases = {}
    for name, source, cls, init, calls, static, jit in _all_cases():
        module_name = f"cli_case_{name}"
        module = load_module(source, name=module_name, directory=src_dir)
        cases[name] = (module, cls, init, _calls(calls), static, jit)
    code, _, err = convert(*sorted(src_dir.glob("cli_case_*.py")), "-o", out_dir)
    assert code == 0, err
    return cases, src_dir, out_dir


def test_every_construct_converts_and_matches_the_decorator_under_jit(constructs):
    cases, _, out_dir = constructs
    runs = [(name, m.__name__, cls, init, {}, calls, static, jit) for name, (m, cls, init, calls, static, jit)
            in cases.items()]
    results = run_without_purify(runs, [out_dir])
    failures = []
    for name, (module, cls, init, calls, static, jit) in cases.items():
        want = decorated(module, cls, init, {}, calls, static, jit)
        got = results[name]
        if got[0] != "ok":
            failures.append(f"{name}: the converted module failed:\n{got[1]}")
            continue
        try:
            assert_same(want[0], got[1], where=f"{name} outputs")
            assert_same(want[1], got[2], where=f"{name} final state")
        except AssertionError as e:
            failures.append(f"{name}: {e}")
    assert not failures, "\n\n".join(failures)


def test_converted_modules_import_no_purify_and_pass_ruff(constructs):
    _, src_dir, out_dir = constructs
    for path in sorted(out_dir.glob("cli_case_*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "purify" for a in node.names), path.name
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "purify", path.name
        decorators = [ast.unparse(d) for n in ast.walk(tree) if isinstance(n, (ast.ClassDef, ast.FunctionDef))
                      for d in n.decorator_list]
        assert not [d for d in decorators if re.match(r"(purify|pf|st)\b", d)], path.name
    # The cases import jax, jnp and np whether they use them or not (F401 in the input too): the
    # conversion must add no finding, with ruff's classic default rules or its larger default set.
    added = added_findings(src_dir, out_dir)
    assert not added, "ruff findings the conversion added:\n" + "\n".join(added)


@pytest.mark.skipif(not OTHER_PYTHONS, reason="pyenv's Pythons are not installed")
def test_output_parses_on_every_supported_python(constructs):
    _, _, out_dir = constructs
    files = [str(p) for p in sorted(out_dir.glob("*.py"))]
    script = "import ast, sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, 'exec', ast.PyCF_ONLY_AST)"
    for python in OTHER_PYTHONS:
        proc = subprocess.run([str(python), "-c", script, *files], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{python}:\n{proc.stderr}"


def _pythons_with_jax() -> list[Path]:
    return [p for p in OTHER_PYTHONS
            if subprocess.run([str(p), "-c", "import jax"], capture_output=True, check=False).returncode == 0]


@pytest.mark.skipif(not OTHER_PYTHONS, reason="pyenv's Pythons are not installed")
def test_convert_writes_the_same_bytes_whichever_python_runs_it(constructs, tmp_path):
    """`ast.unparse` differs between 3.10 and 3.13 (f-string quotes, tuple parentheses); the emitter
    does not. Each Python with jax installed runs `purify convert` on all the cases."""
    _, src_dir, out_dir = constructs
    pythons = _pythons_with_jax()
    if not pythons:
        pytest.skip("no pyenv Python has jax installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for python in pythons:
        dest = tmp_path / python.parent.parent.name
        proc = subprocess.run([str(python), "-m", "purify", "convert", *sorted(map(str, src_dir.glob("cli_case_*.py"))),
                               "-o", str(dest), "-q"], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
        assert proc.returncode == 0, f"{python}:\n{proc.stderr}"
        for path in sorted(out_dir.glob("cli_case_*.py")):
            assert (dest / path.name).read_text() == path.read_text(), f"{python} wrote {path.name} differently"


@pytest.mark.skipif(not OTHER_PYTHONS, reason="pyenv's Pythons are not installed")
def test_converted_modules_run_on_other_pythons(constructs):
    """The emitted modules run (not just parse) on each Python with jax: a quick jitted call each."""
    cases, _, out_dir = constructs
    pythons = _pythons_with_jax()
    if not pythons:
        pytest.skip("no pyenv Python has jax installed")
    script = textwrap.dedent("""
        import importlib, sys
        sys.modules["purify"] = None
        sys.path.insert(0, sys.argv[1])
        import jax
        for name in sys.argv[2:]:
            m = importlib.import_module(name)
            assert "purify" not in sys.modules or sys.modules["purify"] is None
        import cli_case_counter as c
        s = c.Counter.init()
        f = jax.jit(c.Counter.count)
        for _ in range(3):
            v, s = f(s)
        assert int(v) == 3, v
        import cli_case_children_mlp as mlp
        s = mlp.MLP.init(0, (3, 5, 2))
        out, s = jax.jit(mlp.MLP.__call__)(s, jax.numpy.ones(3))
        assert out.shape == (2,) and int(s.steps) == 1
        print("ok")
        """)
    names = [m.__name__ for m, *_ in cases.values()]
    for python in pythons:
        proc = subprocess.run([str(python), "-c", script, str(out_dir), *names], capture_output=True, text=True,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, timeout=600, check=False)
        assert proc.returncode == 0 and "ok" in proc.stdout, f"{python}:\n{proc.stderr[-3000:]}"


def test_source_shows_what_convert_writes(constructs):
    cases, _, out_dir = constructs
    for name in ("counter", "comments_and_blank_lines", "children_mlp", "aliases", "rng_field_and_local",
                 "value_and_grad_split_merge"):
        module, cls, *_ = cases[name]
        text = (out_dir / f"{module.__name__}.py").read_text()
        shown = purify.source(getattr(module, cls))
        assert shown in text, f"{name}: purify.source differs from the CLI output\n{shown}"


# -- the emitted module reads like the seed's CounterV2 (after the checks `init` runs) -----------

COUNTER = '''\
"""A counter."""

import jax
import jax.numpy as jnp

import purify


@purify.stateful
class Counter:
    """A simple counter."""

    def __init__(self, start=0):
        self.n = start  # the count

    def count(self) -> int:
        # bump it
        self.n += 1
        return self.n

    def reset(self):
        self.n = 0


def run(n):
    state = Counter.init()
    for _ in range(n):
        value, state = jax.jit(Counter.count)(state)
    return value
'''

COUNTER_OUT = '''\
# Generated by `purify convert` from counter.py: the @purify.stateful classes are pure JAX code now.
# ruff: noqa: PLW0642 - the pure methods rebind `self`: it is their state, not an instance
"""A counter."""

import types
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as _np


class _Finding:
    """A value `Cls.init` refuses: the State field holding it, what is wrong, what to write."""

    __slots__ = ("field", "hint", "msg")

    def __init__(self, field, msg, hint):
        self.field, self.msg, self.hint = field, msg, hint


def _attr_of(field):
    """The attribute a State field stands for: `count_` -> `_count` (the inverse of the State's names)."""
    stripped = field.rstrip("_")
    return "_" * (len(field) - len(stripped)) + stripped


def _mutable_key(value):
    """One key for an object and every view of it (NumPy arrays share their base's memory)."""
    while isinstance(value, _np.ndarray) and value.base is not None:
        value = value.base
    return id(value)


def _mutables(value, depth=0):
    """The mutable objects inside a value (States of children are walked too)."""
    if depth > 50:
        return
    if isinstance(value, (list, dict, set, _np.ndarray)):
        yield value
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple, set)):
        items = value
    else:
        return
    for item in items:
        yield from _mutables(item, depth + 1)


def _mutable_kind(value):
    """(`a list`, what to copy it with)."""
    if isinstance(value, _np.ndarray):
        return "a NumPy array", "x.copy()"
    if isinstance(value, dict):
        return "a dict", "dict(x)"
    if isinstance(value, set):
        return "a set", "set(x)"
    return "a list", "list(x)"


def _outside_values(cls, init, args, kwargs, globals_):
    """(where, value) for every value from outside the new object that `__init__` could store."""
    for value in (*args, *kwargs.values()):
        yield "held by the caller (an argument of the constructor)", value
    for value in (*(init.__defaults__ or ()), *(init.__kwdefaults__ or {}).values()):
        yield "a default value of a parameter of __init__ (made once, shared by every call)", value
    for klass in cls.__mro__[:-1]:
        for name, value in vars(klass).items():
            if isinstance(value, (list, dict, set, _np.ndarray, tuple)):
                yield f"the class attribute {klass.__name__}.{name} (shared by every instance)", value
    for name, value in globals_.items():
        if isinstance(value, (list, dict, set, _np.ndarray)) or isinstance(value, tuple) and not hasattr(value, "_fields"):
            yield f"the module's global {name}", value


def _shared_finding(state, changed, outside):
    """A mutable object of a field changed in place (`changed`: State field names) held in a second
    place: another field, or one of `outside` ((where, value) pairs, read only when needed)."""
    if not changed:
        return None
    seen = {}  # key of an object -> the first field holding it
    for field in state._fields:
        for obj in _mutables(getattr(state, field)):
            key = _mutable_key(obj)
            first = seen.get(key)
            if first is not None and (field in changed or first in changed):
                return _shared(field, first, obj)
            seen.setdefault(key, field)
    mine = {key: field for key, field in seen.items() if field in changed}
    for where, value in outside if mine else ():
        for obj in _mutables(value):
            field = mine.get(_mutable_key(obj))
            if field is not None:
                what, copy = _mutable_kind(obj)
                attr = _attr_of(field)
                return _Finding(field, _SHARED_MSG.format(attr=attr, what=what, where=where),
                                _SHARED_HINT.format(attr=attr, copy=copy))
    return None


def _shared(field, first, obj):
    what, copy = _mutable_kind(obj)
    attr = _attr_of(field)
    if first == field:
        return _Finding(field, _SHARED_INSIDE_MSG.format(attr=attr, what=what),
                        _SHARED_TWICE_HINT)
    return _Finding(field, _SHARED_MSG.format(attr=attr, what=what, where=f"held by self.{_attr_of(first)}"),
                    _SHARED_HINT.format(attr=attr, copy=copy))


def _containers(value, depth=0):
    if isinstance(value, (dict, list)):
        yield value
    if depth < 20 and isinstance(value, (dict, list, tuple)):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _containers(item, depth + 1)


def _subclass_finding(state, fields):
    """A dict or list subclass in one of `fields` (State field names), which item writes would lose."""
    for field in fields:
        for item in _containers(getattr(state, field)):
            base = dict if isinstance(item, dict) else list
            if type(item) is base:
                continue
            attr, name = _attr_of(field), type(item).__name__
            what, example = _SUBCLASS_BEHAVIOUR.get(
                name, ("it would lose what its class adds", "self.{attr} = " + base.__name__ + "(...)"))
            return _Finding(field, _SUBCLASS_MSG.format(attr=attr, cls=name, base=base.__name__, what=what),
                            _SUBCLASS_HINT.format(base=base.__name__, example=example.format(attr=attr)))
    return None


def _unshared(*changed):
    """The check of `_checks_init` for the fields changed in place (`changed`, State fields): no
    mutable object of theirs in a second place, and no dict or list subclass."""

    def check(state, init, args, kwargs):
        outside = _outside_values(type(state)._cls, init, args, kwargs, init.__globals__)
        return _subclass_finding(state, changed) or _shared_finding(state, set(changed), outside)

    return check


def _checks_init(*checks):
    """A converted module's `init`, checked as the decorator's `Cls.init` is (`checks`: this
    module's `_static_config(...)`, `_unshared(...)`), refused with a TypeError that names the
    file and line of the call of `init`, what is wrong and what to write instead."""
    import functools
    import sys

    def wrap(init):
        @functools.wraps(init)
        def checked(*args, **kwargs):
            state = init(*args, **kwargs)
            for check in checks:
                found = check(state, init, args, kwargs)
                if found is not None:
                    caller = sys._getframe(1)
                    raise TypeError(f"{caller.f_code.co_filename}:{caller.f_lineno}: {found.msg}\\n"
                                    f"  hint: {found.hint}")
            return state

        return checked

    return wrap


_SHARED_MSG = ("self.{attr} holds {what} that is also {where}: in Python a change in place through one shows "
               "through the other, but the State holds values, so the two would silently part")
_SHARED_INSIDE_MSG = ("self.{attr} holds {what} in two places: in Python a change in place through one shows "
                      "through the other, but the State holds values, so the two would silently part")
_SHARED_HINT = "give self.{attr} its own copy: `self.{attr} = {copy}`"
_SHARED_TWICE_HINT = ("build each part anew, e.g. `[[0, 0] for _ in range(2)]` instead of `[[0, 0]] * 2`, or "
                      "copy it where it is stored the second time")
_SUBCLASS_MSG = ("self.{attr} holds a {cls}, but the pure methods write items by building plain {base}s, so after "
                 "the first write it would be a plain {base} ({what})")
_SUBCLASS_HINT = "use a plain {base}: {example}"
_SUBCLASS_BEHAVIOUR = types.MappingProxyType({  # the class's name -> (what changes, what to write)
    "defaultdict": ("missing keys would raise KeyError",
                    "self.{attr}[k] = self.{attr}.get(k, 0) + 1 instead of self.{attr}[k] += 1"),
    "Counter": ("missing keys would raise KeyError", "self.{attr}[k] = self.{attr}.get(k, 0) + 1")})


class CounterState(NamedTuple):
    """State of Counter."""
    n: Any


class Counter:
    """A simple counter."""

    State = CounterState

    @staticmethod
    @_checks_init(_unshared('n'))
    def init(start=0) -> CounterState:
        return CounterState(n=start)  # the count

    def count(self: CounterState) -> tuple[int, CounterState]:
        # bump it
        self = self._replace(n=self.n + 1)
        return self.n, self

    def reset(self: CounterState) -> tuple[None, CounterState]:
        self = self._replace(n=0)
        return None, self


CounterState._cls = Counter
CounterState._params = ()


def run(n):
    state = Counter.init()
    for _ in range(n):
        value, state = jax.jit(Counter.count)(state)
    return value
'''


def test_counter_output_reads_like_counter_v2(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    code, out, err = convert(src)
    assert code == 0, err
    assert out == COUNTER_OUT


# -- flags and exit status ----------------------------------------------------------------------


def test_file_to_stdout_and_to_output_file(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    code, out, err = convert(src)
    assert (code, err) == (0, "")
    code, out2, err = convert(src, "-o", tmp_path / "out.py")
    assert (code, out2) == (0, "")
    assert (tmp_path / "out.py").read_text() == out
    assert src.read_text() == COUNTER  # the input is untouched
    (tmp_path / "outdir").mkdir()
    assert convert(src, "-o", tmp_path / "outdir")[0] == 0
    assert (tmp_path / "outdir" / "counter.py").read_text() == out


def test_stdin_to_stdout():
    code, out, err = convert("-", stdin=COUNTER)
    assert code == 0, err
    assert out == COUNTER_OUT.replace("from counter.py", "from <stdin>")
    code, out, err = convert("-", "--stdin-filename", "counter.py", stdin=COUNTER)
    assert (code, out) == (0, COUNTER_OUT)


def test_check_exit_status(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    code, out, err = convert(src, "--check")
    assert code == 1 and out == ""
    assert f"would convert {src} (Counter)" in err
    assert src.read_text() == COUNTER
    converted = tmp_path / "converted.py"
    converted.write_text(COUNTER_OUT)
    assert convert(converted, "--check")[0] == 0
    plain = tmp_path / "plain.py"
    plain.write_text("x = 1\n")
    assert convert(plain, "--check")[0] == 0
    assert convert(plain, src, "--check")[0] == 1


def test_diff(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    code, out, _err = convert(src, "--diff")
    assert code == 0
    assert out.startswith(f"--- {src}\n+++ {src} (converted)\n")
    assert "-@purify.stateful\n" in out and "+class CounterState(NamedTuple):\n" in out
    assert src.read_text() == COUNTER
    assert convert(src, "--diff", "--check")[0] == 1


def test_in_place_replaces_atomically(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    os.chmod(src, 0o640)
    code, out, err = convert(src, "--in-place")
    assert (code, out) == (0, "")
    assert src.read_text() == COUNTER_OUT
    assert oct(src.stat().st_mode & 0o777) == oct(0o640)  # permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter.py"]  # no temporary file left
    code, _, err = convert(src, "--in-place")  # again: nothing to convert, file unchanged
    assert code == 0 and "nothing to convert" in err
    assert src.read_text() == COUNTER_OUT


BAD = '''\
import purify


@purify.stateful
class Bad:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)
'''


def test_errors_are_located_and_nothing_is_written(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(BAD)
    good = tmp_path / "good.py"
    good.write_text(COUNTER)
    code, out, err = convert(src, "--in-place")
    assert code == 2 and out == ""
    assert f"{src}:10:9: self.items.append(...) mutates an attribute in place" in err
    assert "        self.items.append(x)" not in err and "    self.items.append(x)\n    ^^^^" in err
    assert "hint: assign a new value instead: self.items = self.items + [x]" in err
    assert src.read_text() == BAD
    # several files: all or nothing
    code, _, err = convert(good, src, "--in-place")
    assert code == 2 and good.read_text() == COUNTER and src.read_text() == BAD
    out_dir = tmp_path / "out"
    code, _, err = convert(good, src, "-o", out_dir)
    assert code == 2 and not out_dir.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.py", "good.py"]
    # the decorator says the same
    with pytest.raises(purify.PurifyError, match=r"self.items.append\(...\) mutates an attribute in place"):
        load_module(BAD, header=False)


def test_a_purify_name_left_is_refused_where_it_is_not_where_rng_was_written(tmp_path):
    """`Rng` bound by `from purify import Rng` is the copied class in the output: the refusal of a
    purify name left in the code points at that name (line 16), not at a `Rng` the rewrite wrote."""
    src = tmp_path / "left.py"
    src.write_text(textwrap.dedent("""\
        import jax
        from purify import Rng, source, stateful


        @stateful
        class Drawn:
            def __init__(self, seed):
                self.rng = Rng(seed)
                self.n = 0

            def __call__(self, x):
                self.n += 1
                return x + jax.random.normal(self.rng(), ())

            def text(self):
                return source
        """))
    code, _, err = convert(src, "-o", tmp_path / "out.py")
    assert code == 2 and f"{src}:16:16: purify convert cannot write `source` without purify" in err
    assert not (tmp_path / "out.py").exists()


def test_syntax_error_is_located(tmp_path):
    src = tmp_path / "broken.py"
    src.write_text("import purify\n\n@purify.stateful\nclass A:\n    def f(self:\n        pass\n")
    code, out, err = convert(src)
    assert code == 2 and out == ""
    assert err.startswith(f"{src}:5:") and "invalid Python" in err


def test_unwritable_output_is_a_clear_error(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, out, err = convert(src, "-o", blocker / "out.py")
    assert code == 2 and out == ""
    assert err.startswith(f"purify convert: error: cannot write {blocker}")
    assert "Traceback" not in err


def test_usage_errors(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    assert convert(src, "--in-place", "-o", tmp_path / "x.py")[0] == 2
    assert convert("-", "--in-place", stdin=COUNTER)[0] == 2
    code, _, err = convert(tmp_path / "missing.py")
    assert code == 2 and "no such file" in err
    code, _, err = convert(tmp_path)  # a directory needs -o
    assert code == 2 and "-o DIR" in err
    code, _, err = convert(src, "-o", src)
    assert code == 2 and "--in-place" in err


def test_select_converts_named_classes(tmp_path):
    src = write(tmp_path / "plain.py", '''
        class Counter:
            def __init__(self):
                self.n = 0

            def count(self):
                self.n += 1
                return self.n


        @purify.stateful
        class Other:
            def __init__(self):
                self.k = 1
        ''')
    code, out, err = convert(src, "--select", "Counter")
    assert code == 0, err
    assert "class CounterState(NamedTuple)" in out and "class OtherState" not in out
    assert "@purify.stateful\nclass Other:" in out and "\nimport purify\n" in out  # Other stays decorated
    code, _, err = convert(src, "--select", "Nope")
    assert code == 2 and "no class named Nope" in err
    # selecting a class that was converted before: nothing to do, said so
    converted = tmp_path / "converted.py"
    converted.write_text(out)
    code, again, err = convert(converted, "--select", "Counter")
    assert code == 0 and again == out and "Counter is converted already" in err


def test_directory_mode_mirrors_the_tree_and_resolves_classes_across_files(tmp_path):
    pkg = tmp_path / "src" / "pkg"
    write(pkg / "__init__.py", "", header=False)
    write(pkg / "layers.py", '''
        @purify.stateful
        class Dense:
            def __init__(self, n):
                self.w = jnp.ones((n,))
                self.calls = 0

            def __call__(self, x):
                self.calls += 1
                return x * self.w
        ''')
    write(pkg / "model.py", '''
        from .layers import Dense
        from . import layers


        @purify.stateful
        class Model:
            def __init__(self):
                self.a = Dense(3)
                self.b = layers.Dense(3)

            def __call__(self, x):
                return self.b(self.a(x))
        ''')
    write(tmp_path / "src" / "notes.py", "# nothing to convert here\nX = 1\n", header=False)
    write(tmp_path / "src" / ".hidden" / "skip.py", "x = 1\n", header=False)
    out = tmp_path / "out"
    code, _stdout, err = convert(tmp_path / "src", "-o", out)
    assert code == 0, err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py")) == [
        "notes.py", "pkg/__init__.py", "pkg/layers.py", "pkg/model.py"]
    assert (out / "notes.py").read_text() == "# nothing to convert here\nX = 1\n"
    assert "converted 2 classes in 2 files; 2 files with nothing to convert" in err
    model = (out / "pkg" / "model.py").read_text()
    assert "Dense.__call__(self.a, x)" in model and "layers.Dense.__call__(" in model
    assert "Dense.init(3)" in model
    # the package runs without purify, and agrees with the decorator
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        import pkg.model as dec
        want = decorated(dec, "Model", (), {}, [("__call__", (jnp.arange(3.0),), {})] * 2, {})
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in [n for n in sys.modules if n == "pkg" or n.startswith("pkg.")]:
            del sys.modules[name]
    got = run_without_purify([("m", "pkg.model", "Model", (), {}, [("__call__", (jnp.arange(3.0),), {})] * 2, {},
                               True)], [out])["m"]
    assert got[0] == "ok", got[1]
    assert_same(want[0], got[1])
    assert_same(want[1], got[2])


def test_progress_bar_only_for_many_files_on_a_tty(tmp_path):
    for i in range(10):
        write(tmp_path / "src" / f"m{i}.py", f"X = {i}\n", header=False)
    code, _, err = convert(tmp_path / "src", "-o", tmp_path / "a", tty=True)
    assert code == 0 and "\r" in err and "10/10" not in err and "] 9/10 " in err
    code, _, err = convert(tmp_path / "src", "-o", tmp_path / "b", tty=False)
    assert code == 0 and "\r" not in err


def test_idempotent(constructs, tmp_path):
    _, _, out_dir = constructs
    again = tmp_path / "again"
    code, _, err = convert(out_dir, "-o", again, "-q")
    assert code == 0, err
    for path in sorted(out_dir.glob("cli_case_*.py")):
        assert (again / path.name).read_text() == path.read_text(), path.name
    code, _, err = convert(out_dir / "cli_case_counter.py", "--check")
    assert code == 0
    code, out, err = convert(out_dir / "cli_case_counter.py")
    assert code == 0 and out == (out_dir / "cli_case_counter.py").read_text()
    assert "nothing to convert" in err


def test_comments_docstrings_and_order_are_kept(constructs):
    cases, _, out_dir = constructs
    text = (out_dir / "cli_case_comments_and_blank_lines.py").read_text()
    expected = '''\
class CounterState(NamedTuple):
    """State of Counter."""
    n: Any
    total: Any


# A comment above the class stays above it.
# the decorator line goes, its comment stays
class Counter:  # on the class line
    """A simple counter."""

    State = CounterState

    # the step, set in __init__
    STEP = 1

    @staticmethod
    @_checks_init(_unshared('n'))
    def init(start=0) -> CounterState:
        # the count starts at start
        return CounterState(
            n=start,  # trailing on a folded assignment
            total=jnp.zeros(()),  # running total
        )

    # a comment between methods
    def count(self: CounterState) -> tuple[int, CounterState]:
        """Count one."""
        # bump it
        self = self._replace(n=self.n + Counter.STEP)  # the step

        # blank line above is kept
        self = self._replace(total=self.total + self.n)
        return self.n, self  # the new count

    # a comment at the end of the method

    def reset(self: CounterState) -> tuple[None, CounterState]:
        self = self._replace(n=0)
        return None, self
        # a comment at the end of the class


CounterState._cls = Counter
CounterState._params = ()
'''
    assert expected in text, text
    # everything outside the class is exactly as it was (the purify import goes)
    src = Path(cases["comments_and_blank_lines"][0].__file__).read_text()
    outside = src.split("# A comment above the class")[0].replace("import purify\n", "")
    added = ("import numpy as _np\n", "import types\n")  # what the copied checks of init import
    assert outside.strip() in functools.reduce(lambda t, line: t.replace(line, ""), added, text)
    assert text.endswith(expected)


def test_never_imports_or_runs_the_input(tmp_path):
    marker = tmp_path / "EXECUTED"
    src = write(tmp_path / "evil.py", f'''
        open({str(marker)!r}, "w").write("module level ran")


        def deco(f):
            open({str(marker)!r}, "w").write("decorator ran")
            return f


        @purify.stateful
        class Evil:
            open({str(marker)!r}, "w").write("class body ran")

            def __init__(self, n=open({str(marker)!r}, "w")):
                self.n = 0

            def count(self):
                self.n += 1
                return self.n
        ''')
    modules = set(sys.modules)
    for args in ((src,), (src, "--check"), (src, "--diff"), (src, "-o", tmp_path / "out.py")):
        code, _, err = convert(*args)
        assert code in (0, 1), err
    assert not marker.exists()
    assert not any("evil" in name for name in set(sys.modules) - modules)


def test_python_dash_m_and_console_script(tmp_path):
    src = tmp_path / "counter.py"
    src.write_text(COUNTER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "purify", "convert", str(src)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == COUNTER_OUT
    proc = subprocess.run([sys.executable, "-m", "purify", "convert", str(src), "--check"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 1
    script = shutil.which("purify")
    if script is not None:  # installed with pip install -e .
        proc = subprocess.run([script, "convert", str(src)], capture_output=True, text=True, cwd=tmp_path, check=False)
        assert proc.returncode == 0 and proc.stdout == COUNTER_OUT


def test_newlines_encoding_and_shebang_are_kept(tmp_path):
    src = tmp_path / "crlf.py"
    text = "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n" + COUNTER.replace('"""A counter."""',
                                                                                  '"""A counter: caf\xe9."""')
    src.write_bytes(text.replace("\n", "\r\n").encode("latin-1"))
    code, _, err = convert(src, "--in-place")
    assert code == 0, err
    raw = src.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    out = raw.decode("latin-1").replace("\r\n", "\n")
    assert out.startswith("#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n# Generated by `purify convert`")
    assert "caf\xe9" in out


def test_notes_for_code_that_still_needs_purify(tmp_path):
    src = write(tmp_path / "demo.py", '''
        @purify.stateful
        class Counter:
            def __init__(self):
                self.n = 0

            def count(self):
                self.n += 1
                return self.n


        def main():
            c = Counter()
            return purify.jit(c.count)()
        ''')
    code, out, err = convert(src)
    assert code == 0
    assert "\nimport purify\n" in out  # main() still needs it
    assert "still uses purify: `purify.jit` (line " in err
    assert "`Counter(...)` makes an object of a converted class" in err
    code, out, err = convert(src, "-q")
    assert code == 0 and err == ""


def test_refuses_purify_apis_without_a_standalone_form(tmp_path):
    src = write(tmp_path / "uses_jit.py", '''
        @purify.stateful
        class A:
            def __init__(self):
                self.n = 0

            def f(self, g):
                return purify.jit(g)
        ''')
    code, out, err = convert(src)
    assert code == 2 and out == ""
    assert "cannot write `jit` without purify" in err and f"{src}:" in err


# -- examples/ ----------------------------------------------------------------------------------

# Pure-API runs for example classes: "file.py:Class" -> (init args, init kwargs, calls, static).
EXAMPLE_RUNS = {
    "counter.py:Counter": ((), {}, [("count", (), {})] * 3, {}),
    "state_holder.py:StateHolder": ((5.0,), {}, [("update", (3.0,), {})] * 2, {}),
    "seeds/add_constant.py:AddConstant": ((3.0,), {}, [("__call__", (jnp.ones(2),), {})] * 2, {}),
    "seeds/dict_counter.py:DictCounter": ((), {}, [("increment", (jnp.array(2),), {})] * 2, {}),
    "seeds/donation.py:Accumulator": ((3,), {}, [("add", (jnp.ones(3),), {})] * 2, {}),
    "ml/batchnorm.py:BatchNorm": ((3,), {}, [("__call__", (jnp.arange(6.0).reshape(2, 3),), {"training": True})],
                                  {"__call__": ("training",)}),
    "ml/dropout.py:Dropout": ((0.5,), {"seed": 1}, [("__call__", (jnp.ones(8),), {})] * 2, {}),
    "ml/mlp.py:MLP": (((2, 3, 1),), {}, [("__call__", (jnp.ones(2),), {})], {}),
    "ml/lstm.py:LSTM": ((2, 3), {}, [("__call__", (jnp.ones((1, 4, 2)),), {})], {}),
    "ml/trainer.py:Classifier": ((2, 4, 3), {}, [("__call__", (jnp.ones((5, 2)),), {})], {}),
    "ml/trainer.py:Trainer": ((("init of", "Classifier", (2, 4, 3)),), {},
                              [("step", ((jnp.ones((5, 2)), jnp.zeros(5, dtype=jnp.int32)),), {})] * 2, {}),
    "seeds/training_step.py:LinearModel": ((), {}, [], {}),
}


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("examples_out")
    code, _, err = convert(ROOT / "examples", "-o", out)
    assert code == 0, err
    # examples/ported/ is the libraries' code as written (unused imports of what its eager-only
    # methods used are theirs): tests/test_ported.py checks its converted form against the libraries
    shutil.rmtree(out / "ported")
    return out


# Import sorting as in a user's project, where purify is an installed (third-party) package.
ISORT = ("--config", 'lint.isort.known-third-party=["purify"]', "--config", 'lint.isort.known-first-party=["examples"]')


def test_every_example_converts_passes_ruff_and_parses_everywhere(examples):
    files = sorted(examples.rglob("*.py"))
    assert files
    added = added_findings(ROOT / "examples", examples)
    assert not added, "ruff findings the conversion added:\n" + "\n".join(added)
    for path in (ROOT / "examples", examples):  # sorted imports (I001), before and after conversion
        proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "I001",
                               *ISORT, "--extend-exclude", "ported",  # the libraries' code, as written
                               "--output-format", "concise", str(path)], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    script = "import ast, sys\nfor f in sys.argv[1:]:\n    compile(open(f).read(), f, 'exec', ast.PyCF_ONLY_AST)"
    for python in OTHER_PYTHONS:
        proc = subprocess.run([str(python), "-c", script, *map(str, files)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{python}:\n{proc.stderr}"


def test_examples_run_without_purify_and_match_the_decorator(examples):
    """Modules whose demo code still uses purify keep the import: they are imported with a purify
    whose every use fails, so the converted classes themselves provably do not need it."""
    runs, wanted, imports = [], {}, []
    for path in sorted(examples.rglob("*.py")):
        rel = path.relative_to(examples)
        imports.append(".".join(("examples", *rel.with_suffix("").parts)).removesuffix(".__init__"))
    for key, (init, kwargs, calls, static) in EXAMPLE_RUNS.items():
        file, cls = key.split(":")
        if not (examples / file).exists():
            continue
        name = "examples." + file.removesuffix(".py").replace("/", ".")
        module = __import__(name, fromlist=["_"])
        if not hasattr(module, cls):
            continue
        wanted[key] = decorated(module, cls, init, kwargs, calls, static)
        runs.append((key, name, cls, init, kwargs, calls, static, True))
    pkg = examples.parent / "pkg_examples"
    if not (pkg / "examples").exists():
        shutil.copytree(examples, pkg / "examples")
    results = run_without_purify(runs, [pkg], block="stub", imports=imports)
    failures = [f"{k}:\n{v[1]}" for k, v in results.items() if v[0] != "ok"]
    assert not failures, "\n\n".join(failures)
    for key, want in wanted.items():
        assert_same(want[0], results[key][1], where=f"{key} outputs")
        assert_same(want[1], results[key][2], where=f"{key} final state")


@pytest.mark.parametrize("imports", ["import jax, jax.numpy as jnp, purify", "import numpy as np, purify, jax.numpy as jnp",
                                     "import purify, jax.numpy as jnp; import numpy as np"])
def test_an_import_line_naming_purify_with_other_modules_keeps_them(tmp_path, imports):
    src = write(tmp_path / "multi.py", f"""\
        {imports}


        @purify.stateful
        class Acc:
            def __init__(self):
                self.total = jnp.zeros(())

            def add(self, x):
                self.total += x
                return self.total
        """, header=False)
    code, _, err = convert(src, "-o", tmp_path / "out" / "multi.py")
    assert code == 0, err
    text = (tmp_path / "out" / "multi.py").read_text()
    assert "purify" not in text.split("class AccState")[0].split("\n", 2)[2]  # the header comments aside
    assert "jax.numpy as jnp" in text
    got = run_without_purify([("m", "multi", "Acc", (), {}, [("add", (2.0,), {})] * 2, {}, True)],
                             [tmp_path / "out"])["m"]
    assert got[0] == "ok", got[1]
    assert [float(v) for v in got[1]] == [2.0, 4.0]


def test_convert_says_where_only_the_decorator_can_check_an_in_place_update(tmp_path):
    src = write(tmp_path / "acc.py", """\
        @purify.stateful
        class Acc:
            def __init__(self):
                self.a = jnp.zeros(3)

            def add(self, v):
                old = self.a
                self.a += v
                return old
        """)
    code, _, err = convert(src, "-o", tmp_path / "out.py")
    assert code == 0, err
    line = (HEADER + "x").count("\n") + 9
    assert f"note: {src}:{line}: `return old` is right only if self.a holds no NumPy array or list" in err, err
    assert "the decorator checks it at Cls.init" in err
    code, _, err = convert(src, "-o", tmp_path / "quiet.py", "-q")
    assert code == 0 and err == ""
