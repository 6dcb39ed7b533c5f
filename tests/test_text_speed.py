"""The shortcuts of `purify convert`'s text side give the answers of the long ways they replace:
the one walk of a class's emitted code rewrites it as the standalone Transformer did and finds
the names it reads and the purify names left in it as the walks that followed it did (checked on
every class of the examples and of the golden inputs); the comment scan finds the comments
`tokenize` finds. No JAX."""

from __future__ import annotations

import ast
import copy
import sys
from pathlib import Path

import pytest
from purify.engine.static_resolver import Project, StaticResolver, parse_module
from purify.engine.text import module, standalone
from purify.engine.text.index import Comment, SourceIndex, pos
from purify.engine.transformer import Transformer, walk
from purify.errors import PurifyError

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted([*(ROOT / "examples").rglob("*.py"), *(ROOT / "tests" / "golden" / "inputs").rglob("*.py")])


class _OldStandalone(Transformer):
    """The rewrite as it was: a Transformer asking every name whether it is purify.Rng."""

    def __init__(self, resolver) -> None:
        self.resolver, self.eager, self.rng = resolver, False, False

    def visit_Call(self, node: ast.Call) -> ast.AST:
        made = isinstance(node.func, (ast.Name, ast.Attribute)) and (
            self.resolver.stateful(node.func) is not None or standalone.is_rng(self.resolver, node.func))
        self.generic_visit(node)
        if made:
            self.eager = True
            return ast.copy_location(ast.Call(ast.Name("_Eager", ast.Load()), [node.func, *node.args],
                                              node.keywords), node)
        return node

    def _name(self, node: ast.expr) -> ast.AST:
        if standalone.is_rng(self.resolver, node):
            self.rng = True
            return ast.copy_location(ast.Name("Rng", ast.Load()), node)
        return self.generic_visit(node) if isinstance(node, ast.Attribute) else node

    visit_Name = visit_Attribute = _name


def _converted_classes(path: Path, project: Project, info, seen: list) -> None:
    """Convert the file, checking each class's walk against the old one on a copy of its code."""
    def checked(parts, resolver, purify_names=frozenset()):
        before = [copy.deepcopy(s) for s in parts.statements()]
        old = _OldStandalone(resolver)
        expected = [old.visit(s) for s in before]
        found = standalone.standalone(parts, resolver, purify_names)
        assert [ast.dump(s, include_attributes=True) for s in parts.statements()] == \
            [ast.dump(s, include_attributes=True) for s in expected], path
        assert (found.eager, found.rng) == (old.eager, old.rng), path
        names = [n for s in expected for n in walk(s) if isinstance(n, ast.Name)]
        assert found.loads == {n.id for n in names if isinstance(n.ctx, ast.Load)}, path
        assert found.purify_left == any(n.id in purify_names for n in names), path
        seen.append((parts.model.name, found.eager, found.rng, found.purify_left))
        return found

    patch = pytest.MonkeyPatch()
    patch.setattr(module, "standalone", checked)
    try:
        module.convert_module(info, project)
    except PurifyError:  # a file refused: its classes were checked up to the refusal
        pass
    finally:
        patch.undo()


def test_the_one_walk_of_the_emitted_code_finds_what_the_walks_it_replaces_found():
    project = Project(roots=[ROOT / "examples", ROOT / "tests" / "golden" / "inputs"])
    infos = [(p, project.add(parse_module(p.read_text(encoding="utf-8"), str(p), p))) for p in FILES]
    seen: list = []
    for path, info in infos:
        _converted_classes(path, project, info, seen)
    assert len(seen) > 40
    assert any(eager for _, eager, _, _ in seen) and any(rng for _, _, rng, _ in seen)  # both rewrites ran


def test_a_purify_name_left_in_the_code_is_refused_where_the_walk_it_replaces_found_it():
    text = "import purify\n\n\n@purify.stateful\nclass A:\n    def __init__(self):\n        self.n = 0\n\n" \
           "    def f(self):\n        self.n += 1\n        return purify.jit\n"
    project = Project()
    info = project.add(parse_module(text, "a.py"))
    with pytest.raises(PurifyError) as e:
        module.convert_module(info, project)
    assert (e.value.lineno, e.value.offset) == (11, 16)
    assert "purify convert cannot write `jit` without purify" in str(e.value)
    assert isinstance(project.resolver(info), StaticResolver)


