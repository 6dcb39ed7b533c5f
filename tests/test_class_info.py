"""What a decorated class keeps (`Cls.__purify__`): the answers the engine was given while it
converted the class, not the trees of the pure functions (about 500 objects a class that every
later run of the cyclic garbage collector would read); `purify.source` makes the conversion again
from those answers, as the decorator compiled it."""

from __future__ import annotations

import ast
import copy
import gc
import sys
import types

import purify
from purify.engine.source import parse_lines
from purify.runtime import stateful as stateful_module

from .conftest import load_module

SOURCE = '''
P = purify.param


@purify.stateful
class Counter:
    def __init__(self, start: float = 0.0):
        self.n = jnp.asarray(start)

    def step(self, x: jax.Array) -> jax.Array:
        self.n = self.n + x
        return self.n


@purify.stateful
class Pair:
    def __init__(self):
        self.a = Counter()
        self.w = P(jnp.ones(()))

    def step(self, x):
        if x > 0:
            y = self.a.step(x)
        else:
            y = self.a.step(-x)
        return y * self.w
'''


def test_purify_source_is_the_conversion_compiled_even_after_the_names_it_read_are_rebound():
    module = load_module(SOURCE)
    before = purify.source(module.Pair)
    module.Counter, module.P = None, None  # live, Pair's __init__ would hold plain objects now
    assert purify.source(module.Pair) == before
    assert "Counter.init()" in before and "Counter.step(" in before


def test_the_conversion_made_again_is_the_tree_the_decorator_compiled(monkeypatch):
    compiled: dict[str, str] = {}
    real = stateful_module.compile_functions

    def recording(fns, **kwargs):
        out = real(fns, **kwargs)  # fills the positions of the scaffolding in place
        compiled.update({fn.name: ast.dump(copy.deepcopy(fn), include_attributes=True) for fn in fns})
        return out

    monkeypatch.setattr(stateful_module, "compile_functions", recording)
    module = load_module(SOURCE)
    conv = module.Pair.__purify__.converted
    again = {fn.name: ast.dump(fn, include_attributes=True) for fn in [conv.init, *conv.methods.values()]}
    assert again.keys() <= compiled.keys() and len(again) == 2
    assert all(again[name] == compiled[name] for name in again)
    positioned = [n for fn in [conv.init, *conv.methods.values()] for n in ast.walk(fn) if "lineno" in n._attributes]
    assert all(n.lineno and n.end_lineno is not None for n in positioned)  # the scaffolding has positions too


def test_a_decorated_class_keeps_no_tree_of_its_pure_functions():
    module = load_module(SOURCE)
    info = module.Pair.__purify__
    written = {id(n) for n in ast.walk(parse_lines(info.model.origin.filename, info.model.origin.lines))
               if isinstance(n, ast.FunctionDef)}
    kept = [n for n in _reachable(info) if isinstance(n, ast.FunctionDef)]
    assert kept and all(id(n) in written for n in kept)  # the user's `def`s only (the model's methods)
    made = info.converted.methods["step"]  # the pure `step` exists, made again when asked for
    assert isinstance(made, ast.FunctionDef) and id(made) not in written


def _reachable(root: object) -> list[object]:
    """The objects `root` keeps alive, short of modules, classes, functions and their globals."""
    stop = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType, types.CodeType)
    seen = {id(vars(m)) for m in list(sys.modules.values()) if hasattr(m, "__dict__")}
    out, todo = [], [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or (isinstance(obj, stop) and obj is not root):
            continue
        seen.add(id(obj))
        out.append(obj)
        todo.extend(gc.get_referents(obj))
    return out
