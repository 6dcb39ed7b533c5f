"""`purify convert`: rewrite the @purify.stateful classes of files into standalone pure JAX code.

    purify convert counter.py              # the converted module on stdout
    purify convert counter.py -o out.py    # ... into a file
    purify convert src/ -o out/            # a tree, mirrored (progress on stderr for many files)
    purify convert counter.py --in-place   # atomic replace; the input is untouched on any error
    purify convert counter.py --check      # exit 1 if converting would change the file (CI)
    purify convert counter.py --diff       # a unified diff on stdout
    purify convert - < counter.py          # stdin to stdout

Exit status, as black and ruff: 0 success (or nothing would change for --check),
1 when --check finds a file that would change, 2 on errors (a located message on stderr).

`convert` never imports or runs its input: it reads and parses it, and the engine
(the same analysis and rewrite as the decorator) does the rest.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import gc
import os
import stat
import sys
import tempfile
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ._version import __version__
from .engine.static_resolver import ModuleInfo, Project, parse_module
from .engine.text.module import convert_module
from .errors import PurifyError

EXIT_OK, EXIT_CHANGED, EXIT_ERROR = 0, 1, 2
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages"}
_PROGRESS_MIN = 8  # files; fewer convert too fast for a progress bar to help


class UsageError(Exception):
    """A bad command line (exit 2)."""


@dataclasses.dataclass
class Job:
    """One file to convert."""

    source: Path | None  # None: stdin
    shown: str  # the name in messages
    name: str  # the name in the generated header
    dest: Path | None  # None: stdout
    original: str = ""  # the text, newlines normalised to "\n"
    raw: bytes = b""
    encoding: str = "utf-8"
    crlf: bool = False
    source_hint: Path | None = None  # stdin: the file it stands for (--stdin-filename)
    info: ModuleInfo | None = None
    result: str | None = None
    converted: list[str] = dataclasses.field(default_factory=list)
    already: list[str] = dataclasses.field(default_factory=list)  # selected, converted before


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="purify", description="purify: object-oriented JAX classes, rewritten "
                                     "into pure functions.")
    parser.add_argument("--version", action="version", version=f"purify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    conv = sub.add_parser(
        "convert", help="rewrite @purify.stateful classes into standalone pure JAX code",
        description="Rewrite the @purify.stateful classes of Python files into standalone pure JAX code: a State "
        "NamedTuple and pure functions Cls.method(state, ...) -> (out, state), the same pure API as the decorator's. "
        "The output does not import purify. The input is read, never imported or run.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit status: 0 success (nothing would change, with --check), 1 --check found a file that "
        "would change, 2 error")
    conv.add_argument("paths", nargs="+", metavar="PATH", help="a .py file, a directory, or - for stdin")
    conv.add_argument("-o", "--output", metavar="OUT",
                      help="output file (one input file) or directory (a directory, or several inputs)")
    conv.add_argument("--in-place", action="store_true",
                      help="replace each input file (atomically: on any error no file changes)")
    conv.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if converting would change a file")
    conv.add_argument("--diff", action="store_true", help="write nothing; print a unified diff on stdout")
    conv.add_argument("--select", metavar="NAME,...",
                      help="convert these classes (decorated or not) instead of the @purify.stateful ones")
    conv.add_argument("--stdin-filename", metavar="NAME",
                      help="the file name to report (and to resolve imports from) for input read from stdin")
    conv.add_argument("-q", "--quiet", action="store_true", help="no notes or summary on stderr, only errors")
    conv.set_defaults(parser=conv)  # so a bad option is reported with convert's usage, not the top level's
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The `purify` console script; returns the exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command != "convert":
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    # An AST is a tree that reference counting frees; the cycle collector would only rescan the
    # nodes of every file held in memory, about a fifth of the time on a 10,000-line file.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return convert_command(args, sys.stdin, sys.stdout, sys.stderr)
    except UsageError as e:
        print(f"purify convert: error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    finally:
        if collecting:
            gc.enable()


# -- the command ---------------------------------------------------------------


def convert_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    select = [s.strip() for s in args.select.split(",") if s.strip()] if args.select else None
    if args.select is not None and not select:
        raise UsageError("--select needs at least one class name")
    jobs = plan(args)
    roots = [Path(p) for p in args.paths if p != "-" and Path(p).is_dir()]
    roots += [Path(p).parent for p in args.paths if p != "-" and Path(p).is_file()]
    project = Project(select=select, roots=roots)

    errors: list[str] = []
    for job in jobs:  # read and parse everything first: a directory run resolves classes across files
        try:
            _read(job, stdin)
            job.info = project.add(parse_module(job.original, job.shown, job.source or job.source_hint))
        except PurifyError as e:
            errors.append(str(e))
        except OSError as e:
            errors.append(f"{job.shown}: cannot read: {e.strerror or e}")

    notes: list[str] = []
    progress = _Progress(stderr, len(jobs)) if len(jobs) >= _PROGRESS_MIN and _isatty(stderr) else None
    for i, job in enumerate(jobs):
        if progress:
            progress.update(i, job.shown)
        if job.info is None:
            continue
        try:
            result = convert_module(job.info, project, job.name)
        except PurifyError as e:
            errors.append(str(e))
            continue
        except RecursionError:
            errors.append(f"{job.shown}: too deeply nested for purify convert")
            continue
        job.result, job.converted, job.already = result.text, result.converted, result.already
        notes += result.notes
        notes += [f"{job.shown}: {name} is converted already (it has State and init); it is left as it is"
                  for name in result.already]
    if progress:
        progress.done()

    for message in errors:
        print(message, file=stderr)
    if select:
        found = {name for job in jobs for name in job.converted + job.already}
        missing = [name for name in select if name not in found]
        if missing and not errors:
            print(f"purify convert: error: no class named {', '.join(missing)} to convert "
                  f"(--select)", file=stderr)
            return EXIT_ERROR
    if errors:
        if not (args.check or args.diff):
            print("purify convert: nothing was written", file=stderr)
        return EXIT_ERROR
    if not args.quiet:
        for note in notes:
            print(f"note: {note}", file=stderr)

    changed = [job for job in jobs if job.result is not None and job.result != job.original]
    if args.check or args.diff:
        if args.diff:
            for job in changed:
                stdout.write(_diff(job))
        if args.check:
            if not args.quiet:
                for job in changed:
                    print(f"would convert {job.shown} ({', '.join(job.converted)})", file=stderr)
                _summary(jobs, changed, stderr, "would convert")
            return EXIT_CHANGED if changed else EXIT_OK
        return EXIT_OK

    if not args.quiet:
        for job in jobs:
            if job.result is not None and not job.converted and (len(jobs) == 1 or args.in_place):
                print(f"purify convert: nothing to convert in {job.shown} "
                      "(no @purify.stateful classes; it is left as it is)", file=stderr)
    try:
        for job in jobs:
            assert job.result is not None
            if job.dest is None:
                stdout.write(job.result)
                stdout.flush()
            elif args.in_place and job.result == job.original:
                continue
            else:
                atomic_write(job.dest, _encode(job), like=job.source)
    except OSError as e:
        target = e.filename or (job.dest if job.dest is not None else "stdout")
        print(f"purify convert: error: cannot write {target}: {e.strerror or e}", file=stderr)
        return EXIT_ERROR
    if not args.quiet and len(jobs) > 1:
        _summary(jobs, changed, stderr, "converted")
    return EXIT_OK


def plan(args: argparse.Namespace) -> list[Job]:
    """The files to convert and where each goes."""
    paths: list[str] = list(args.paths)
    out = Path(args.output) if args.output else None
    if args.in_place and out is not None:
        raise UsageError("--in-place and -o/--output cannot be used together")
    if "-" in paths and len(paths) > 1:
        raise UsageError("- (stdin) cannot be combined with other paths")
    if args.in_place and "-" in paths:
        raise UsageError("--in-place needs files, not stdin")
    if args.stdin_filename and "-" not in paths:
        raise UsageError("--stdin-filename is for input read from stdin (-)")
    review = args.check or args.diff
    if paths == ["-"]:
        shown = args.stdin_filename or "<stdin>"
        dest = None if review or out is None else (out / Path(shown).name if out.is_dir() else out)
        hint = Path(args.stdin_filename) if args.stdin_filename else None
        return [Job(None, shown, Path(shown).name, dest, source_hint=hint)]
    for p in paths:
        if not Path(p).exists():
            raise UsageError(f"{p}: no such file or directory")
    several = len(paths) > 1 or Path(paths[0]).is_dir()
    if several and not (review or args.in_place or out is not None):
        raise UsageError("converting a directory or several files needs -o DIR (or --in-place, --check, --diff)")
    if several and out is not None and out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; -o must name a directory for a directory or several inputs")
    jobs: list[Job] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            base = out if len(paths) == 1 else (out / path.resolve().name if out is not None else None)
            for file in _python_files(path, exclude=out):
                rel = file.relative_to(path)
                dest = file if args.in_place else (base / rel if base is not None else None)
                jobs.append(Job(file, str(file), rel.as_posix(), None if review else dest))
        else:
            if args.in_place:
                dest: Path | None = path
            elif out is None:
                dest = None
            elif several or out.is_dir() or args.output.endswith(("/", os.sep)):
                dest = out / path.name
            else:
                dest = out
            jobs.append(Job(path, str(path), path.name, None if review else dest))
    if not jobs:
        raise UsageError(f"no Python files in {', '.join(paths)}")
    if out is not None and not review:
        for job in jobs:
            if job.source is not None and job.dest is not None and _same_file(job.source, job.dest):
                raise UsageError(f"-o would overwrite the input {job.shown}; use --in-place for that")
    return jobs


def _python_files(root: Path, exclude: Path | None) -> list[Path]:
    skip = exclude.resolve() if exclude is not None else None
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
                             and (skip is None or (here / d).resolve() != skip))
        out += [here / f for f in sorted(filenames) if f.endswith((".py", ".pyi")) and not f.startswith(".")]
    return [f for f in out if f.suffix == ".py"]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


# -- reading and writing -------------------------------------------------------


def _read(job: Job, stdin: TextIO) -> None:
    if job.source is None:
        buffer = getattr(stdin, "buffer", None)
        job.raw = buffer.read() if buffer is not None else stdin.read().encode("utf-8")
    else:
        job.raw = job.source.read_bytes()
    try:
        job.encoding, _ = tokenize.detect_encoding(iter(job.raw.splitlines(keepends=True)).__next__)
        text = job.raw.decode(job.encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as e:
        raise PurifyError(f"cannot decode {job.shown}: {e}", filename=job.shown, lineno=1, col=0, text="") from None
    job.crlf = "\r\n" in text
    job.original = text.replace("\r\n", "\n").replace("\r", "\n")


def _encode(job: Job) -> bytes:
    assert job.result is not None
    text = job.result.replace("\n", "\r\n") if job.crlf else job.result
    return text.encode(job.encoding)


def atomic_write(path: Path, data: bytes, like: Path | None = None) -> None:
    """Write through a temporary file in the same directory and an atomic rename: readers see the
    old file or the new one, never a partial one; on any error the old file is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".purify-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if like is not None and like.exists():
            mode = stat.S_IMODE(like.stat().st_mode)
        elif path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _diff(job: Job) -> str:
    assert job.result is not None
    name = job.shown
    lines = difflib.unified_diff(job.original.splitlines(keepends=True), job.result.splitlines(keepends=True),
                                 f"{name}", f"{name} (converted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


# -- messages --------------------------------------------------------------------


def _summary(jobs: list[Job], changed: list[Job], stderr: TextIO, verb: str) -> None:
    classes = sum(len(job.converted) for job in jobs)
    untouched = len(jobs) - len(changed)
    print(f"purify convert: {verb} {classes} class{'es' if classes != 1 else ''} in {len(changed)} "
          f"file{'s' if len(changed) != 1 else ''}; {untouched} file{'s' if untouched != 1 else ''} "
          "with nothing to convert", file=stderr)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """`[#####     ] 12/40 path` on one line of stderr."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream, self.total = stream, total

    def update(self, i: int, name: str) -> None:
        width = 24
        filled = width * i // max(self.total, 1)
        label = name if len(name) <= 40 else "..." + name[-37:]
        self.stream.write(f"\r\033[K[{'#' * filled}{' ' * (width - filled)}] {i}/{self.total} {label}")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()
