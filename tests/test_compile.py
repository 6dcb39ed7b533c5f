"""The runtime emitter's positions (engine/compile.py): `compile()` needs one on every node. The
templates give the nodes they put in theirs, so compiling a class walks none of its trees; a node
a pass made with none is filled from the nearest located node, never line 1 of the file.

Engine only, no JAX: each test runs in milliseconds."""

from __future__ import annotations

import ast
import traceback
from pathlib import Path

import pytest
from purify.engine import compile as emitter
from purify.engine import templates
from purify.engine.convert import convert
from purify.engine.static_resolver import Project, is_decorated, parse_module

ROOT = Path(__file__).resolve().parent.parent


def _compile(fn: ast.FunctionDef, globals_: dict[str, object] | None = None) -> dict[str, object]:
    return emitter.compile_functions([fn], filename="case.py", flags=0, globals_=globals_ or {}, cells={},
                                     bindings={}, origin=fn, qualname="C")


def test_a_template_gives_its_position_to_the_nodes_put_in_it_that_have_none():
    user = ast.parse("y = a + b\n\n\nz = 1").body
    made = ast.Attribute(ast.Name("self", ast.Load()), "x", ast.Load())  # as a pass builds one: no position
    stmt = templates.stmts("t = (value, mine)", user[1], value=templates.moved(made), mine=user[0].value)[0]
    assert (made.lineno, made.col_offset, made.value.lineno, made.value.end_col_offset) == (4, 0, 4, 5)
    kept = stmt.value.elts[1]  # type: ignore[attr-defined]
    assert (kept.lineno, kept.col_offset, kept.left.col_offset) == (1, 4, 4)  # the user's keep theirs


def test_located_gives_a_tree_built_without_a_template_the_position_of_its_origin():
    user = ast.parse("\nf(a)").body[0]
    call = templates.located(ast.Call(ast.Name("g", ast.Load()), [ast.Constant(0)], []), user)
    assert {(n.lineno, n.end_col_offset) for n in ast.walk(call) if hasattr(n, "lineno")} == {(2, 4)}


def test_compiling_located_trees_walks_none_of_their_nodes(monkeypatch):
    fn = ast.parse("def f(x):\n    return x + 1\n").body[0]
    monkeypatch.setattr(emitter, "_fill_locations", lambda *a: pytest.fail("walked the tree to fill positions"))
    assert _compile(fn)["f"](1) == 2  # type: ignore[operator]


def test_a_node_made_without_a_position_takes_the_nearest_located_ones():
    fn = ast.parse("\n\ndef f(x):\n    return x + 1\n").body[0]  # the def at line 3
    fn.body.insert(0, ast.Expr(ast.Call(ast.Name("fail", ast.Load()), [], [])))  # no position

    def fail() -> None:
        raise ValueError("from the inserted call")

    made = _compile(fn, {"fail": fail})["f"]
    with pytest.raises(ValueError) as e:
        made(1)  # type: ignore[operator]
    frame = next(f for f in traceback.extract_tb(e.value.__traceback__) if f.name == "f")
    assert (frame.filename, frame.lineno) == ("case.py", 3)  # the def's line, not line 1


def _converted_trees() -> list[tuple[str, ast.FunctionDef]]:
    """(file: class.function, tree) of every pure function of the examples' @stateful classes."""
    out = []
    for path in sorted((ROOT / "examples").rglob("*.py")):
        project = Project()
        info = project.add(parse_module(path.read_text(encoding="utf-8"), str(path), path))
        for node in info.all_classes():
            if not is_decorated(info, node):
                continue
            model = project.model(info, node)
            conv = convert(model, project.resolver(info))
            for fn in [conv.init, *conv.methods.values()]:
                out.append((f"{path.relative_to(ROOT)}: {node.name}.{fn.name}", fn))
    return out


def test_the_passes_leave_no_node_that_compile_would_need_to_be_given_a_position():
    """What keeps decorating from walking every tree: a pass that builds nodes without a template
    gives them a position (`templates.located`), and this lists where one did not."""
    unlocated, trees = [], _converted_trees()
    for where, fn in trees:
        annotations = {id(n) for d in ast.walk(fn) if isinstance(d, ast.FunctionDef)
                       for a in [d.returns, *(x.annotation for x in ast.walk(d.args) if isinstance(x, ast.arg))]
                       if a is not None for n in ast.walk(a)}  # (left out of what compile sees)
        unlocated += [f"{where}: {ast.unparse(n)}" for n in ast.walk(fn) if "lineno" in n._attributes
                      and id(n) not in annotations and (getattr(n, "lineno", None) is None
                                                        or getattr(n, "col_offset", None) is None)]
    assert len(trees) > 50
    assert unlocated == []
