"""Each rewrite pass alone, source in and source out: a method runs through the pipeline
(engine/pipeline.py) up to one pass, and the text of the method after that pass is compared.
No JAX, nothing imported or executed (the resolver `purify convert` uses), milliseconds."""

from __future__ import annotations

import ast
import textwrap

import pytest
from purify.engine.convert import convert
from purify.engine.passes import refusals
from purify.engine.passes.base import MethodContext
from purify.engine.pipeline import REWRITES
from purify.engine.static_resolver import Project, parse_module
from purify.engine.syntax import clone

SOURCE = '''
import purify


@purify.stateful
class Child:
    def __init__(self):
        self._w = 1.0

    def __call__(self, x):
        self._w = self._w + x
        return self._w


@purify.stateful
class Model:
    LIMIT = 3

    def __init__(self, scale):
        self.kid = Child()
        self._count = purify.param(0)
        self.scale = scale

    @property
    def doubled(self):
        return 2 * self._count

    def step(self, x):
        y = self.kid(x) + self.doubled
        self._count += 1
        self.kid._w = self.LIMIT
        return y * self.scale
'''


def after(pass_name: str, method: str = "step", source: str = SOURCE, cls: str = "Model") -> str:
    """The text of `cls.method` once the pipeline has run up to and including `pass_name`."""
    project = Project()
    info = project.add(parse_module(textwrap.dedent(source), "case.py"))
    model = project.model(info, info.classes(cls)[0])
    m = model.methods[method]
    fn = clone(m.node)
    ctx = MethodContext(model, m, project.resolver(info), fn)
    assert not refusals.check(ctx)
    for name, rewrite in REWRITES:
        rewrite(ctx, fn)
        if name == pass_name:
            break
    fn.decorator_list = []
    return ast.unparse(ast.Module(fn.body, []))


EXPECTED = {
    "others": """
y = self.kid(x) + self.doubled
self._count += 1
self.kid._w = self.LIMIT
return y * self.scale""",
    "markers": """
y = self.kid(x) + self.doubled
self._count += 1
self.kid._w = self.LIMIT
return y * self.scale""",
    "reads": """
y = self.kid(x) + Model.doubled(self)
self._count += 1
self.kid._w = Model.LIMIT
return y * self.scale""",
    "calls": """
_r1, _c2 = Child.__call__(self.kid, x)
self.kid = _c2
y = _r1 + Model.doubled(self)
self._count += 1
self.kid._w = Model.LIMIT
return y * self.scale""",
    "writes": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self._count + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "names": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "none_tests": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "early_returns": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "loop_exits": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "control_expressions": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "control_flow": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return y * self.scale""",
    "returns": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return (y * self.scale, self)""",
    "handlers": """
_r1, _c2 = Child.__call__(self.kid, x)
self = self._replace(kid=_c2)
y = _r1 + Model.doubled(self)
self = self._replace(count_=self.count_ + 1)
self = self._replace(kid=self.kid._replace(w_=Model.LIMIT))
return (y * self.scale, self)""",
}


@pytest.mark.parametrize("pass_name", list(EXPECTED))
def test_each_pass_source_in_source_out(pass_name):
    got, want = after(pass_name), EXPECTED[pass_name].strip()
    # the same trees (ast.unparse writes some of them differently on Python 3.10)
    assert ast.dump(ast.parse(got)) == ast.dump(ast.parse(want)), got


def test_the_passes_run_in_the_order_the_pipeline_lists():
    assert [name for name, _ in REWRITES] == list(EXPECTED)


def test_names_pass_renames_fields_of_the_class_and_of_children_only():
    got = after("names", "__call__", cls="Child")
    assert got == "self = self._replace(w_=self.w_ + x)\nreturn self.w_"  # `_replace` keeps its name


def test_markers_and_init_folding():
    project = Project()
    info = project.add(parse_module(textwrap.dedent(SOURCE), "case.py"))
    model = project.model(info, info.classes("Model")[0])
    init = convert(model, project.resolver(info)).init
    assert ast.unparse(ast.Module(init.body, [])) == \
        "return ModelState(kid=Child.init(), count_=0, scale=scale)"  # markers, then `initial`


CONTROL = '''
import purify


@purify.stateful
class Heater:
    def __init__(self, low):
        self.low = low
        self.t = 20.0
        self.on = False

    def step(self, dt):
        steps = 0
        if self.t < self.low:
            self.on = True
            y = 1
        else:
            y = 2
        while self.t > 0:
            self.t -= dt
            steps += y
        return steps
'''


def test_control_flow_threads_the_changed_live_names_through_the_branches():
    got = after("control_flow", source=CONTROL, cls="Heater")
    want = """
steps = 0

def _if_t_lt_low(self):
    self = self._replace(on=True)
    y = 1
    return (self, y)

def _else_t_lt_low(self):
    y = 2
    return (self, y)
self, y = _if(self.t < self.low, _if_t_lt_low, _else_t_lt_low, (self,), ('self', 'y'))

def _while_test_t_gt_0(self, steps):
    return self.t > 0

def _while_t_gt_0(self, steps):
    self = self._replace(t=self.t - dt)
    steps += y
    return (self, steps)
self, steps = _while(_while_test_t_gt_0, _while_t_gt_0, (self, steps), ('self', 'steps'))
return steps"""
    assert ast.dump(ast.parse(got)) == ast.dump(ast.parse(want.strip())), got


