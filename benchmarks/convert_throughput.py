"""The engine's speed, as ratios measured side by side in one run (DESIGN §4):

* `purify convert` on a large generated file, beside a bare `ast.parse` + `ast.unparse` of the
  same file (timed in-process: read, parse, analyse, rewrite, emit with comments, imports,
  compile check), and the `purify convert FILE` command end to end, start-up included;
* decorating: importing a module of @purify.stateful classes, beside compiling its source;
* the engine's node visits per node of a method (tests/test_engine_walks.py counts the same).

    python benchmarks/convert_throughput.py [--classes 200] [--decorated 50] [--repeat 5]

Prints a small markdown table.
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from purify.engine.static_resolver import Project, parse_module
from purify.engine.text.module import convert_module

CLASS = '''

@purify.stateful
class Layer{i}:
    """Layer {i}: a dense layer with a step counter and running statistics."""

    SCALE = {i}.0  # a class constant

    def __init__(self, n_in, n_out, seed={i}):
        # parameters, and buffers updated in training mode
        self.w = purify.param(jnp.cos(jnp.arange(n_in * n_out, dtype=jnp.float32) + seed).reshape(n_in, n_out))
        self.b = purify.param(jnp.zeros((n_out,)))
        self.mean = jnp.zeros((n_out,))
        self.steps = 0
        self.n_out = n_out  # static configuration

    def __call__(self, x, training=True):
        y = x @ self.w + self.b
        if training:
            self.mean = 0.9 * self.mean + 0.1 * y.mean(0)  # running mean
            self.steps += 1
        return jax.nn.relu(y) * self.SCALE

    def reset(self):
        self.steps = 0
        self.mean = jnp.zeros((self.n_out,))

    def norm(self):
        return jnp.sum(self.w ** 2) + self.bump()

    def bump(self):
        self.steps += 1
        return self.steps


@purify.stateful
class Block{i}:
    def __init__(self, width):
        self.first = Layer{i}(width, width)
        self.layers = [Layer{i}(width, width, seed=k) for k in range(3)]
        self.history = {{"loss": jnp.zeros(())}}

    def __call__(self, x):
        x = self.first(x)
        for layer in self.layers:
            x = layer(x) + x
        self.history["loss"] = self.history["loss"] + x.sum()
        return f"{{x.shape}}", x


def helper_{i}(x):
    """Code outside the classes is copied as it is."""
    return [v * 2 for v in range(x)]
'''


def generate(classes: int) -> str:
    head = '"""A large generated module."""\n\nimport jax\nimport jax.numpy as jnp\n\nimport purify\n'
    return head + "".join(CLASS.format(i=i) for i in range(classes))


def best(fn, repeat: int) -> float:
    """Median CPU time of `fn()` (this process's: the engine runs on one thread, and on a shared
    machine wall time also counts other programs)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=200, help="pairs of classes in the generated file")
    parser.add_argument("--decorated", type=int, default=50, help="pairs of classes in the decorated module")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = generate(args.classes)
    lines = text.count("\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.py"
        path.write_text(text)

        def bare() -> None:
            ast.unparse(ast.parse(text))

        def convert() -> str:
            project = Project()
            info = project.add(parse_module(path.read_text(), str(path), path))
            return convert_module(info, project).text

        out = convert()  # warm-up, and a check that the result is Python
        compile(out, "out.py", "exec")
        t_bare = best(bare, args.repeat)
        t_convert = best(convert, args.repeat)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "purify", "convert", str(path), "-o", str(Path(tmp) / "o.py")],
                              env=env, capture_output=True, text=True, check=False)
        t_cli = time.perf_counter() - start
        assert proc.returncode == 0, proc.stderr
    t_compile, t_import, decorated_lines = decorate_times(args.decorated, args.repeat)
    walks = node_visits()
    print(f"Engine speed: a generated file of {lines:,} lines ({2 * args.classes} @stateful classes) to convert, "
          f"a module of {decorated_lines:,} lines ({2 * args.decorated} classes) to decorate; median of "
          f"{args.repeat}, Python {sys.version.split()[0]}\n")
    print("| what | time | lines/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| `ast.parse` + `ast.unparse` (bare) | {t_bare * 1e3:,.0f} ms | {lines / t_bare:,.0f} | 1.0x |")
    print(f"| purify convert, in-process | {t_convert * 1e3:,.0f} ms | {lines / t_convert:,.0f} | "
          f"{t_convert / t_bare:.1f}x bare |")
    print(f"| `purify convert FILE -o OUT` (the command, start-up included) | {t_cli * 1e3:,.0f} ms | "
          f"{lines / t_cli:,.0f} | {t_cli / t_bare:.1f}x bare |")
    print(f"| `compile()` of the decorated module | {t_compile * 1e3:,.0f} ms | {decorated_lines / t_compile:,.0f} "
          "| 1.0x |")
    print(f"| importing it (decorating every class) | {t_import * 1e3:,.0f} ms | {decorated_lines / t_import:,.0f} | "
          f"{t_import / t_compile:.1f}x compile |")
    print(f"| engine node visits per node of a method | | | {walks:.1f} |")


def decorate_times(pairs: int, repeat: int) -> tuple[float, float, int]:
    """(compile, import) seconds for a module of `pairs` pairs of decorated classes."""
    import importlib.util

    import jax  # noqa: F401 - loaded once, outside the timings
    import purify  # noqa: F401

    text = generate(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "decorated.py"
        path.write_text(text)
        count = iter(range(10**6))

        def load() -> None:
            name = f"_decorated_{next(count)}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            del sys.modules[name]

        load()  # warm-up
        t_compile = best(lambda: compile(text, str(path), "exec"), repeat)
        t_import = best(load, repeat)
    return t_compile, t_import, text.count("\n")


def node_visits() -> float:
    """The engine's node visits per node of a method, as tests/test_engine_walks.py counts them."""
    sys.path.insert(0, str(ROOT))
    import pytest

    from tests.test_engine_walks import visits_per_node

    with pytest.MonkeyPatch.context() as patch:
        return visits_per_node(patch)[0]


if __name__ == "__main__":
    main()
