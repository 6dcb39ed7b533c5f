"""`import purify` imports no JAX until a name needs the runtime: `purify convert` starts without
it (0.6 s of its start-up), and the public API is what it was (the same names, the same objects,
registered for the decorator's resolver before anything can use them). Each check runs in a fresh
interpreter, where nothing has imported purify's runtime yet."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# dir(purify) of an eager `import purify` (the package before it was lazy), names without "_"
PUBLIC = ["Maybe", "PurifyError", "PurifyWarning", "Rng", "annotations", "engine", "errors", "grad", "jit",
          "merge", "param", "runtime", "set_state", "source", "split", "state_of", "stateful", "static",
          "value_and_grad", "vmap"]
ALL = ["Maybe", "PurifyError", "PurifyWarning", "Rng", "grad", "jit", "merge", "param", "set_state", "source",
       "split", "state_of", "stateful", "static", "value_and_grad", "vmap"]
REGISTERED = ["stateful", "param", "static", "jit", "vmap", "grad", "value_and_grad", "split", "merge"]


def _python(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc


def _imported(importtime: str) -> set[str]:
    """The modules `python -X importtime` reports importing."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime.splitlines() if line.startswith("import time:")}


def test_purify_convert_does_not_import_jax(tmp_path: Path):
    src = tmp_path / "counter.py"
    src.write_text(textwrap.dedent("""\
        import purify


        @purify.stateful
        class Counter:
            def __init__(self):
                self.n = 0

            def count(self):
                self.n += 1
                return self.n
        """))
    proc = _python("-X", "importtime", "-m", "purify", "convert", str(src), "-o", str(tmp_path / "out.py"))
    imported = _imported(proc.stderr)
    assert "purify.engine.text.module" in imported  # (the report lists what the command imported)
    assert not {m for m in imported if m.split(".")[0] in ("jax", "jaxlib")}
    assert "CounterState" in (tmp_path / "out.py").read_text()


def test_import_purify_alone_imports_no_runtime_and_probing_dunders_loads_nothing():
    code = """
        import sys
        import purify
        assert not hasattr(purify, "__wrapped__")  # what inspect and test runners probe
        print(sorted(m for m in sys.modules if m.split(".")[0] == "jax" or m.startswith("purify.runtime")))
    """
    assert _python("-c", textwrap.dedent(code)).stdout.strip() == "[]"


def test_the_public_api_is_the_same_names_and_objects():
    code = f"""
        import purify
        assert [n for n in dir(purify) if not n.startswith("_")] == {PUBLIC!r}, dir(purify)
        assert purify.__all__ == {ALL!r}
        from purify.runtime import branches, instances, rng, stateful, transforms
        from purify.runtime.resolve import API
        assert purify.stateful is stateful.stateful and purify.source is stateful.source
        assert purify.Maybe is branches._Maybe and purify.Rng is rng.Rng
        assert purify.set_state is instances.set_state and purify.state_of is instances.state_of
        for name in {REGISTERED!r}:
            assert getattr(purify, name) is getattr(transforms, name, None) or name == "stateful"
            assert API[id(getattr(purify, name))] == name  # the decorator's resolver knows each
        assert len(API) == {len(REGISTERED)}
        assert purify._API is API
        try:
            purify.no_such_name
        except AttributeError as e:
            assert str(e) == "module 'purify' has no attribute 'no_such_name'", e
        else:
            raise AssertionError("no AttributeError")
        print("ok")
    """
    assert _python("-c", textwrap.dedent(code)).stdout.strip() == "ok"


def test_star_import_and_from_import_bind_the_runtime_names():
    code = """
        from purify import *
        from purify import stateful as st
        import purify
        assert st is stateful is purify.stateful and Rng is purify.Rng and jit is purify.jit
        print(sorted(k for k in dir() if not k.startswith("_")))
    """
    assert _python("-c", textwrap.dedent(code)).stdout.strip() == str(sorted(ALL + ["purify", "st"]))


def test_a_class_decorated_right_after_import_resolves_the_api_by_identity(tmp_path: Path):
    """`param(...)` (imported by name) is found by identity, in the registry the first read of
    a runtime name fills before the decorator runs: only the marked field is a parameter."""
    code = """
        import jax.numpy as jnp
        from purify import param, split, stateful

        @stateful
        class Layer:
            def __init__(self):
                self.w = param(jnp.ones(2))
                self.b = jnp.zeros(2)  # unmarked: a parameter only if `param` were not recognised
                self.steps = 0

            def step(self):
                self.steps += 1
                return self.w.sum()

        out, state = Layer.step(Layer.init())
        params, rest = split(state)
        print(float(out), state.steps, params.b is None, rest.w is None)
    """
    script = tmp_path / "layer.py"  # (the decorator reads the class's source from its file)
    script.write_text(textwrap.dedent(code))
    assert _python(str(script)).stdout.strip() == "2.0 1 True True"


def test_the_api_is_registered_however_the_runtime_is_reached(tmp_path: Path):
    """The registry is filled when the decorator's module is imported, not by the package's
    `__getattr__`: a module of the runtime imported directly (no `purify.X` read first) decorates
    as before (a `param` field, no "other class decorators" refusal)."""
    (tmp_path / "direct.py").write_text(textwrap.dedent("""\
        import jax.numpy as jnp

        from purify.runtime.stateful import stateful
        from purify.runtime.transforms import param


        @stateful
        class Dense:
            def __init__(self):
                self.w = param(jnp.ones(2))

            def __call__(self, x):
                return self.w @ x


        print(Dense.__purify__.model.fields["w"].kind.name)
        """))
    assert _python(str(tmp_path / "direct.py"), cwd=tmp_path).stdout.split() == ["PARAM"]
