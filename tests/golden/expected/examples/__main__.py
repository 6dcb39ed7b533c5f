"""The main job: run every example as written, convert them all with `purify convert`, and
show that the converted modules work without purify.

    python3 -m examples            # from the repository root, after `pip install -e .`
    python3 -m examples --quiet    # only the summary lines

Exits non-zero if any example fails, any conversion fails, or a converted module does not
import, lint or run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT.parent / "build" / "converted"

# Makes `import purify` fail, to prove a converted module stands alone.
BLOCK_PURIFY = textwrap.dedent("""
    import sys
    class _NoPurify:
        def find_spec(self, name, path=None, target=None):
            if name == "purify" or name.startswith("purify."):
                raise ImportError("purify is blocked: converted modules must not need it")
    sys.meta_path.insert(0, _NoPurify())
""")

# The pure API of converted classes, run with purify blocked: the classes of these examples
# (their demo code uses purify's instance API, so those modules keep `import purify`) are
# converted on their own into STANDALONE.
STANDALONE = OUT.parent / "standalone"
PURE_DEMOS = {
    "counter.py": """
        import jax
        from counter import Counter
        state = Counter.init()
        fast_count = jax.jit(Counter.count)
        values = []
        for _ in range(3):
            value, state = fast_count(state)
            values.append(int(value))
        print("converted Counter under jax.jit counts", *values)
        assert values == [1, 2, 3]
    """,
    "linear_regression.py": """
        import jax
        from linear_regression import LinearRegression
        x_rng, noise_rng = jax.random.split(jax.random.key(42))
        xs = jax.random.normal(x_rng, (128, 1))
        ys = xs * 2 - 1 + jax.random.normal(noise_rng, (128, 1)) * 0.5
        state = LinearRegression.init(jax.random.key(42))
        update = jax.jit(LinearRegression.update, donate_argnums=0)
        for _ in range(1000):
            _, state = update(state, xs, ys)
        print(f"converted LinearRegression fits w={float(state.weight):.4f} b={float(state.bias):.4f}")
        assert abs(float(state.weight) - 2) < 0.1 and abs(float(state.bias) + 1) < 0.1
    """,
}


def classes_only(path: Path) -> str:
    """A module's imports, constants and @purify.stateful classes, without its demo code."""
    import ast

    lines = path.read_text().splitlines()
    keep = [n for n in ast.parse("\n".join(lines)).body if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign, ast.ClassDef))]
    first = [n.decorator_list[0].lineno if getattr(n, "decorator_list", None) else n.lineno for n in keep]
    return "\n\n".join("\n".join(lines[a - 1:n.end_lineno]) for a, n in zip(first, keep)) + "\n"


# examples/ported/ is the libraries' own code (it needs the `test` extra's gymnasium, filterpy, river
# and simple-pid, and is not linted): tests/test_ported.py runs it, its converted form included.
PORTED = "ported"


def examples() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not p.name.startswith("__") and PORTED not in p.relative_to(ROOT).parts)


def run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


def report(title: str, proc: subprocess.CompletedProcess[str], quiet: bool) -> bool:
    ok = proc.returncode == 0
    print(f"{'ok  ' if ok else 'FAIL'} {title}")
    if not quiet or not ok:
        text = (proc.stdout + (proc.stderr if not ok else "")).rstrip()
        if text:
            print(textwrap.indent(text, "    | "))
    return ok


def run_examples(quiet: bool) -> int:
    failures = 0
    for path in examples():
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        start = time.perf_counter()
        proc = run([sys.executable, "-m", module], cwd=ROOT.parent)
        failures += not report(f"{module} ({time.perf_counter() - start:.1f} s)", proc, quiet)
    return failures


def convert(quiet: bool) -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    # Every example but the ported ones, whose undecorated bases (gym.Env, river's Univariate) purify
    # convert reads from the installed libraries, which the `examples` extra does not install.
    inputs = [str(p) for p in sorted(ROOT.iterdir())
              if p.name != PORTED and (p.suffix == ".py" or p.is_dir() and not p.name.startswith("__"))]
    proc = run([sys.executable, "-m", "purify", "convert", *inputs, "-o", str(OUT)])
    # The notes (objects made of converted classes, purify still used outside them) are expected here.
    return not report(f"purify convert examples -o {OUT.relative_to(ROOT.parent)}", proc, quiet=True)


def check_converted(quiet: bool) -> int:
    failures = 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT.parent), os.environ.get("PYTHONPATH", "")])}
    for path in sorted(OUT.rglob("*.py")):
        if path.name.startswith("__") or PORTED in path.relative_to(OUT).parts:
            continue
        text = path.read_text()
        # Standalone unless its own demo code uses purify or it imports another (decorated) example.
        standalone = not any(s in text for s in ("import purify", "from purify", "from examples", "import examples"))
        load = (f"import importlib.util as u; s = u.spec_from_file_location('m', {str(path)!r}); "
                "m = u.module_from_spec(s); s.loader.exec_module(m)")
        proc = subprocess.run([sys.executable, "-c", (BLOCK_PURIFY if standalone else "") + load],
                              cwd=ROOT.parent, env=env, capture_output=True, text=True, timeout=600, check=False)
        label = "imports with purify blocked" if standalone else "imports (its demo code uses purify)"
        failures += not report(f"{path.relative_to(OUT)}: {label}", proc, quiet=True)
        lint = run([sys.executable, "-m", "ruff", "check", "--no-cache", "--quiet", str(path)])
        if "No module named ruff" not in lint.stderr:
            failures += not report(f"{path.relative_to(OUT)}: ruff check", lint, quiet=True)
    shutil.rmtree(STANDALONE, ignore_errors=True)
    STANDALONE.mkdir(parents=True)
    for name, demo in PURE_DEMOS.items():
        (STANDALONE / ("decorated_" + name)).write_text(classes_only(ROOT / name))
        conv = run([sys.executable, "-m", "purify", "convert", str(STANDALONE / ("decorated_" + name)),
                    "-o", str(STANDALONE / name)])
        failures += not report(f"purify convert {name} (its classes alone)", conv, quiet=True)
        proc = run([sys.executable, "-c", BLOCK_PURIFY + textwrap.dedent(demo)], cwd=STANDALONE)
        failures += not report(f"{name} converted: pure API with purify blocked", proc, quiet)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m examples", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print only one line per step")
    args = parser.parse_args()
    print("== 1. the examples, as written (decorated with @purify.stateful)")
    failures = run_examples(args.quiet)
    print("\n== 2. purify convert: the same files as standalone pure JAX")
    failures += convert(args.quiet)
    print("\n== 3. the converted modules")
    failures += check_converted(args.quiet)
    print(f"\n{'all steps passed' if not failures else f'{failures} step(s) failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
