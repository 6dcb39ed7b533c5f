"""The fuzzers' view of `purify convert`: available once purify/cli.py exists.

`convert_file(path)` returns the emitted module's text, or raises `PurifyError` for
a refused input. It runs the CLI in this process (through `purify.cli.main`, the same
entry point as the `purify` script) and falls back to a subprocess.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import subprocess
import sys

_STATE: dict[str, bool] = {}


def available() -> bool:
    if "ok" not in _STATE:
        try:
            mod = importlib.import_module("purify.cli")
            _STATE["ok"] = hasattr(mod, "main")
        except ImportError:
            _STATE["ok"] = False
    return _STATE["ok"]


class ConvertFailed(Exception):
    """`purify convert` exited non-zero; `.stderr` holds what it printed."""

    def __init__(self, code: int, stderr: str) -> None:
        super().__init__(f"purify convert exited {code}: {stderr}")
        self.code, self.stderr = code, stderr


def convert_file(path: str) -> str:
    """The module `purify convert PATH` writes to stdout; ConvertFailed on a non-zero exit."""
    from purify import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["convert", path])
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    if code:
        raise ConvertFailed(code, err.getvalue())
    return out.getvalue()


def convert_subprocess(path: str) -> tuple[int, str, str]:
    """`python -m purify convert PATH` in a child process: (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "purify", "convert", path], capture_output=True, text=True, check=False)
    return p.returncode, p.stdout, p.stderr
