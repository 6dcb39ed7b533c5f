"""The code `purify convert` copies into converted modules is self-contained.

For every definition the CLI may copy (`copyable()`, the code's own table), copy it alone into
an empty module the way the CLI does (with what it calls, and the imports the CLI adds for
it), and check that the module compiles, runs, and reads no name it does not bind: a helper
that came to need purify's runtime, or a new helper the copying does not follow, fails here
rather than in a user's `purify convert`.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from pathlib import Path
from typing import NamedTuple

import pytest
from purify.engine.convert import RUNTIME_HELPERS
from purify.engine.text.copying import EAGER, STANDALONE_FILE, copy_definitions, copyable, names_read
from purify.engine.text.imports import needed_imports

CASES = copyable()


def alone(path: Path, name: str) -> tuple[str, set[str]]:
    """A module holding `name` as the CLI copies it, and the names of the definitions copied."""
    copied = copy_definitions(path, {name})
    assert not copied.runtime, f"{name} reads purify's runtime: {copied.runtime}"
    imports = needed_imports(names_read(copied.trees), copied.imports)
    header = "".join(i.text() + "\n" for i in imports)
    return header + "\n\n" + copied.code() + "\n", copied.names


def unbound(text: str) -> set[str]:
    """Names the module reads, in any scope, that it does not bind and are no builtins."""
    top = symtable.symtable(text, "<copied>", "exec")
    bound = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read: set[str] = set()
    tables = [top]
    while tables:
        table = tables.pop()
        read |= {s.get_name() for s in table.get_symbols()
                 if s.is_referenced() and (s.is_global() or table.get_type() == "module")}
        tables += table.get_children()
    return read - bound - set(dir(builtins))


def test_the_table_names_every_runtime_helper_and_eager():
    names = {name for _, name in CASES}
    assert set(RUNTIME_HELPERS) <= names and EAGER in names
    assert {"_seed_key", "_fold_lanes"} <= names  # what purify.Rng's methods call


@pytest.mark.parametrize(("path", "name"), CASES, ids=[f"{p.stem}.{n}" for p, n in CASES])
def test_each_copied_definition_is_self_contained(path: Path, name: str):
    text, names = alone(path, name)
    assert name in names, f"{name} is not a definition of {path.name}: the CLI would copy nothing"
    compile(text, f"<{name} alone>", "exec", dont_inherit=True)
    assert not unbound(text), f"{name} copied alone reads unbound names {sorted(unbound(text))}:\n{text}"
    exec(compile(text, f"<{name} alone>", "exec", dont_inherit=True), {})  # noqa: S102 - its imports resolve


def test_dependencies_come_along():
    text, names = alone(*next(c for c in CASES if c[1] == "_grad"))
    assert {"_grad", "_value_and_grad", "_split", "_merge", "_is_state"} <= names
    assert "from typing import Any\n" in text and "import jax\n" in text


def test_a_stand_in_replaces_purifys_definition():
    text, _ = alone(*next(c for c in CASES if c[1] == "_fold_lanes"))
    fold_lanes = next(s for s in ast.parse(text).body if isinstance(s, ast.FunctionDef))
    stand_in = next(s for s in ast.parse(STANDALONE_FILE.read_text()).body
                    if isinstance(s, ast.FunctionDef) and s.name == "_fold_lanes")
    assert ast.dump(fold_lanes) == ast.dump(stand_in) and "context" not in text


def test_eager_runs_the_pure_functions_and_keeps_the_state():
    text, _ = alone(STANDALONE_FILE, EAGER)
    scope: dict = {}
    exec(text, scope)  # noqa: S102 - purify's own code, as a converted module runs it

    class Counter:  # the shape of a converted class: init and pure methods on a NamedTuple state
        class State(NamedTuple):
            n: int

        @staticmethod
        def init(start):
            return Counter.State(start)

        @staticmethod
        def __call__(state, k=1):
            return state.n + k, state._replace(n=state.n + k)

    counter = scope[EAGER](Counter, 2)
    assert counter(3) == 5 and counter() == 6 and counter.n == 6
