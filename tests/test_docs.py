"""Every code block of the documentation (docs/**/*.md) and of README.md runs here, so the docs
cannot drift from what purify does.

The conventions (also on the docs' "How purify is built and tested" page):

* Every fence names its language. A bare fence is an error.
* A `python` block runs. The `python` blocks of one page run in order in one namespace, like the
  cells of a notebook: a page builds its example up. They run as one module whose file holds the
  page's blocks at their Markdown line numbers, so purify finds the classes' source and a failure
  points at the Markdown line.
* Blocks of any other language (`text`, `console`, `bash`, `yaml`, `toml`) are shown, not run,
  unless a directive says otherwise.
* A directive is an HTML comment on the line before a fence (invisible on the site and on
  GitHub): `<!-- docs: WORD WORD=VALUE ... -->`. The words:

  - `file=NAME`: the block is written to NAME in the page's working directory (a fresh temporary
    directory, also the current directory and on `sys.path` while the page runs). A `python` file
    is then imported on its own as the module NAME (it must run by itself) and bound to that name in
    the page's namespace.
  - `raises`: running the block must raise `purify.PurifyError`. With `file=`, the error must be
    located in that file; `raises=unlocated` for run-time errors that have no line of their own.
  - `output`: on a `text` block: it must equal what the previous run block printed, or the
    message of the `PurifyError` it raised (`str(error)`, with the working directory left out of
    file names).
  - `source=EXPR`: on a `python` block: it must equal `purify.source(EXPR)` (EXPR evaluated in the
    page's namespace). Not run.
  - `run`: on a `console` block: each `$ COMMAND` line runs in a shell in the working directory,
    and the lines after it, up to the next `$`, must equal its stdout and stderr.
  - `devices=N`: a `python` block that runs by itself in a subprocess with N CPU devices
    (`XLA_FLAGS=--xla_force_host_platform_device_count=N`): XLA reads the flag once per process.
  - `skip`: shown, not run (say why in the page's text); with `file=`, written but not imported
    (a file only `purify convert` reads).

After a deliberate change of purify's messages or output, `PURIFY_DOCS_UPDATE=1 python -m pytest
tests/test_docs.py` rewrites the `output`, `run` and `source=` blocks with what the code prints now (review
the diff: it is the change users will see).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import re
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\s*<!--\s*docs:(?P<words>.*?)-->\s*$")
WORDS = {"file", "raises", "output", "source", "run", "devices", "skip"}
UPDATE = os.environ.get("PURIFY_DOCS_UPDATE") == "1"


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the block's first line of code
    lang: str
    text: str
    opts: dict[str, str] = field(default_factory=dict)
    lines: int = -1  # how many lines the block's body has (an empty block's text is "\n" too)

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def parse(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, with their directives."""
    lines = page.read_text().splitlines()
    blocks: list[Block] = []
    opts: dict[str, str] | None = None
    i = 0
    while i < len(lines):
        d = DIRECTIVE.match(lines[i])
        if d:
            opts = {}
            for word in d["words"].split():
                key, _, value = word.partition("=")
                assert key in WORDS, f"{page.name}:{i + 1}: unknown docs directive {key!r}"
                opts[key] = value
            i += 1
            continue
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip() and opts is not None:
                raise AssertionError(f"{page.name}:{i + 1}: a docs directive must come right before a fence")
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        lang = info.split()[0] if info else ""
        assert lang, f"{page.name}:{i + 1}: every fence names its language (python, text, console, ...)"
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and lines[j].strip().strip(fence[0]) == ""):
            j += 1
        assert j < len(lines), f"{page.name}:{i + 1}: unclosed fence"
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        blocks.append(Block(page, i + 2, lang, "\n".join(body) + "\n", opts or {}, len(body)))
        opts = None
        i = j + 1
    return blocks


def _same(shown: str, actual: str, what: str, block: Block) -> None:
    def norm(s: str) -> str:
        return "\n".join(ln.rstrip() for ln in s.strip("\n").splitlines())

    if norm(shown) != norm(actual):
        raise AssertionError(f"{block.where}: the block shown differs from {what}:\n"
                             f"--- shown\n{norm(shown)}\n--- actual\n{norm(actual)}")


