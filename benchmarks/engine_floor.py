"""Where the engine's time goes, stage by stage, on `convert_throughput.py`'s generated code.

    python benchmarks/engine_floor.py [--decorated 50] [--classes 100] [--repeat 5]

Decorating: the import of the module of decorated classes, timed again with the engine's later
stages switched off one after another (the rewrite passes; then also the compile of the pure
functions; then also the checks that refuse a class), beside `compile()` of the module's source.
What is left at the end is the analysis, the State type and the class's registration, which
every decorated class needs: that row is the least decorating can cost with this engine's design,
however fast its passes become. The switched-off runs make wrong classes (unrewritten methods,
functions that do nothing): they are timed, never used.

Converting: the time `purify convert` spends in each stage of one file (parse, analysis, checks,
rewrite passes, the writer, the output's compile check), beside a bare `ast.parse` + `ast.unparse`.

Each row runs in its own process (a stage switched off stays off), so the rows are as comparable
as separate runs on a shared machine are: run it on a quiet machine, and compare the times.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OFF = ("nothing", "passes", "passes,compile", "passes,compile,checks")


def _switch_off(stages: set[str]) -> None:
    from purify.engine import pipeline
    from purify.runtime import stateful

    for owner, attr in ((pipeline, "REWRITES"), (stateful, "compile_functions"), (pipeline.refusals, "check")):
        assert hasattr(owner, attr), f"{owner.__name__}.{attr} is gone: say here what to switch off instead"
    if "passes" in stages:
        pipeline.REWRITES = ()
    if "compile" in stages:
        stateful.compile_functions = lambda fns, **_: {fn.name: lambda *a, **k: None for fn in fns}
    if "checks" in stages:
        pipeline.refusals.check = lambda ctx: []


def decorate_row(pairs: int, repeat: int, off: str) -> dict[str, float]:
    """Import and compile() times (seconds) of the decorated module, `off` stages switched off:
    convert_throughput.py's measurement, on the engine with those stages off."""
    from benchmarks.convert_throughput import decorate_times

    _switch_off(set(off.split(",")) - {"nothing"})
    t_compile, t_import, _ = decorate_times(pairs, repeat)
    return {"import": t_import, "compile": t_compile}


def convert_row(pairs: int, repeat: int) -> dict[str, float]:
    """Seconds in each stage of one conversion (median of `repeat`), and the bare parse + unparse."""
    from purify.engine import pipeline, static_resolver
    from purify.engine.text import module

    from benchmarks.convert_throughput import best, generate

    spent: collections.Counter[str] = collections.Counter()
    for owner, attr, stage in ((static_resolver, "parse_module", "parse"), (static_resolver, "analyse", "analysis"),
                               (pipeline.refusals, "check", "checks"), (module, "class_text", "writer"),
                               (module, "_check_compiles", "compile check")):
        setattr(owner, attr, _timed(getattr(owner, attr), stage, spent))  # (getattr fails on a stage renamed)
    pipeline.REWRITES = tuple((name, _timed(fn, "passes", spent)) for name, fn in pipeline.REWRITES)
    text = generate(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.py"
        path.write_text(text)

        def convert() -> None:
            project = static_resolver.Project()
            info = project.add(static_resolver.parse_module(text, str(path), path))
            module.convert_module(info, project)

        convert()  # warm-up
        rows = []
        for _ in range(repeat):
            spent.clear()
            rows.append({"total": best(convert, 1), **spent})
        bare = best(lambda: ast.unparse(ast.parse(text)), repeat)
    out = {key: statistics.median(r.get(key, 0.0) for r in rows) for key in rows[0]}
    return {**out, "bare": bare}


def _timed(fn: Callable[..., Any], stage: str, spent: collections.Counter[str]) -> Callable[..., Any]:
    """`fn`, adding the CPU time of each call to `spent[stage]`."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[stage] += time.process_time() - start

    return wrapper


def _in_process(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decorated", type=int, default=50, help="pairs of classes in the decorated module")
    parser.add_argument("--classes", type=int, default=100, help="pairs of classes in the converted file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--row", help=argparse.SUPPRESS)  # one row, in a process of its own
    args = parser.parse_args()
    if args.row == "convert":
        print(json.dumps(convert_row(args.classes, args.repeat)))
        return
    if args.row is not None:
        print(json.dumps(decorate_row(args.decorated, args.repeat, args.row)))
        return
    print(f"Decorating {2 * args.decorated} classes (median of {args.repeat}, Python "
          f"{sys.version.split()[0]}), each row in its own process:\n")
    print("| switched off | importing (decorating) | `compile()` | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for off in OFF:
        row = _in_process("--row", off, "--decorated", str(args.decorated), "--repeat", str(args.repeat))
        print(f"| {off.replace(',', ', ')} | {row['import'] * 1e3:,.0f} ms | {row['compile'] * 1e3:,.0f} ms | "
              f"{row['import'] / row['compile']:.1f}x |")
    row = _in_process("--row", "convert", "--classes", str(args.classes), "--repeat", str(args.repeat))
    print(f"\nConverting a file of {2 * args.classes} classes, time in each stage (median of {args.repeat}):\n")
    print("| stage | time | share of bare parse + unparse |")
    print("| --- | ---: | ---: |")
    for stage in ("parse", "analysis", "checks", "passes", "writer", "compile check", "total", "bare"):
        print(f"| {stage} | {row.get(stage, 0.0) * 1e3:,.1f} ms | {row.get(stage, 0.0) / row['bare']:.2f}x |")


if __name__ == "__main__":
    main()
