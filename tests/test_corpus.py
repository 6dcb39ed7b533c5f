"""The bad-input corpus (issue 4): every refused or malformed input under tests/corpus/ gets a
`PurifyError` that names the file, line and column, shows the source line with a caret, and
hints at what to write instead, from the decorator and from `purify convert` alike.

Each corpus file records its expectation in a header:

    # expect: <a fragment of the message>
    # at: <line>:<column>        (1-based, as in `file:line:col`)
    # hint: <a fragment of the hint>
    # convert: skip (<why>)      (optional)

The syntax-error case can only reach `purify convert`: importing it fails in Python itself.
"""

from __future__ import annotations

import importlib.util
import itertools
import linecache
import re
import sys
from pathlib import Path

import purify
import pytest

from tests.fuzz import cli

CORPUS = Path(__file__).resolve().parent / "corpus"
FILES = sorted(CORPUS.glob("*.py"))
_counter = itertools.count()


def header(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        m = re.match(r"# (expect|at|hint|convert): (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
        elif not line.startswith("#"):
            break
    return out


def decorate(path: Path) -> BaseException | None:
    """Import the file as a module (its classes are decorated there); the error it raises, if any."""
    name = f"purify_corpus_{path.stem}_{next(_counter)}"
    linecache.checkcache(str(path))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as e:  # noqa: BLE001 - the test inspects it
        return e
    finally:
        sys.modules.pop(name, None)
    return None


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 40
    for path in FILES:
        h = header(path)
        assert {"expect", "at", "hint"} <= set(h), path.name


@pytest.mark.parametrize("path", [p for p in FILES if p.stem != "syntax_error"], ids=lambda p: p.stem)
def test_decorator_refuses_with_a_located_error(path: Path) -> None:
    h = header(path)
    e = decorate(path)
    assert isinstance(e, purify.PurifyError), f"expected a PurifyError, got {e!r}"
    assert h["expect"] in e.bare_msg
    assert h["hint"] in e.hint
    text = str(e)
    line, col = (int(x) for x in h["at"].split(":"))
    assert (e.filename, e.lineno, e.offset) == (str(path), line, col)
    assert text.startswith(f"{path}:{line}:{col}: ")
    source_line = path.read_text().splitlines()[line - 1].strip()
    shown = text.splitlines()
    assert f"    {source_line}" in shown, text
    caret = shown[shown.index(f"    {source_line}") + 1]
    assert set(caret.strip()) == {"^"}, text
    # The caret starts under the reported column.
    indent = len(path.read_text().splitlines()[line - 1]) - len(path.read_text().splitlines()[line - 1].lstrip())
    assert caret.index("^") - 4 == col - 1 - indent, text
    assert "  hint: " in text


@pytest.mark.skipif(not cli.available(), reason="purify convert is not available")
@pytest.mark.parametrize("path", [p for p in FILES if "convert" not in header(p)], ids=lambda p: p.stem)
def test_convert_refuses_with_the_same_located_error(path: Path) -> None:
    h = header(path)
    with pytest.raises(cli.ConvertFailed) as info:
        cli.convert_file(str(path))
    err = info.value.stderr
    assert info.value.code == 2
    assert "Traceback" not in err
    assert f"{path}:{h['at']}: " in err, err
    assert h["expect"] in " ".join(err.split()), err
    assert h["hint"] in " ".join(err.split()), err
    assert "nothing was written" in err
