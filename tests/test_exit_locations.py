"""Where the refusals about code after an early exit point (issue 14, found by the ports): a traced
`if` that returns leaves the rest of the method under a flag, and what goes wrong there (`self`
left with another structure, a `raise` JAX cannot make) is about leaving at that `if`. The
decorator's refusal points at the `if` itself (it pointed at the first statement after it); in
the `purify convert` output, at the first line of the dispatch helper's call."""

from __future__ import annotations

from pathlib import Path

import jax
import purify
import pytest

from tests.conftest import line_in, load_module
from tests.fuzz.cli import convert_file

STRUCTURES = """
    @purify.stateful
    class Pid:
        def __init__(self):
            self.auto = jnp.asarray(True)
            self.last = None

        def step(self, x):
            if (not self.auto
                    and x > 0):
                return self.last
            error = x * 2
            self.last = (error, x)  # (None and an array merge into a purify.Maybe; None and a tuple do not)
            return error
"""

RAISES = """
    @purify.stateful
    class Pid:
        def __init__(self):
            self.auto = jnp.asarray(True)
            self.last = jnp.asarray(0.0)

        def step(self, x, dt):
            if not self.auto:
                return self.last
            now = x + 1
            self.last = now
            raise NotImplementedError("always, after the early return")  # (one on a test: test_raise_after_exit.py)
"""

CASES = [(STRUCTURES, (1.0,), "`self` leaves the branches of this `if` on a traced value with different structures",
          "if (not self.auto"),
         (RAISES, (1.0, 1.0), "the code after this `if` raises", "if not self.auto")]


@pytest.mark.parametrize(("source", "args", "message", "at"), CASES, ids=["structures", "raise"])
def test_a_refusal_about_the_code_after_an_early_return_points_at_the_if(source, args, message, at):
    module = load_module(source)
    with pytest.raises(purify.PurifyError) as e:
        jax.jit(module.Pid.step)(module.Pid.init(), *args)
    assert message in e.value.bare_msg
    assert (e.value.filename, e.value.lineno, e.value.offset) == (module.__file__, line_in(source, at), 9)
    assert e.value.hint


@pytest.mark.parametrize(("source", "args", "message", "at"), CASES, ids=["structures", "raise"])
def test_in_the_converted_module_it_points_at_the_first_line_of_the_helpers_call(source, args, message, at):
    module = load_module(source)
    conv = load_module(convert_file(module.__file__), header=False)
    with pytest.raises(TypeError, match=message[:30]) as e:
        jax.jit(conv.Pid.step)(conv.Pid.init(), *args)
    filename, line = str(e.value).split(": ")[0].rsplit(":", 1)
    assert filename == conv.__file__
    text = Path(filename).read_text().splitlines()[int(line) - 1]
    assert "_if(" in text or "_concrete(" in text, text  # the line the call starts on, not its last