class Page:
    """One page's run: its namespace, working directory and the last block's result."""

    def __init__(self, page: Path, workdir: Path) -> None:
        self.page, self.workdir = page, workdir
        slug = re.sub(r"\W", "_", str(page.relative_to(ROOT).with_suffix("")))
        self.pyfile = workdir / f"_page_{slug}.py"
        self.module = types.ModuleType(f"_docs_{slug}")
        self.module.__file__ = str(self.pyfile)
        self.ns = self.module.__dict__
        self.last: tuple[Block, str, BaseException | None] | None = None  # block, stdout, error
        self.updates: list[tuple[Block, str]] = []  # with PURIFY_DOCS_UPDATE=1: (block, its new text)

    def write_page_file(self, blocks: list[Block]) -> None:
        """The page's namespace blocks, at their Markdown line numbers, as one Python file."""
        out: list[str] = []
        for b in blocks:
            if self.in_namespace(b):
                out += [""] * (b.line - 1 - len(out))
                out += b.text.splitlines()
        self.pyfile.write_text("\n".join(out) + "\n")

    @staticmethod
    def in_namespace(b: Block) -> bool:
        return b.lang == "python" and not ({"file", "source", "devices", "skip"} & b.opts.keys())

    def run(self, blocks: list[Block]) -> None:
        for b in blocks:
            if "file" in b.opts:
                (self.workdir / b.opts["file"]).write_text(b.text)
            if "skip" in b.opts:
                continue
            if "output" in b.opts:
                self.check_output(b)
            elif "source" in b.opts:
                import purify

                shown = purify.source(eval(b.opts["source"], self.ns))
                if UPDATE:
                    self.updates.append((b, shown))
                else:
                    _same(b.text, shown, f"purify.source({b.opts['source']})", b)
            elif b.lang == "console" and "run" in b.opts:
                self.run_console(b)
            elif b.lang == "python" and "devices" in b.opts:
                self.run_devices(b)
            elif b.lang == "python" and "file" in b.opts:
                self.execute(b, lambda b=b: self.import_file(b))
            elif b.lang == "python":
                code = compile("\n" * (b.line - 1) + b.text, str(self.pyfile), "exec", dont_inherit=True)
                self.execute(b, lambda code=code: exec(code, self.ns))  # noqa: S102 - running the docs is the point

    def execute(self, b: Block, fn) -> None:
        import purify

        buf = io.StringIO()
        error = None
        with contextlib.redirect_stdout(buf):
            if "raises" in b.opts:
                try:
                    fn()
                except purify.PurifyError as e:
                    error = e
                else:
                    raise AssertionError(f"{b.where}: the block should raise purify.PurifyError")
            else:
                try:
                    fn()
                except Exception as e:
                    raise AssertionError(f"{b.where}: the block raised {type(e).__name__}: {e}") from e
        if error is not None and b.opts["raises"] != "unlocated":
            assert error.filename is not None and error.lineno is not None, f"{b.where}: the error has no location"
            if "file" in b.opts:
                assert Path(error.filename).name == b.opts["file"], f"{b.where}: error located in {error.filename}"
        self.last = (b, buf.getvalue(), error)

    def import_file(self, b: Block) -> None:
        path = self.workdir / b.opts["file"]
        name = path.stem
        sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        self.ns[name] = module
        spec.loader.exec_module(module)

    def check_output(self, b: Block) -> None:
        assert self.last is not None, f"{b.where}: an output block needs a run block before it"
        ran, stdout, error = self.last
        actual = str(error).replace(str(self.workdir) + os.sep, "") if error is not None else stdout
        self.last = None
        if UPDATE:
            self.updates.append((b, actual))
            return
        _same(b.text, actual, f"the output of the block at line {ran.line}", b)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.pop("XLA_FLAGS", None)
        return env

    def run_console(self, b: Block) -> None:
        commands: list[tuple[str, list[str]]] = []
        for line in b.text.splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                assert commands, f"{b.where}: a console block starts with a `$ ` command"
                commands[-1][1].append(line)
        new = []
        for cmd, shown in commands:
            proc = subprocess.run(cmd, shell=True, check=False, cwd=self.workdir, env=self.env(), text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            new += [f"$ {cmd}", *proc.stdout.rstrip("\n").splitlines()]
            if not UPDATE:
                _same("\n".join(shown), proc.stdout, f"the output of `{cmd}`", b)
        if UPDATE:
            self.updates.append((b, "\n".join(new)))

    def write_updates(self) -> None:
        lines = self.page.read_text().splitlines()
        for b, text in sorted(self.updates, key=lambda u: -u[0].line):
            lines[b.line - 1:b.line - 1 + b.lines] = text.strip("\n").splitlines()
        self.page.write_text("\n".join(lines) + "\n")

    def run_devices(self, b: Block) -> None:
        path = self.workdir / f"_devices_{b.line}.py"
        path.write_text(b.text)
        env = self.env()
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={int(b.opts['devices'])}"
        env["JAX_PLATFORMS"] = "cpu"
        proc = subprocess.run([sys.executable, str(path)], check=False, cwd=self.workdir, env=env, text=True,
                              capture_output=True, timeout=300)
        assert proc.returncode == 0, f"{b.where}: the block failed with {b.opts['devices']} devices:\n{proc.stderr}"
        self.last = (b, proc.stdout, None)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = parse(page)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    run = Page(page, tmp_path)
    run.write_page_file(blocks)
    sys.modules[run.module.__name__] = run.module
    try:
        run.run(blocks)
    finally:
        if run.updates:
            run.write_updates()
        for name in set(sys.modules) - before:
            if str(tmp_path) in str(getattr(sys.modules[name], "__file__", "") or ""):
                del sys.modules[name]


def test_the_conventions_are_followed() -> None:
    """Output blocks are `text`, and `run` is for `console` blocks; README's relative links resolve."""
    for page in PAGES:
        for b in parse(page):
            if "output" in b.opts:
                assert b.lang == "text", f"{b.where}: output blocks are `text`"
            if "run" in b.opts:
                assert b.lang == "console", f"{b.where}: `run` is for console blocks"


def test_parse_understands_directives(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(textwrap.dedent("""\
        Text.

        <!-- docs: file=a.py raises -->
        ```python
        x = 1
        ```

        ```text
        shown
        ```
    """))
    a, b = parse(page)
    assert (a.lang, a.line, a.text, a.opts) == ("python", 5, "x = 1\n", {"file": "a.py", "raises": ""})
    assert (b.lang, b.opts) == ("text", {})


def test_readme_links_resolve() -> None:
    """The README's relative links (into docs/) name files that exist, so they work on GitHub."""
    text = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"