TRICKY_LINES = [  # a file of the hard cases, one line each
    '#!/usr/bin/env python  # a shebang is a comment too',
    'x = "a # not a comment"  # but this is: it says \'x\'',
    'y = \'it\\\'s # still a string\'  # "quoted" in a comment',
    'z = """a docstring with # and \' and " and \\""" inside',
    '# still the string',
    '"""  # after it',
    "w = '''one ' two '' three # '''  # after '''",
    'r = r"\\\\"  # a raw string ending in an escaped backslash',
    'b = (b"#"  # between the parts of one string',
    '     rb\'\\\'\' b"#")',
    'f = f"{x!r:>{len(y)}} # {\'#\'}"  # an f-string',
    's = "line \\',
    'continued # in the string"  # the end',
    'def g():',
    '    pass',
    '        # indented deeper than the code',
    '# the last line, with no newline',
]
TRICKY = "\n".join(TRICKY_LINES)


def _both(text: str) -> tuple[list, list]:
    index = SourceIndex(text)
    return index._scanned(text), index._comments(text)


def test_the_comment_scan_finds_what_tokenize_finds():
    scanned, tokenized = _both(TRICKY)
    assert scanned == tokenized
    assert [c.line for c in scanned] == [1, 2, 3, 6, 7, 8, 9, 11, 13, 16, 17]
    assert scanned[1] == Comment(2, 25, "# but this is: it says 'x'", False)
    assert scanned[-2].own_line and scanned[-2].col == 8
    for path in [*FILES, *(ROOT / "purify").rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        scanned, tokenized = _both(path.read_text(encoding="utf-8"))
        assert scanned == tokenized, path


def test_text_that_does_not_parse_is_tokenized_as_before():
    text = 'x = 1  # one\ny = (  # open\n'
    index = SourceIndex(text)
    assert [c.text for c in index.comments] == ["# one", "# open"] == [c.text for c in index._comments(text)]
    if sys.version_info < (3, 12):  # (the scan, which only code that parses may use, finds them too)
        assert index._scanned(text) == index.comments


def _old_equal(index: SourceIndex, a: object, b: object, memo: dict) -> bool:
    """The writer's comparison of a rewritten node with the user's, as it was (a call per field)."""
    if isinstance(a, ast.AST):
        if type(a) is not type(b):
            return False
        if isinstance(a, (ast.expr, ast.stmt)) and a is not b and getattr(a, "end_col_offset", None) is not None \
                and (type(a), *pos(a)) == (type(b), *pos(b)):
            seen = memo.get(id(a))
            if seen is not None and seen[0] is a:
                return seen[1] is b
        return all(_old_equal(index, getattr(a, f, None), getattr(b, f, None), memo) for f in a._fields)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_old_equal(index, x, y, memo) for x, y in zip(a, b))
    return a == b and type(a) is type(b)


def test_the_writer_keeps_the_user_text_of_the_nodes_the_old_comparison_kept():
    """Every node the writer asks about, in every class of the examples and golden inputs: the
    same answer (the user's node, or none) as the comparison field by field gave."""
    asked = []
    new_original = SourceIndex.original
    old_memo: dict = {}

    def both(self, node, memo):
        found = new_original(self, node, memo)
        seen = old_memo.get(id(node))
        if seen is None or seen[0] is not node:
            orig = self.user_node(node) if getattr(node, "end_col_offset", None) is not None else None
            if orig is not None and not _old_equal(self, node, orig, old_memo):
                orig = None
            old_memo[id(node)] = seen = (node, orig)
        assert found is seen[1], ast.dump(node)
        asked.append(found is not None)
        return found

    project = Project(roots=[ROOT / "examples", ROOT / "tests" / "golden" / "inputs"])
    infos = [project.add(parse_module(p.read_text(encoding="utf-8"), str(p), p)) for p in FILES]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SourceIndex, "original", both)
        for info in infos:
            try:
                module.convert_module(info, project)
            except PurifyError:
                pass
    assert sum(asked) > 1000 and len(asked) - sum(asked) > 1000  # kept and rewritten nodes, many of each
