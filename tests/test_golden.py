"""Golden outputs: the exact text `purify convert` and `purify.source(Cls)` write, byte for byte.

They pin the CLI emitter's behaviour so that refactoring it (purify/engine/text/) cannot change a
character unnoticed. Three sets, under tests/golden/expected/:

* `examples/`: `purify convert examples -o OUT`, one run over the directory, as `python -m examples`
  does (child classes resolve across files); every file the run writes;
* `inputs/`: `purify convert tests/golden/inputs -o OUT`: the dedicated inputs for import editing
  (purify imports dropped or kept, `from typing import ...` merged, short and long; no imports
  left, a docstring-only header, a shebang, an encoding cookie and `from __future__`, a purify
  import sharing its line), comments, copied helpers, purify.Rng and `_Eager`;
* `source/`: `purify.source(Cls)` of every decorated class of tests/golden/inputs/constructs.py
  (children, inheritance, purify.Rng, grad, split and merge, properties, static and class
  methods, NumPy and dict item updates).

A mismatch prints a unified diff. When a change of output is intended, rewrite the expected files
and review their diff in git:

    PURIFY_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import importlib.util
import io
import os
import sys
from pathlib import Path

import purify
import pytest
from purify.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
INPUTS = GOLDEN / "inputs"
EXPECTED = GOLDEN / "expected"
UPDATE = os.environ.get("PURIFY_UPDATE_GOLDEN") == "1"


def _convert_tree(source: Path, out: Path) -> dict[str, str]:
    """`purify convert SOURCE -o OUT` in this process: every file written, by relative path."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = err = io.StringIO(), io.StringIO()
    try:
        code = main(["convert", str(source), "-o", str(out)])
    finally:
        sys.stdout, sys.stderr = saved
    assert code == 0, err.getvalue()
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(out.rglob("*")) if p.is_file()}


def _sources() -> dict[str, str]:
    """`purify.source(Cls)` of each decorated class of constructs.py, in file order."""
    name = "golden_constructs"
    spec = importlib.util.spec_from_file_location(name, INPUTS / "constructs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        return {f"{cls.__name__}.py": purify.source(cls) for cls in vars(module).values()
                if isinstance(cls, type) and "__purify__" in cls.__dict__}
    finally:
        del sys.modules[name]


def _check(kind: str, got: dict[str, str]) -> None:
    """Compare with (or, with PURIFY_UPDATE_GOLDEN=1, rewrite) tests/golden/expected/KIND/."""
    folder = EXPECTED / kind
    if UPDATE:
        for old in folder.rglob("*"):
            if old.is_file() and old.relative_to(folder).as_posix() not in got:
                old.unlink()
        for rel, text in got.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        return
    want = {p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}
    assert sorted(got) == sorted(want), f"{kind}: the files written differ from tests/golden/expected/{kind}/"
    diffs = ["".join(difflib.unified_diff(want[rel].splitlines(keepends=True), got[rel].splitlines(keepends=True),
                                          f"expected/{kind}/{rel}", f"output/{kind}/{rel}"))
             for rel in sorted(got) if got[rel] != want[rel]]
    assert not diffs, f"{len(diffs)} golden file(s) differ (PURIFY_UPDATE_GOLDEN=1 rewrites them if intended):\n" \
        + "\n".join(diffs)


def test_examples_convert_exactly_as_recorded(tmp_path):
    converted = _convert_tree(ROOT / "examples", tmp_path / "examples")
    # examples/ported/ is the libraries' code, checked against the libraries (tests/test_ported.py)
    _check("examples", {rel: text for rel, text in converted.items() if not rel.startswith("ported/")})


def test_dedicated_inputs_convert_exactly_as_recorded(tmp_path):
    _check("inputs", _convert_tree(INPUTS, tmp_path / "inputs"))


def test_purify_source_is_exactly_as_recorded():
    _check("source", _sources())


@pytest.mark.skipif(UPDATE, reason="rewriting the expected files")
def test_the_golden_set_covers_what_it_says():
    """The sets keep exercising the copied code and the import editing they are there for."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in (EXPECTED / "inputs").glob("*.py")}
    examples = "".join(p.read_text(encoding="utf-8") for p in (EXPECTED / "examples").rglob("*.py"))
    for needle in ("class _Eager:", "def _setitem(", "def _split(", "def _merge(", "def _value_and_grad(",
                   "def _seed_key(", "def _fold_lanes(", "class Rng:"):
        assert needle in examples or any(needle in t for t in texts.values()), needle
    assert "from typing import Any, NamedTuple, Optional\n" in texts["typing_merged.py"]
    assert "from typing import (\n" in texts["typing_long.py"]
    assert "import numpy as np, purify  #" in texts["imports_kept.py"] and "import purify" not in texts["imports_dropped.py"]
    assert "def _grad(" in texts["constructs.py"]