def test_early_returns_become_one_exit_under_a_flag():
    source = CONTROL.replace("            y = 2\n", "            return 0\n")
    got = after("early_returns", source=source, cls="Heater")
    assert got.startswith("_returned, _value = (False, _Undefined('_value', fill=True))")
    assert "_returned, _value = (True, 0)" in got and got.endswith("return _value")
    assert "if _returned:\n    pass\nelse:" in got


MERGEABLE = '''
import copy

import purify


@purify.stateful
class Mean:
    def __init__(self):
        self.n = 0.0
        self._mean = 0.0

    def get(self):
        return self._mean

    def __iadd__(self, other):
        self.n += other.n
        self._mean += other._mean * other.get()
        return self

    def __add__(self, other):
        result = copy.deepcopy(self)
        result += other
        result.n = result._mean
        result.get()
        return result
'''


def test_the_others_pass_on_a_copy_of_self_and_an_argument():
    """A copy of self is the State, its operators and methods thread it; an argument read like
    an object of the class goes through the dispatch helpers (its public field stays)."""
    got = after("others", "__iadd__", MERGEABLE, "Mean")
    assert got == """self.n += other.n
self._mean += _obj_field(other, '_mean') * _obj_call(other, 'get')
return self"""
    got = after("others", "__add__", MERGEABLE, "Mean")
    assert got == """result = _deepcopy(self)
result = Mean.__iadd__(result, other)[0]
result = result._replace(n=result.mean_)
_o1, result = Mean.get(result)
return result"""


CACHING = '''
import purify


@purify.stateful
class Filter:
    def __init__(self):
        self.y = 1.0
        self._log = None

    @property
    def log(self):
        if self._log is None:
            self._log = self.y * 2
        return self._log

    def report(self, k):
        return k * self.y + self.log
'''


def test_the_calls_pass_threads_a_read_of_a_caching_property_like_a_call():
    """`self.log` caches into the state: the read becomes `_r, self = Filter.log(self)`, after
    the operands Python evaluates before it (saved), as a call of a method that writes would."""
    got = after("calls", "report", CACHING, "Filter")
    assert got == """_t1 = k * self.y
_r2, self = Filter.log(self)
return _t1 + _r2"""


MERGED_VAR = MERGEABLE + '''

@purify.stateful
class Var:
    def __init__(self):
        self.mean = Mean()
        self._S = 0.0

    def __iadd__(self, other):
        self._S = self._S + other._S * other.mean.get() + other.mean._mean
        self.mean += other.mean
        return self
'''


def test_the_others_pass_on_a_child_of_an_argument():
    """`other.mean.get()`: a method of the argument's child, dispatched by the child's class; the
    augmented assignment to the child is its `__iadd__`'s call (analysis/augmented.py), for calls."""
    got = after("others", "__iadd__", MERGED_VAR, "Var")
    assert got == """self._S = self._S + _obj_field(other, '_S') * _obj_call(other.mean, 'get') + _obj_field(other.mean, '_mean')
self.mean.__iadd__(other.mean)
return self"""
    assert "_r1, _c2 = Mean.__iadd__(self.mean, other.mean)" in after("calls", "__iadd__", MERGED_VAR, "Var")


NONE_TESTS = '''
import purify


@purify.stateful
class Last:
    def __init__(self, fn=None):
        self.fn = fn
        self.last = None
        self.n = 0

    def guard(self, x):
        if self.last is None:
            return x
        self.n = self.n + self.last
        y = self.last * 2
        self.reset()
        return y + self.last

    def local(self, x):
        y = None
        if x > 0:
            y = x
        if y is not None and y > 1:
            y += 1
            z = y
        return y if y is not None else x

    def static(self, x):
        if self.fn is not None:
            x = self.fn(x)
        return x

    def reset(self):
        self.last = None
'''


@pytest.mark.parametrize(("method", "want"), [
    # after `if ...is None: return`, reads are narrowed; writes of other fields keep the narrowing,
    # a call that threads the state ends it (it may set the field to None again)
    ("guard", """
if _is_none(self.last):
    return x
self = self._replace(n=self.n + _value_of(self.last))
y = _value_of(self.last) * 2
_r1, self = Last.reset(self)
return y + self.last"""),
    # `and` and the true branch narrow; `y += 1` reads `y` first; the conditional expression too
    ("local", """
y = None
if x > 0:
    y = x
if _not_none(y) and _value_of(y) > 1:
    y = _value_of(y) + 1
    z = y
return _value_of(y) if _not_none(y) else x"""),
    # a static field keeps Python's `is` (it is never a purify.Maybe)
    ("static", """
if self.fn is not None:
    x = self.fn(x)
return x"""),
])
def test_none_tests_become_helpers_and_reads_are_narrowed_where_tested_present(method, want):
    got = after("none_tests", method, NONE_TESTS, "Last")
    assert ast.dump(ast.parse(got)) == ast.dump(ast.parse(textwrap.dedent(want).strip())), got
