"""Run one generated program every way purify offers, and compare with plain Python.

The reference is the *undecorated* class run eagerly. It must agree, output by output
and on the final state, with:

* `instance`: the decorated class's instance, called eagerly;
* `jit`: the pure API, `jax.jit(Cls.method)(state, ...)` step by step;
* `vmap`: the pure API under `jax.vmap` over a batch of identical states (every lane
  must equal the reference);
* `convert`: the pure API of the module `purify convert` emits (when the CLI exists).

Values are compared as numbers (a Python int and an int64 array agree). The programs
run with 64-bit types so XLA computes exactly what NumPy does. The argument `r` (the Python
int that methods raise on) is static: bound with functools.partial under jit and vmap.

A step that raises out of the method (the script passes an `r` that escapes) must raise the
same exception every way. Python's object keeps the changes made before it, so the step's
output is the exception's name and the state after it, and the instance goes on with the
script. The pure API hands back no state when it raises (the caller keeps the one it had): its
runs stop at that step, their state compared with the object's before the step.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import inspect
import itertools
import os
import sys
import tempfile
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from .programs import Program, Step

_counter = itertools.count()
_TMP = None


class Mismatch(AssertionError):
    """The converted program disagrees with the original (or refused a supported program)."""


class InvalidProgram(Exception):
    """The generator produced a program that fails in plain Python: a generator bug."""


def tmpdir() -> str:
    global _TMP
    if _TMP is None:
        _TMP = tempfile.mkdtemp(prefix="purify-fuzz-")
    return _TMP


def load_module(text: str, stem: str) -> types.ModuleType:
    """Write `text` to a fresh .py file and import it (purify reads class source via linecache)."""
    name = f"_purify_fuzz_{stem}_{os.getpid()}_{next(_counter)}"
    path = os.path.join(tmpdir(), name + ".py")
    with open(path, "w") as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def unload(module: types.ModuleType) -> None:
    sys.modules.pop(module.__name__, None)
    path = getattr(module, "__file__", None)
    if path and os.path.exists(path):
        os.remove(path)


# -- snapshots: plain nested values ---------------------------------------------


def _field(attr: str) -> str:
    stripped = attr.lstrip("_")
    return stripped + "_" * (len(attr) - len(stripped))


def _demangle(attr: str, cls: type) -> str:
    prefix = f"_{cls.__name__.lstrip('_')}__"
    return "__" + attr[len(prefix):] if attr.startswith(prefix) else attr


class MaybeLanes:
    """A batched `purify.Maybe` (None in some lanes): `lane` takes Python's None or value of one."""

    def __init__(self, present: np.ndarray, value: np.ndarray) -> None:
        self.present, self.value = present, value

    def __repr__(self) -> str:
        return f"Maybe({self.present}, {self.value})"


