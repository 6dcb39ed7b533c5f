"""Long fuzzing campaigns, outside CI.

    python -m tests.fuzz --examples 10000                 # both fuzzers, 10,000 programs each
    python -m tests.fuzz --kind diff --examples 500 --seed 3
    python -m tests.fuzz --kind crash --examples 20000 --keep-going --out /tmp/fuzz-failures
    python -m tests.fuzz --kind diff --target super --examples 300   # only the `super()`-in-try form
    python -m tests.fuzz --kind sem --examples 2000 --keep-going     # issue 12's constructs (semantics.py)
    python -m tests.fuzz --kind sem --sem-kind names --examples 300  # only second names

Prints the number of programs tried, mismatches and crashes per fuzzer; exits 1 if
any was found. Without --keep-going the first failure is shrunk by hypothesis to a
minimal program, printed, and written to --out.
"""

from __future__ import annotations

import argparse
import sys

from . import crash, differential, forms, objects, semantics
from .campaign import run
from .programs import programs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=int, default=1000, help="programs per fuzzer (default 1000)")
    p.add_argument("--kind", choices=["diff", "crash", "sem", "objects", "both"], default="both",
                   help="both: diff and crash; sem: the differential fuzzer on issue 12's constructs "
                        "(tests/fuzz/semantics.py); objects: the object-semantics fuzzer (tests/fuzz/objects.py)")
    p.add_argument("--seed", type=int, default=None, help="hypothesis seed (default: random)")
    p.add_argument("--keep-going", action="store_true", help="record failures and go on (no shrinking)")
    p.add_argument("--out", default=None, help="directory for failing programs")
    p.add_argument("--progress", type=int, default=500, help="print a progress line every N programs")
    p.add_argument("--modes", default="instance,jit,vmap,convert",
                   help="differential modes (default: instance,jit,vmap,convert)")
    p.add_argument("--target", choices=forms.FORMS, default=None,
                   help="differential: run only programs holding this form and no other (tests/fuzz/forms.py)")
    p.add_argument("--sem-kind", choices=semantics.KINDS, action="append", default=None,
                   help="sem: only snippets of this kind (repeatable)")
    args = p.parse_args(argv)

    failed = False
    kinds = ["diff", "crash"] if args.kind == "both" else [args.kind]
    for kind in kinds:
        if kind == "diff":
            modes = tuple(args.modes.split(","))

            def check(prog: object, modes: tuple[str, ...] = modes, target: str | None = args.target) -> str:
                if target is not None and not forms.only(prog.source, target):  # type: ignore[attr-defined]
                    return "skipped (not the target form)"
                ran = differential.check_program(prog, modes)  # type: ignore[arg-type]
                return "+".join(ran)

            stats_args = (programs(), check, lambda prog: prog.describe(),
                          (differential.Mismatch, differential.InvalidProgram))
        elif kind == "sem":
            modes = tuple(args.modes.split(","))

            def check_sem(prog: semantics.SemProgram, modes: tuple[str, ...] = modes) -> str:
                ran = differential.check_program(prog, tuple(m for m in modes if m in prog.modes))
                return "+".join(ran)

            stats_args = (semantics.semantic_programs(tuple(args.sem_kind or semantics.KINDS)), check_sem,
                          lambda prog: f"{prog.describe()}# modes: {','.join(prog.modes)}\n",
                          (differential.Mismatch, differential.InvalidProgram))
        elif kind == "objects":
            stats_args = (objects.cases(), objects.check_case, lambda c: c.describe(),
                          (differential.Mismatch, objects.InternalError))
        else:
            stats_args = (crash.classes(), crash.check_class, lambda c: c.source, (crash.Crash,))
        stats = run(kind, *stats_args, examples=args.examples, seed=args.seed, keep_going=args.keep_going,
                    shrink=not args.keep_going, out=args.out, progress=args.progress)
        print(stats.summary(), flush=True)
        if stats.failures:
            failed = True
            label = "minimal failing program" if stats.error is not None else "last failing program"
            print(f"--- {label} ---\n{stats.last_failure}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
