"""The package as a newcomer meets it: one version, the README's two commands are what CI
runs, `python -m build` makes a wheel and an sdist that install and work in a fresh venv, and
the benchmarks write their tracked results only when asked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import purify
import pytest
from purify.cli import main

ROOT = Path(__file__).resolve().parent.parent
MAIN_JOB = 'python3 -m pip install -e ".[examples]" && python3 -m examples'
TESTS = 'python3 -m pip install -e ".[test]" && python3 -m pytest'


def test_one_version_everywhere(capsys):
    from purify._version import __version__

    assert purify.__version__ == __version__
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|rc\d+)?", __version__)
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"purify {__version__}"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'name = "jax-purify"' in pyproject and 'version = { attr = "purify._version.__version__" }' in pyproject
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(__version__.split('.dev')[0])}\b", changelog, re.MULTILINE)


def test_readme_commands_are_the_ones_ci_runs():
    readme, ci = (ROOT / "README.md").read_text(), (ROOT / ".ci" / "run").read_text()
    for command in (MAIN_JOB, TESTS):
        assert re.search(rf"^{re.escape(command)}$", readme, re.MULTILINE), f"README lacks: {command}"
    assert f"MAIN_JOB='{MAIN_JOB}'" in ci and f"TESTS='{TESTS}'" in ci
    assert "for version in 3.10 3.13" in ci  # the oldest and the newest supported Python
    assert 'requires-python = ">=3.10"' in (ROOT / "pyproject.toml").read_text()


def test_a_bad_convert_option_shows_converts_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["convert", "--bogus", "x.py"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: purify convert ") and "unrecognized arguments: --bogus" in err


# -- the built distributions -------------------------------------------------------------

SMOKE = textwrap.dedent("""
    import pathlib, subprocess, sys, tempfile
    import jax
    import purify

    assert pathlib.Path(purify.__file__).is_relative_to(sys.prefix), purify.__file__
    assert (pathlib.Path(purify.__file__).parent / "py.typed").exists()
    src = pathlib.Path(tempfile.mkdtemp()) / "counter.py"
    src.write_text('''
    import purify

    @purify.stateful
    class Counter:
        def __init__(self):
            self.n = 0

        def count(self):
            self.n += 1
            return self.n
    ''')
    sys.path.insert(0, str(src.parent))
    from counter import Counter
    state, values = Counter.init(), []
    for _ in range(3):
        value, state = jax.jit(Counter.count)(state)
        values.append(int(value))
    assert values == [1, 2, 3], values
    bin_dir = pathlib.Path(sys.executable).parent
    out = subprocess.run([str(bin_dir / "purify"), "convert", str(src)], capture_output=True, text=True)
    assert out.returncode == 0 and "class CounterState(NamedTuple)" in out.stdout, out.stderr
    version = subprocess.run([str(bin_dir / "purify"), "--version"], capture_output=True, text=True).stdout
    assert version.strip() == "purify " + purify.__version__, version
    print("smoke ok", purify.__version__)
""")


def _fresh_venv(path: Path) -> Path:
    """A venv without this environment's packages, except that JAX and NumPy (already
    installed here) are importable: a path file names their folder, whose own path files
    (an editable install of this checkout among them) are not read."""
    venv.create(path, with_pip=True)
    python = path / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    import jax
    import numpy

    dirs = {str(Path(m.__file__).resolve().parent.parent) for m in (jax, numpy)}
    Path(purelib, "deps_from_test_env.pth").write_text("\n".join(sorted(dirs)) + "\n")
    return python


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheel, = out.glob("jax_purify-*.whl")
    sdist, = out.glob("jax_purify-*.tar.gz")
    return wheel, sdist


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_built_distribution_installs_and_works_in_a_fresh_venv(dists, tmp_path, kind):
    python = _fresh_venv(tmp_path / "venv")
    dist = dists[0] if kind == "wheel" else dists[1]
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(dist)],
                             capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run([str(python), "-c", SMOKE], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == f"smoke ok {purify.__version__}"


# -- benchmarks -----------------------------------------------------------------------------


def test_benchmarks_write_their_tracked_results_only_when_asked(tmp_path):
    tracked = [ROOT / "benchmarks" / "results.md", ROOT / "benchmarks" / "results.json"]
    before = [p.stat().st_mtime_ns for p in tracked]
    run = [sys.executable, "-m", "benchmarks", "--quick", "--workloads", "counter", "--rounds", "3"]
    proc = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "| counter | baseline |" in proc.stdout and "nothing written" in proc.stderr
    proc = subprocess.run([*run, "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "| counter | baseline |" in (tmp_path / "results.md").read_text() and (tmp_path / "results.json").exists()
    assert [p.stat().st_mtime_ns for p in tracked] == before


def test_engine_floor_times_every_stage_it_names():
    """benchmarks/engine_floor.py hooks the engine's stages by name: a stage renamed or moved would
    read 0 ms in its table (and the decorating rows would switch nothing off) without this."""
    proc = subprocess.run([sys.executable, "benchmarks/engine_floor.py", "--decorated", "1", "--classes", "2",
                           "--repeat", "1"], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(" | ")[:2] for line in proc.stdout.splitlines() if line.startswith("| "))
    assert {"| nothing", "| passes", "| passes, compile", "| passes, compile, checks"} <= set(rows)
    for stage in ("parse", "analysis", "checks", "passes", "writer", "compile check", "total", "bare"):
        assert rows[f"| {stage}"] != "0.0 ms", (stage, proc.stdout)
