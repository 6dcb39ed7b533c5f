"""The user's handlers never catch what Python would not have raised (engine/passes/handlers.py).

Under jax.jit a refusal (a traced `if` whose branch raises), the signal between the two traces of
a converted `if`, or JAX's error about a traced value is raised while the method traces. Before
the handlers pass, a user's `except Exception:` caught it and ran its handler, which Python runs
only when the code raised: the state came back changed (found by the differential campaign, seed
801: tests/fuzz/regressions/diff_801_*.prog). Now each is the located refusal (or JAX's error),
whatever catches around it; eagerly and in the converted module the class is Python's."""

from __future__ import annotations

import ast
import textwrap

import jax
import purify
import pytest
from purify.engine.passes import handlers

from tests.conftest import line_in, load_module, undecorated
from tests.fuzz.cli import convert_file
from tests.test_passes import after

CLASS = '''
import contextlib


class Swallow:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


@purify.stateful
class Guarded:
    def __init__(self):
        self.n = 0.0
        self.caught = 0

    def check(self, x):
        if self.n > 1000.0:
            raise ValueError("too big")
        return x

    def step(self, x):
        self.n = self.n + x
        {catching}
        return self.n
'''

CATCHING = {
    "except_exception": "try:\n    self.check(x)\nexcept Exception:\n    self.caught += 1",
    "bare_except": "try:\n    self.check(x)\nexcept:\n    self.caught += 1",
    "except_base_exception_as": "try:\n    self.check(x)\nexcept BaseException as e:\n    self.caught += 1",
    "except_type_error_in_a_tuple": "try:\n    self.check(x)\nexcept (TypeError, ValueError):\n    self.caught += 1",
    "second_handler": "try:\n    self.check(x)\nexcept KeyError:\n    pass\nexcept Exception:\n    self.caught += 1",
    "suppress_exception": "with contextlib.suppress(Exception):\n    self.check(x)",
    "users_swallowing_manager": "with Swallow():\n    self.check(x)",
    "nested_function": "def safe():\n    try:\n        return self.check(x)\n    except Exception:\n        return 0.0\n"
                       "safe()",
}


def _source(catching: str) -> str:
    body = textwrap.indent(catching, " " * 8).lstrip()
    return CLASS.replace("{catching}", body)


@pytest.mark.parametrize("name", sorted(CATCHING))
def test_a_refusal_under_jit_passes_every_handler(name):
    src = _source(CATCHING[name])
    module = load_module(src)
    with pytest.raises(purify.PurifyError, match="JAX cannot raise on a traced value") as info:
        jax.jit(module.Guarded.step)(module.Guarded.init(), 1.0)
    assert (info.value.filename, info.value.lineno) == (module.__file__, line_in(src, "if self.n > 1000.0"))


@pytest.mark.parametrize("name", sorted(CATCHING))
def test_eagerly_and_in_the_converted_module_the_class_is_pythons(name):
    src = _source(CATCHING[name])
    module = load_module(src)
    obj, plain = module.Guarded(), undecorated(src).Guarded()
    for x in (1.0, 2000.0, 3.0):  # the second call raises inside the handler's try: caught as Python does
        assert obj.step(x) == plain.step(x)
        assert (obj.n, obj.caught) == (plain.n, plain.caught)
    conv = load_module(convert_file(module.__file__), header=False)
    with pytest.raises(TypeError, match="JAX cannot raise on a traced value"):  # (the stand-in refusal there)
        jax.jit(conv.Guarded.step)(conv.Guarded.init(), 1.0)
    out, state = conv.Guarded.step(conv.Guarded.init(), 2000.0)  # concrete: Python's handler runs
    fresh = undecorated(src).Guarded()
    assert (float(out), state.caught) == (fresh.step(2000.0), fresh.caught)


def test_jaxs_own_tracing_error_passes_the_handler_too():
    src = '''
    @purify.stateful
    class Count:
        def __init__(self):
            self.n = 0.0
            self.caught = 0

        def step(self, x):
            try:
                k = int(x)  # JAX's ConcretizationTypeError under jit, a TypeError
            except TypeError:
                self.caught += 1
                k = 0
            self.n = self.n + k
            return self.n
    '''
    module = load_module(src)
    with pytest.raises(jax.errors.ConcretizationTypeError):
        jax.jit(module.Count.step)(module.Count.init(), 2.0)
    assert module.Count().step(2.0) == 2.0


def test_the_pass_marks_only_handlers_that_can_catch_a_signal():
    src = '''
    import contextlib
    import purify


    @purify.stateful
    class Model:
        def __init__(self):
            self.n = 0.0

        def step(self, x):
            try:
                y = 1.0 / x
            except ZeroDivisionError:
                y = 0.0
            except (ValueError, KeyError):
                y = 1.0
            except Exception:
                y = 2.0
            with np.errstate(all="ignore"), contextlib.suppress(ValueError):
                self.n = self.n + y
            return y
    '''
    text = after("handlers", source=src)
    tree = ast.parse(text)
    first = [h.body[0] for h in ast.walk(tree) if isinstance(h, ast.ExceptHandler)]
    assert [ast.unparse(s) for s in first] == ["y = 0.0", "y = 1.0", "_uncaught()"]
    (with_,) = [n for n in ast.walk(tree) if isinstance(n, ast.With)]
    assert [ast.unparse(i.context_expr) for i in with_.items] == [
        "np.errstate(all='ignore')", "_Unsuppressed(contextlib.suppress(ValueError))"]
    assert set(handlers.HELPERS) <= set(purify.engine.convert.CONTROL_HELPERS)

