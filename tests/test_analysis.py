"""The analysis layer on its own, source in, facts out: what each call runs (`Method.callees`)
and what each method does to the state (`Method.summary`). These run the engine alone (no
JAX, nothing imported or executed), through the resolver `purify convert` uses, in
milliseconds; the end-to-end tests cover the same forms through the decorator."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from purify.engine.analysis.calls import CallKind
from purify.engine.analysis.effects import Unseen
from purify.engine.analysis.paths import StatePath
from purify.engine.model import ClassModel
from purify.engine.static_resolver import Project, parse_module

ROOT = Path(__file__).resolve().parent.parent

SOURCE = '''
import purify


@purify.stateful
class Child:
    def __init__(self, act):
        self.n = 0
        self.act = act

    def __call__(self, x):
        self.n += 1
        if x < 0:
            raise ValueError(x)
        return x

    def peek(self):
        return self.n


@purify.stateful
class Other:
    def __init__(self):
        self.m = 0

    def __call__(self, x):
        return x


@purify.stateful
class Base:
    def __init__(self):
        self.d = {"k": 0}
        self.n = 0

    def fit(self, x):
        self.d["k"] = x
        assert x >= 0

    def helper(self):
        return 1


@purify.stateful
class Model(Base):
    def __init__(self):
        super().__init__()
        self.kid = Child(abs)
        self.kids = [Child(abs), Other()]
        self.same = [Child(abs) for _ in range(3)]

    def __call__(self, x):
        return self.fit(x)

    def fit(self, x):
        super().fit(x)
        return self.helper()

    def calls(self, x):
        self(x)
        self.kid(x)
        self.kid.peek()
        self.kid.act(x)
        self.kids[0](x)
        self.same[-1].peek()
        for k in self.same:
            k(x)
        for i, k in enumerate(self.kids):
            k(x)
        purify.grad(self.kid)(x)
        self.helper()
        len(x)

    def reads(self):
        return self.kid.peek() + self.helper()

    def swap(self):
        self.n, self.d = self.d, self.n
'''


def model(source: str, name: str) -> ClassModel:
    project = Project()
    info = project.add(parse_module(textwrap.dedent(source), "case.py"))
    node = info.classes(name)[0]
    m = project.model(info, node)
    assert m is not None and not m.refusals, [str(e) for e in m.refusals]
    return m


def callees(m: ClassModel, method: str) -> dict[str, tuple[CallKind, list[str], bool]]:
    """Each call of `method` as written -> (kind, the Class.method pairs that may run, known)."""
    meth = m.methods[method]
    out = {}
    for node in ast.walk(meth.node):
        if isinstance(node, ast.Call):
            c = meth.callees[id(node)]
            out[ast.unparse(node)] = (c.kind, [f"{fn.owner.name}.{fn.name}" for _, fn in c.targets], c.known)
    return out


def test_every_call_form_resolves_to_what_it_runs():
    got = callees(model(SOURCE, "Model"), "calls")
    assert got["self(x)"] == (CallKind.OWN, ["Model.__call__"], True)
    assert got["self.kid(x)"] == (CallKind.CHILD, ["Child.__call__"], True)
    assert got["self.kid.peek()"] == (CallKind.CHILD, ["Child.peek"], True)
    assert got["self.kid.act(x)"][0] is CallKind.CHILD_ATTR  # a callable field of the child, no method
    assert got["self.kids[0](x)"] == (CallKind.ITEM, ["Child.__call__", "Other.__call__"], True)
    assert got["self.same[-1].peek()"] == (CallKind.ITEM, ["Child.peek"], True)
    assert got["k(x)"][0] is CallKind.ITEM  # both loops: the loop variable is an item of the list
    assert got["purify.grad(self.kid)(x)"] == (CallKind.GRAD, ["Child.__call__"], True)
    assert got["self.helper()"] == (CallKind.OWN, ["Base.helper"], True)  # inherited
    assert got["len(x)"][0] is CallKind.OTHER


def test_super_resolves_from_the_class_that_holds_the_call():
    m = model(SOURCE, "Model")
    assert callees(m, "fit")["super().fit(x)"] == (CallKind.SUPER, ["Base.fit"], True)
    assert callees(m, "__call__")["self.fit(x)"] == (CallKind.OWN, ["Model.fit"], True)  # the override


def test_summaries_follow_the_calls_to_a_fixpoint():
    m = model(SOURCE, "Model")
    fit, call, reads = m.methods["fit"].summary, m.methods["__call__"].summary, m.methods["reads"].summary
    assert fit is not None and call is not None and reads is not None
    d = StatePath.of(ast.parse("self.d").body[0].value, "self", m)  # type: ignore[attr-defined]
    assert fit.writes and fit.fields == {"d"} and any(mu.path == d and mu.certain for mu in fit.mutations)
    assert call.writes and call.fields == fit.fields and call.mutations == fit.mutations  # through self.fit
    assert isinstance(fit.raises_after_change, ast.Assert)  # Base.fit changes self.d, then asserts
    assert call.raises_after_change is fit.raises_after_change
    assert not reads.writes and reads.raises is None  # reading a child's method changes nothing
    calls = m.methods["calls"].summary
    assert calls is not None and {"kid", "kids", "same"} <= calls.fields
    swap = m.methods["swap"].summary
    assert swap is not None and swap.fields == {"n", "d"} and not swap.mutations  # rebinding, not in place


def test_an_item_of_children_of_unknown_class_may_do_anything():
    m = model('''
        import purify

        @purify.stateful
        class Box:
            def __init__(self, items: list):
                self.items = list(items)

            def run(self, x):
                return x
        ''', "Box")
    summary = m.methods["run"].summary
    assert summary is not None and not summary.writes
    m = model('''
        import purify

        @purify.stateful
        class Leaf:
            def __init__(self):
                self.n = 0

        @purify.stateful
        class Tree:
            def __init__(self, more):
                self.leaves = [Leaf()] + more

            def poke(self):
                self.leaves[0]()
        ''', "Tree")
    callee = m.methods["poke"].callees
    assert [c.known for c in callee.values()] == [True]  # `[Leaf()] + more` is no list of children


def test_a_callee_purify_cannot_see_into_may_raise_after_a_change():
    m = model('''
        import purify

        @purify.stateful
        class Leaf:
            def __init__(self):
                self.n = 0

            def __call__(self):
                self.n += 1

        @purify.stateful
        class Tree:
            def __init__(self):
                self.leaves = [Leaf(), Leaf()]

            def poke(self):
                self.leaves[0]()
                self.leaves[0].missing()
        ''', "Tree")
    poke = m.methods["poke"]
    kinds = {ast.unparse(n): (poke.callees[id(n)].kind, poke.callees[id(n)].known) for n in ast.walk(poke.node)
             if isinstance(n, ast.Call)}
    assert kinds["self.leaves[0]()"] == (CallKind.ITEM, True)
    assert kinds["self.leaves[0].missing()"] == (CallKind.ITEM, False)  # no such method: purify cannot tell
    assert isinstance(poke.summary.raises_after_change, Unseen)  # type: ignore[union-attr]


def test_the_analysis_runs_without_jax(tmp_path):
    """The engine alone (the package's `__init__`, which imports the runtime, stubbed out)."""
    (tmp_path / "case.py").write_text(SOURCE)
    code = textwrap.dedent(f"""
        import sys, types
        sys.modules["jax"] = None  # any import of jax fails
        stub = types.ModuleType("purify")
        stub.__path__ = [{str(ROOT / "purify")!r}]
        sys.modules["purify"] = stub
        from purify.engine.static_resolver import Project, parse_module
        project = Project()
        info = project.add(parse_module(open({str(tmp_path / "case.py")!r}).read(), "case.py"))
        model = project.model(info, info.classes("Model")[0])
        print(sorted(model.methods["fit"].summary.fields))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "['d']", proc.stderr


@pytest.mark.parametrize("name", ["Child", "Base", "Model"])
def test_every_method_gets_its_facts(name):
    m = model(SOURCE, name)
    for method in m.methods.values():
        assert method.summary is not None
        calls = [n for n in ast.walk(method.node) if isinstance(n, ast.Call)]
        assert len(method.callees) == (len(calls) if method.kind.has_self else 0)


# -- second names (analysis/names.py), semantics contract §Second names --------------------------

NAMES = '''
import purify


@purify.stateful
class Box:
    def __init__(self):
        self.d = {"k": [1, 2]}
        self.rows = [[1, 2], [3, 4]]
        self.a = [1, 2]

    def getter(self):
        return self.d["k"]

    @property
    def prop(self):
        return self.rows

    def bind(self, j):
        direct = self.d["k"]
        item = self.d.get("k")
        first, second = self.rows
        view = self.d.values()
        live = iter(self.a)
        lazy = (x for x in self.a)
        shallow = self.d.copy()
        held = [r for r in self.rows]
        pair = (self.a, self.rows)
        back = self.getter()
        prop = self.prop
        for i, row in enumerate(self.rows):
            pass
        for key, value in self.d.items():
            pass
        number = len(self.a)
        fresh = [x * 2 for x in self.a]
        again = direct
        return j
'''


def test_every_binding_form_knows_where_it_holds_the_state():
    from purify.engine.analysis.names import Namer
    from purify.engine.static_resolver import Project

    def text(link) -> str:  # an item's constant key is kept as its repr
        if link.kind.value == "attr":
            return f".{link.key}"
        return "[?]" if link.key is None else f"[{link.key}]"

    m = model(NAMES, "Box")
    got: dict[str, set[tuple[str, int]]] = {}
    for n in Namer(m, Project()).second_names(m.methods["bind"]):
        got.setdefault(n.name, set()).add(("".join(text(k) for k in n.path.links), n.exposure.depth))
    assert got == {
        "direct": {(".d['k']", 0)}, "item": {(".d[?]", 0)}, "first": {(".rows[?]", 0)},
        "second": {(".rows[?]", 0)}, "view": {(".d", 0)}, "live": {(".a", 0)},
        "lazy": {(".a", 0), (".a[?]", 1)}, "shallow": {(".d[?]", 1)}, "held": {(".rows[?]", 1)},
        "pair": {(".a", 1), (".rows", 1)}, "back": {(".d['k']", 0)}, "prop": {(".rows", 0)},
        "row": {(".rows[?]", 0)}, "value": {(".d[?]", 0)}, "again": {(".d['k']", 0)},
    }  # `i`, `key`, `number` and `fresh` hold no object of the state


def test_operations_that_raise_on_some_values_may_raise_after_a_change():
    from purify.engine.analysis.effects import MayRaise

    m = model('''
import purify


@purify.stateful
class Ops:
    def __init__(self):
        self.n = 0
        self.d = {}

    def lookup(self, k):
        self.n += 1
        return self.d[k]

    def divide(self, k):
        self.n += 1
        return 10 // k

    def unseen(self, s):
        self.n += 1
        return int(s)

    def safe(self, k):
        self.n += 1
        return len(self.d) + self.n % 7

    def first(self, k):
        v = self.d[k]
        self.n += 1
        return v
''', "Ops")
    after = {name: m.methods[name].summary.raises_after_change for name in ("lookup", "divide", "unseen", "safe",
                                                                           "first")}
    assert all(isinstance(after[k], MayRaise) for k in ("lookup", "divide", "unseen"))
    assert after["lookup"].what == "`self.d[k]` (KeyError or IndexError)"
    assert after["divide"].what == "`10 // k` (ZeroDivisionError)"
    assert "int(...)" in after["unseen"].what
    assert after["safe"] is None and after["first"] is None  # nothing may raise after the change


CYCLE = '''
import purify


@purify.stateful
class Cycle:
    def __init__(self):
        self.x = 0
        self.d = {}

    def a(self, k):
        self.b(k)
        self.x = 1
        return self.d[k]

    def b(self, k):
        self.c(k)
        self.x = 2
        return self.d[k]

    def c(self, k):
        self.a(k)
        self.x = 3
        return self.d[k]
'''


def test_methods_that_call_each_other_in_a_cycle_settle():
    """Each of a, b, c may raise after a change, its own or its callee's: a summary that took its
    callee's choice each round passed the three choices round the cycle for ever (the crash
    fuzzer's seed 964 hung decorating such a class)."""
    import threading

    done: list[ClassModel] = []
    worker = threading.Thread(target=lambda: done.append(model(CYCLE, "Cycle")), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert done, "the fixpoint of Cycle's summaries did not settle"
    after = {name: done[0].methods[name].summary.raises_after_change for name in "abc"}
    assert all(after[name] is not None for name in "abc")
    lines = {done[0].methods[name].node.lineno: name for name in "abc"}  # each raise is one of the three
    assert all(any(0 < after[name].lineno - line <= 3 for line in lines) for name in "abc")


LIVENESS_SOURCE = '''
def step(self, x, flag):
    y = x + 1
    if flag:
        z = y * 2
        for i in range(3):
            w = z + i
            assert w > 0
    else:
        z = 0
    return z
'''


def test_names_read_from_the_memo_of_simple_statements_match_a_fresh_walk():
    from purify.engine.analysis.liveness import liveness, names_in

    fn = ast.parse(LIVENESS_SOURCE).body[0]
    flow = liveness(fn, "self")
    branch = fn.body[1]
    for block in (branch.body, branch.orelse, fn.body):
        assert names_in(block, flow.memo) == names_in(block)  # nested statements too
    assert id(branch) not in flow.memo  # a compound statement is never kept whole
    inner = branch.body[1].body[1]  # `assert w > 0`: kept from the walk, at depth three
    assert flow.memo[id(inner)][0] is inner
    inner.test = ast.Compare(ast.Name("v", ast.Load()), [ast.Gt()], [ast.Constant(0)])
    flow.memo.pop(id(inner))  # what a pass that changes a simple statement in place does
    assert "v" in names_in(branch.body, flow.memo).read


PING = '''
import purify


@purify.stateful
class Ping:
    def __init__(self):
        self.n = 0

    def a(self, k):
        self.n += 1
        self.b(k)

    def b(self, k):
        if k > 0:
            self.a(k - 1)
'''


def test_a_change_goes_round_a_cycle_of_calls_to_every_summary_and_site():
    """`b` is summarised first (it is a's callee) while `a`'s summary is still empty: only a second
    round, which the cycle asks for, shows that `b` changes the state through `a`. (Without a cycle
    one round settles every summary, each method after its callees.)"""
    from purify.engine.analysis.effects import _callees_first, site_of

    m = model(PING, "Ping")
    b = m.methods["b"]
    assert b.summary.writes and b.summary.fields == {"n"}
    call = next(n for n in ast.walk(b.node) if isinstance(n, ast.Call))
    assert site_of(m, b, call, "self").writes  # the sites kept are those of the round that settled
    order, cyclic = _callees_first([m.methods[name] for name in ("a", "b")])
    assert cyclic and [x.name for x in order] == ["b", "a"]
    chain = model(SOURCE, "Model")
    assert not _callees_first([x for x in chain.methods.values() if x.kind.has_self])[1]


def test_the_facts_of_a_node_shared_by_two_parents_are_those_of_the_later():
    """The desugaring may put one node in two places: the walk meets it under its first parent,
    but `parents` keeps the one it was seen under last, which the walk reaches later."""
    from purify.engine.analysis.facts import facts

    fn = ast.parse("def f(self, x):\n    x\n    for i in x:\n        x\n").body[0]
    shared = fn.body[0].value
    loop = fn.body[1]
    loop.body[0].value = shared  # the second `x` is the first one's node now
    known = facts(fn)
    assert known.parents[shared] is loop.body[0]
    assert known.statement[shared] is loop.body[0]
    assert known.loops[shared] == {loop}
