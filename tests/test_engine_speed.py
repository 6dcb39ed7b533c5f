"""The engine's shortcuts for speed give the answers of the long ways they replace: the
statement-only walk finds what a whole walk finds, in its order; the outermost classes to
convert are found in one pass (no comparison of every class with every other); a module's
classes reuse its parse only while linecache's lines are the same. No JAX."""

from __future__ import annotations

import ast
import linecache
import textwrap

from purify.engine import source
from purify.engine.static_resolver import Project, parse_module
from purify.engine.text import module
from purify.engine.transformer import walk, walk_statements

NESTED = textwrap.dedent('''
    import purify
    from x import y as z


    class Top:
        import json

        class Inner:
            pass


    def f():
        from a import b

        class InF:
            pass
        try:
            import c
        except ImportError:
            class Fallback:
                pass
        finally:
            import d
        match z:
            case 1:
                class InCase:
                    class Deeper:
                        pass
            case _:
                import e
        with open("f") as g:
            class InWith:
                pass
        return [lambda: 1 for _ in range(2)]


    if z:
        class InIf:
            pass
    else:
        import h
''')


def test_the_statement_walk_finds_what_a_whole_walk_finds_in_its_order():
    tree = ast.parse(NESTED)
    wanted = (ast.ClassDef, ast.Import, ast.ImportFrom, ast.FunctionDef)
    expected = [n for n in walk(tree) if isinstance(n, wanted)]
    found = [n for n in walk_statements(tree) if isinstance(n, wanted)]
    assert [getattr(n, "name", None) or n.lineno for n in found] == \
        [getattr(n, "name", None) or n.lineno for n in expected]
    assert found == expected
    assert not any(isinstance(n, ast.expr) for n in walk_statements(tree))  # no expression is read


def test_parse_module_records_every_class_and_import_of_the_file():
    info = parse_module(NESTED, "nested.py")
    assert [c.name for c in info.all_classes()] == [
        n.name for n in walk(info.tree) if isinstance(n, ast.ClassDef)]
    assert {"Top", "InF", "Fallback", "InCase", "Deeper", "InWith", "InIf", "Inner"} == {
        c.name for c in info.all_classes()}
    assert info.purify_modules == {"purify"}
    assert {"z", "json", "b", "c", "d", "e", "h"} <= set(info.imports)


def _quadratic_outermost(classes):
    """The definition `_outermost` replaced: a class inside no other one of them."""
    return [n for n in classes if not any(o is not n and module._inside(n, [o]) for o in classes)]


def test_the_outermost_classes_are_those_inside_no_other_selected_one():
    tree = ast.parse(NESTED)
    classes = sorted((n for n in walk(tree) if isinstance(n, ast.ClassDef)), key=lambda n: n.lineno)
    for keep in range(1 << 4):  # some classes selected, others not: the nesting of the selected ones counts
        chosen = [c for i, c in enumerate(classes) if keep >> (i % 4) & 1 or c.name in ("Deeper", "Inner")]
        assert module._outermost(chosen) == _quadratic_outermost(chosen), [c.name for c in chosen]
    assert [c.name for c in module._outermost(classes)] == ["Top", "InF", "Fallback", "InCase", "InWith", "InIf"]


def test_finding_the_classes_to_convert_compares_each_class_once(monkeypatch):
    text = "import purify\n" + "".join(
        f"@purify.stateful\nclass C{i}:\n    def __init__(self):\n        self.x = {i}\n\n"
        f"    @purify.stateful\n    class Inner{i}:\n        def __init__(self):\n            self.y = 0\n\n"
        for i in range(200))
    project = Project()
    info = project.add(parse_module(text, "many.py"))
    calls = []
    inside = module._inside
    monkeypatch.setattr(module, "_inside", lambda node, containers: calls.append(node) or inside(node, containers))
    targets, _ = module._targets(info, project)
    assert [t.name for t in targets] == [f"C{i}" for i in range(200)]
    assert len(calls) <= 400  # one per class after the first; every class against every other was 160,000


def test_a_module_s_classes_share_its_parse_while_its_lines_are_the_same(tmp_path):
    path = tmp_path / "mod.py"
    path.write_text("class A:\n    pass\n")
    lines = linecache.getlines(str(path))
    first = source.parse_lines(str(path), lines)
    assert source.parse_lines(str(path), lines) is first  # the next class of the module
    path.write_text("class B:\n    pass\n\n\nclass C:\n    pass\n")
    linecache.checkcache(str(path))
    changed = linecache.getlines(str(path))
    assert changed is not lines  # linecache gives a new list for the new text
    assert [c.name for c in source.parse_lines(str(path), changed).body] == ["B", "C"]
    other = tmp_path / "other.py"
    other.write_text("class A:\n    pass\n")
    assert source.parse_lines(str(other), lines) is not first  # the same lines under another name: its own parse