def snap(value: Any) -> Any:
    """A copy of a value as plain nested data: numbers -> np arrays, objects -> dicts of fields;
    a `purify.Maybe` (convert output has its own `_Maybe`) as Python's None or value."""
    if value is None or isinstance(value, str):
        return value
    if type(value).__name__ == "_Maybe":
        present = np.asarray(value.present)
        if present.ndim:
            return MaybeLanes(present, np.asarray(value.value))
        return snap(value.value) if bool(present) else None
    if hasattr(value, "_fields") and isinstance(value, tuple):  # a State
        return {"__state__": True, **{k: snap(getattr(value, k)) for k in value._fields}}
    if isinstance(value, dict):
        return {k: snap(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple(snap(v) for v in value)
    if hasattr(value, "__dict__") and not hasattr(value, "dtype") and not inspect.isroutine(value):
        return {"__state__": True,
                **{_field(_demangle(k, type(value))): snap(v) for k, v in vars(value).items()}}
    return np.array(value)


def compare(expected: Any, got: Any, where: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(got, dict) or set(expected) != set(got):
            raise Mismatch(f"{where}: expected {_short(expected)}, got {_short(got)}")
        for k in expected:
            compare(expected[k], got[k], f"{where}.{k}")
        return
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(expected) != len(got):
            raise Mismatch(f"{where}: expected {_short(expected)}, got {_short(got)}")
        for i, (e, g) in enumerate(zip(expected, got)):
            compare(e, g, f"{where}[{i}]")
        return
    if expected is None or got is None or isinstance(expected, str):
        if expected != got:
            raise Mismatch(f"{where}: expected {_short(expected)}, got {_short(got)}")
        return
    e, g = np.asarray(expected), np.asarray(got)
    if e.shape != g.shape or not np.allclose(e.astype(np.float64), g.astype(np.float64), rtol=1e-9, atol=1e-9):
        raise Mismatch(f"{where}: expected {_short(expected)}, got {_short(got)}")


def lane(value: Any, i: int) -> Any:
    """Lane `i` of a snapshot of batched values."""
    if isinstance(value, dict):
        return {k: lane(v, i) if k != "__state__" else v for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(lane(v, i) for v in value)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, MaybeLanes):
        return np.array(value.value[i]) if bool(value.present[i]) else None
    return value[i] if np.ndim(value) else value


def _tail() -> str:
    """The innermost frames of the exception being handled, as text."""
    import traceback

    return "".join(traceback.format_exc().splitlines(keepends=True)[-8:])


def _short(v: Any) -> str:
    text = repr(v)
    return text if len(text) < 300 else text[:300] + "..."


# -- the runs --------------------------------------------------------------------


def _call_eager(obj: Any, step: Step) -> Any:
    if step.method.startswith("prop:"):
        return getattr(obj, step.method[5:])
    if step.method == "__call__":
        return obj(*step.args, **step.kwargs)
    return getattr(obj, step.method)(*step.args, **step.kwargs)


# What the generated methods raise (programs.py RAISE_CONDS, semantics.py _RAISERS): anything else
# is a generator bug.
RAISED = (ValueError, KeyError, AssertionError, IndexError, ZeroDivisionError)


@dataclasses.dataclass
class Reference:
    """The plain class's run: the outputs, the final state, and what the pure API can match (the
    outputs up to the first step that raises, and the state before it)."""

    outs: list[Any]
    final: Any
    pure: tuple[list[Any], Any]


def _raised(e: BaseException, state: Any) -> tuple[str, str, Any]:
    return ("raised", type(e).__name__, state)


def run_reference(module: types.ModuleType, prog: Program) -> Reference:
    try:
        obj = getattr(module, prog.main)(**prog.init_kwargs)
        outs: list[Any] = []
        pure: tuple[list[Any], Any] | None = None
        for s in prog.script:
            before = snap(obj)
            try:
                outs.append(snap(_call_eager(obj, s)))
            except RAISED as e:
                if pure is None:
                    pure = ([*outs, ("raised", type(e).__name__)], before)
                outs.append(_raised(e, snap(obj)))
    except Exception as e:  # pragma: no cover - a generator bug
        raise InvalidProgram(f"the undecorated program fails: {type(e).__name__}: {e}") from e
    final = snap(obj)
    return Reference(outs, final, pure if pure is not None else (outs, final))


def lane_program(prog: Program, i: int) -> Program:
    """The script lane i of the vmap run follows: its batched (even) arguments plus i."""
    steps = []
    for step in prog.script:
        if step.method.startswith("prop:"):
            steps.append(step)
            continue
        r = {k: v for k, v in step.kwargs.items() if k == "r"}  # (run_pure binds it, static)
        bare = Step(step.method, step.args, {k: v for k, v in step.kwargs.items() if k != "r"})
        args = tuple(a + i if k % 2 == 0 else a for k, a in enumerate(_positional(prog, bare)))
        steps.append(Step(step.method, args, r))
    return Program(prog.source, prog.main, prog.init_kwargs, steps, prog.info)


def run_instance(module: types.ModuleType, prog: Program) -> tuple[list[Any], Any]:
    import purify

    obj = getattr(module, prog.main)(**prog.init_kwargs)
    outs = []
    for s in prog.script:
        try:
            outs.append(snap(_call_eager(obj, s)))
        except RAISED as e:  # the object keeps what the method changed before it: compared, and on
            outs.append(_raised(e, snap(purify.state_of(obj))))
    return outs, snap(purify.state_of(obj))


def _positional(prog: Program, step: Step) -> tuple[int, ...]:
    """Keyword arguments as positional ones (jax.vmap batches keyword arguments)."""
    if not step.kwargs:
        return step.args
    params = _params(prog, step.method)
    args = list(step.args)
    for p in params[len(args):]:
        if p in step.kwargs:
            args.append(step.kwargs[p])
        else:
            break
    return tuple(args)


def _params(prog: Program, method: str) -> list[str]:
    """The method's parameters after self, from the program's source (the main class or a base)."""
    import ast

    classes = {n.name: n for n in ast.walk(ast.parse(prog.source)) if isinstance(n, ast.ClassDef)}
    name: str | None = prog.main
    while name in classes:
        node = classes[name]
        for fn in node.body:
            if isinstance(fn, ast.FunctionDef) and fn.name == method:
                return [a.arg for a in fn.args.args[1:]]
        name = next((b.id for b in node.bases if isinstance(b, ast.Name)), None)
    raise KeyError(method)


def parse_script(text: str) -> list[Step]:
    """`m2(1,); m0(1,){'w': 2}; prop:total()` (as Program.describe writes it) -> steps."""
    import ast
    import re

    steps = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        m = re.fullmatch(r"([\w:]+)(\(.*?\))(\{.*\})?", part)
        assert m, part
        args = ast.literal_eval(m.group(2)) if m.group(2) != "()" else ()
        steps.append(Step(m.group(1), tuple(args) if isinstance(args, tuple) else (args,),
                          ast.literal_eval(m.group(3)) if m.group(3) else {}))
    return steps


def parse_program(text: str) -> Program:
    """A program back from the text `Program.describe()` wrote (failure files, regression tests)."""
    import ast

    source, _, rest = text.partition("\n# init: ")
    init_line, _, rest = rest.partition("\n# script: ")
    main, _, kwargs = init_line.partition("(**")
    script = rest.split("\n", 1)[0]
    return Program(source.rstrip("\n") + "\n", main, ast.literal_eval(kwargs[:-1]), parse_script(script), None)


def run_pure(cls: Any, prog: Program, mode: str) -> list[tuple[list[Any], Any]]:
    """Run the script through the pure API; returns one (outs, final state) per lane."""
    import jax

    state = cls.init(**prog.init_kwargs)
    lanes = 2 if mode == "vmap" else 1
    if mode == "vmap":
        state = jax.tree_util.tree_map(lambda x: np.stack([np.asarray(x)] * lanes), state)
    cache: dict[Any, Callable[..., Any]] = {}
    outs: list[Any] = []
    for step in prog.script:
        if "r" in step.kwargs and mode in ("jit", "vmap"):
            # `r` is a Python int the methods branch (and raise) on: static, as a bound argument
            kwargs = {k: v for k, v in step.kwargs.items() if k != "r"}
            step = Step(step.method, step.args, kwargs, step.kwargs["r"])
        if step.method.startswith("prop:"):
            fn = getattr(cls, step.method[5:])
            # (axis_size: a state whose fields are all static has no leaves to read the batch size from)
            vmapped = jax.vmap(fn, axis_size=lanes)
            out = (vmapped if mode == "vmap" else jax.jit(fn) if mode == "jit" else fn)(state)
            outs.append(snap(out))
            continue
        fn = getattr(cls, step.method)
        if step.static is not None:
            fn = functools.partial(fn, r=step.static)
        try:
            out, state = _pure_step(fn, state, prog, step, mode, lanes, cache)
        except RAISED as e:  # no state comes back: the run stops here (see the module docstring)
            outs.append(("raised", type(e).__name__))
            break
        outs.append(snap(out))
    final = snap(state)
    if mode != "vmap":
        return [(outs, final)]
    return [([lane(o, i) for o in outs], lane(final, i)) for i in range(lanes)]


def _pure_step(fn: Callable[..., Any], state: Any, prog: Program, step: Step, mode: str, lanes: int,
               cache: dict[Any, Callable[..., Any]]) -> tuple[Any, Any]:
    """One call of the pure API: (output, new state)."""
    import jax

    if mode == "jit":
        key = (step.method, step.static)
        if key not in cache:
            cache[key] = jax.jit(fn)
        return cache[key](state, *step.args, **step.kwargs)
    if mode == "vmap":
        args = _positional(prog, step)
        batched = tuple(i % 2 == 0 for i in range(len(args)))  # alternate batched / broadcast arguments
        # lane i gets the batched arguments plus i: lanes take different branches of traced ifs
        call_args = [np.array([a + i for i in range(lanes)]) if b else a for a, b in zip(args, batched)]
        in_axes = (0, *(0 if b else None for b in batched))
        return jax.vmap(fn, in_axes=in_axes, axis_size=lanes)(state, *call_args)
    return fn(state, *step.args, **step.kwargs)


def check_program(prog: Program, modes: tuple[str, ...] = ("instance", "jit", "vmap", "convert")) -> list[str]:
    """Run `prog` every way; raise Mismatch on any disagreement. Returns the modes that ran."""
    from purify import PurifyError

    from . import cli

    ran = []
    with _enable_x64():
        ref_mod = load_module(prog.module_text(decorated=False), "ref")
        try:
            expected = run_reference(ref_mod, prog)
            lane_expected = [run_reference(ref_mod, lane_program(prog, i)) for i in range(2)] \
                if "vmap" in modes else []
        finally:
            unload(ref_mod)
        refused = None
        try:
            dec_mod = load_module(prog.module_text(decorated=True), "dec")
        except PurifyError as e:
            kind = refusal_kind(e)
            if kind is not None:
                return [f"refused ({kind})"]
            refused = f"a supported program was refused:\n{e}"
        if refused is not None:
            raise Mismatch(refused)
        try:
            cls = getattr(dec_mod, prog.main)
            runs: list[tuple[str, Callable[[], list[tuple[list[Any], Any]]]]] = []
            if "instance" in modes:
                runs.append(("instance", lambda: [run_instance(dec_mod, prog)]))
            if "jit" in modes:
                runs.append(("jit", lambda: run_pure(cls, prog, "jit")))
            if "vmap" in modes:
                runs.append(("vmap", lambda: run_pure(cls, prog, "vmap")))
            if "convert" in modes and cli.available():
                runs.append(("convert", lambda: _run_converted(dec_mod, prog)))
            for mode, run in runs:
                failure = None
                try:
                    results = run()
                except Mismatch:
                    raise
                except PurifyError as e:
                    kind = refusal_kind(e)
                    if kind is None:
                        raise Mismatch(f"[{mode}] raised PurifyError: {e}") from None
                    if kind in ("control", "no pure form") and mode != "instance":
                        return [*ran, f"refused at {mode} ({kind})"]  # a traced test Python must decide
                    if ran:
                        raise Mismatch(f"[{mode}] refused what {ran} ran: {e}") from None
                    return [f"refused at init ({kind})"]
                except Exception as e:  # noqa: BLE001 - any exception is a disagreement
                    if mode == "convert" and isinstance(e, TypeError) and refusal_kind(e) in ("control", "no pure form"):
                        return [*ran, f"refused at convert ({refusal_kind(e)})"]  # (the stand-in of PurifyError there)
                    failure = f"[{mode}] raised {type(e).__name__}: {e}\n{_tail()}"
                if failure is not None:
                    # Raised outside the handler: hypothesis tells failures apart by where they (and
                    # their context) come from, and generated files have fresh names on every replay.
                    raise Mismatch(failure)
                for i, (outs, final) in enumerate(results):
                    where = f"[{mode}{f' lane {i}' if len(results) > 1 else ''}]"
                    ref = lane_expected[i] if mode == "vmap" else expected
                    want = (ref.outs, ref.final) if mode == "instance" else ref.pure
                    if len(want[0]) != len(outs):
                        raise Mismatch(f"{where} ran {len(outs)} steps of {len(want[0])}: {_short(outs[-1:])}")
                    for j, (e, g) in enumerate(zip(want[0], outs)):
                        compare(e, g, f"{where} step {j} ({prog.script[j].method}) output")
                    compare(want[1], final, f"{where} final state")
                ran.append(mode)
        finally:
            unload(dec_mod)
    if ran and expected.pure[0] is not expected.outs:
        ran.append("raised")  # (a step raised out of its method: counted apart)
    return ran


def _enable_x64() -> Any:
    """64-bit types for exact comparisons (`jax.enable_x64` since JAX 0.7, experimental before)."""
    import jax

    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64

    return enable_x64(True)


# The refusals a program may get where Python's objects and the pure method's values differ:
# a second name for its state (BodyGen.s_alias), or a call that changes an array in place in a
# statement that read the array before (`self.a += self.f()`, `self.d["b"] + self(2)`).
ALIAS_REFUSALS = ("changes self.", "changes in place: in Python", "changes in place when it holds",
                  "changes (if it holds a NumPy array or a list)", "makes two attributes one object",
                  "after it was read in the same statement")


# A call that may raise after changing the state, inside a try with handlers or
# contextlib.suppress (the pure method would lose the changes made before the exception); an `if`
# or a loop on a value that may be traced, there, whose code may raise after a change (its branch
# functions hand back their changes only when they return).
EXCEPTION_REFUSALS = ("this call may raise after changing the state", "which hands back its changes only when it returns")
# `try: return x finally: <changes>` (the state handed back would miss the finally's changes).
FINALLY_REFUSALS = ("this return leaves a `try` whose `finally` changes the state",)
# Issue 12 (tests/fuzz/semantics.py generates these): `super()` into a base method that dispatches
# differently in the subclass, a function reading self passed to a method that changes the state,
# writes through a slice, an index array or an attribute of a value, a call where Python may not
# run it (an assert message, a later operand of a chained comparison).
DISPATCH_REFUSALS = ("as converted for",)
CALLBACK_REFUSALS = ("a function that reads `self` is passed to",)
COPY_REFUSALS = (", a slice of ", ", an index array of ", ", an attribute of the value in ")
ORDER_REFUSALS = ("where Python may not evaluate it",)
# Issue 14: a base left undecorated (programs.py) is converted with the class, but `super()` into
# its own version of a method, and a call of one of its methods that cannot be converted, are not.
PLAIN_BASE_REFUSALS = ("which is not decorated: purify converts its methods",
                       "which is not decorated and which purify cannot convert")
# A test on a traced value of what keeps its Python form (issue 13): a raise, a return purify cannot
# lower (in a `try`): refused under the transforms at the user's statement (runtime/control.py _concrete).
CONTROL_REFUSALS = ("JAX cannot raise on a traced value", "that purify cannot turn into a flag",
                    "the loop keeps its Python form, which needs a Python value",
                    "JAX traces both branches, so the exception would be raised",  # (the engine before 0.2)
                    "and JAX cannot raise in some lanes only")  # (a raise that ran while JAX traced a branch)
# A method of an undecorated base that purify cannot convert runs on instances as written, and its
# pure form raises why (engine/convert.py NO_PURE_FORM_MSG): the instance ran, the transforms refuse.
NO_PURE_FORM_REFUSALS = ("so it has no pure form",)
REFUSALS = {"no pure form": NO_PURE_FORM_REFUSALS, "control": CONTROL_REFUSALS, "aliasing": ALIAS_REFUSALS, "exception": EXCEPTION_REFUSALS, "finally": FINALLY_REFUSALS,
            "dispatch": DISPATCH_REFUSALS, "callback": CALLBACK_REFUSALS, "copies": COPY_REFUSALS,
            "order": ORDER_REFUSALS, "plain base": PLAIN_BASE_REFUSALS}


def refusal_kind(e: Exception) -> str | None:
    """Which of the refusals the engine is meant to make `e` is (None: none of them)."""
    text = str(e)
    return next((kind for kind, fragments in REFUSALS.items() if any(f in text for f in fragments)), None)


def _aliasing_refusal(e: Exception) -> bool:
    return refusal_kind(e) == "aliasing"


def _run_converted(dec_mod: types.ModuleType, prog: Program) -> list[tuple[list[Any], Any]]:
    from . import cli

    text = cli.convert_file(dec_mod.__file__)
    conv = load_module(text, "cli")
    try:
        return run_pure(getattr(conv, prog.main), prog, "eager")
    finally:
        unload(conv)
