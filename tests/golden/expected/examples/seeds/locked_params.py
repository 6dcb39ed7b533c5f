"""Seed 003 ("The Params container"): locked structure and immutability.

blox locks params after init so a typo cannot silently create a new parameter at
run time. With purify the structure of the state is fixed by `__init__`: a method
that assigns an attribute `__init__` never created is refused when the class is
decorated, and an instance refuses new attributes. The pure API never mutates: a
call returns a new state and leaves its input as it was.

    python -m examples.seeds.locked_params
"""

from __future__ import annotations

import textwrap

import jax.numpy as jnp
import purify

from examples.ml.linear import Linear

TYPO = textwrap.dedent('''
    import jax.numpy as jnp
    import purify

    @purify.stateful
    class Scaler:
        def __init__(self):
            self.scale = jnp.ones(())

        def grow(self):
            self.sacle = self.scale * 2   # typo: would silently create a new parameter
''')


def decorate_typo() -> str:
    """Decorate the class with the typo (from a real file, as purify reads source) and return the error."""
    import importlib.util
    import sys
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "typo_example.py"
    path.write_text(TYPO)
    spec = importlib.util.spec_from_file_location("typo_example", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["typo_example"] = module
    try:
        spec.loader.exec_module(module)
    except purify.PurifyError as e:
        return str(e)
    finally:
        del sys.modules["typo_example"]
    return "no error"


def main() -> None:
    print("a method creating a new attribute is refused at decoration time:")
    print(textwrap.indent(decorate_typo(), "    "))

    layer = Linear(3, 4, purify.Rng(0))
    try:
        layer.kernel = jnp.zeros((3, 4))
    except purify.PurifyError as e:
        print("an instance refuses new attributes too:\n   ", str(e).splitlines()[0])

    # Immutability: the pure API returns a new state; the input is unchanged.
    state = Linear.init(3, 4, purify.Rng(0))
    modified = state._replace(w=state.w * 2)
    print(f"original kernel sum: {float(state.w.sum()):.4f}; modified kernel sum: {float(modified.w.sum()):.4f}")
    print("original state is unchanged:", bool(jnp.all(Linear.init(3, 4, purify.Rng(0)).w == state.w)))


if __name__ == "__main__":
    main()
