"""Objects of the user's own classes that are not @stateful (issue 14): what their methods
change is refused with the fix (decorate the class; return the new value), the same way by the
decorator and by `purify convert`; and a child class reached through a package that re-exports
it is the same child for both."""

from __future__ import annotations

import importlib
import sys

import purify
import pytest

from tests.conftest import assert_same, line_in, load_module
from tests.test_cli import convert, decorated, run_without_purify, write

UNDECORATED = """
class Mean:
    def __init__(self):
        self.n = 0
        self.total = 0.0

    def update(self, x):
        self.n += 1
        self.total += x


@purify.stateful
class Stats:
    def __init__(self):
        self.mean = Mean()

    def add(self, x):
        self.mean.update(x)
"""

OPTIMIZER = """
class SGD:
    def __init__(self, lr):
        self.lr = lr

    def step(self, w, g):
        w -= self.lr * g


@purify.stateful
class Model:
    def __init__(self):
        self.optimizer = purify.static(SGD(0.1))
        self._weights = jnp.zeros(3)

    def train(self, grad):
        self.optimizer.step(w=self._weights, g=grad)
        return self._weights
"""

OPAQUE_UPDATE = """
from river_like import make_ewmean  # an object purify cannot see into


@purify.stateful
class Ewm:
    def __init__(self):
        self._ewmean = make_ewmean()

    def learn(self, x):
        self._ewmean.update(x)
"""


def located(source: str, fragment: str, col: int, tmp_path) -> tuple[purify.PurifyError, str]:
    """The decorator's refusal (at `fragment`, column `col`) and `purify convert`'s output on it."""
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    assert (e.lineno, e.offset - 1) == (line_in(source, fragment), col), f"at {e.lineno}:{e.offset}: {e}"
    code, _, err = convert(write(tmp_path / "case.py", source), "-o", tmp_path / "out.py")
    assert code != 0 and f"case.py:{e.lineno}:{col + 1}: {e.bare_msg}" in err, err
    return e, err


def test_an_undecorated_child_class_is_refused_with_the_class_to_decorate(tmp_path):
    e, _ = located(UNDECORATED, "self.mean.update(x)", 8, tmp_path)
    assert e.bare_msg == ("self.mean holds a Mean object, and Mean is not @purify.stateful, so the change "
                          "Mean.update(...) makes to it would be lost in the pure method (a plain object is no state)")
    assert e.hint == "decorate Mean with @purify.stateful: its state then nests in Stats's and self.mean.update(...) threads it"
    assert "in place" not in str(e)  # not the container hint, once or twice


def test_decorating_the_child_class_as_the_hint_says_works():
    module = load_module("@purify.stateful\n" + UNDECORATED.lstrip())
    stats = module.Stats()
    stats.add(2.0)
    stats.add(4.0)
    _, state = module.Stats.add(module.Stats.init(), 2.0)
    assert (stats.mean.n, stats.mean.total, state.mean.n) == (2, 6.0, 1)


def test_a_state_array_changed_in_place_by_a_function_it_is_passed_to_is_refused(tmp_path):
    """Eagerly with NumPy the plain class's weights move; under jax.jit the change was lost (two
    steps gave [0, 0, 0] instead of [-0.2, -0.2, -0.2]). Refused where the state is passed."""
    e, _ = located(OPTIMIZER, "w=self._weights", 30, tmp_path)
    assert e.bare_msg == ("self._weights is passed to self.optimizer.step(...), which changes its argument `w` in "
                          "place (`w -= self.lr * g`): the pure method cannot see that change (under jax.jit it is lost)")
    assert e.hint == "return the new value from step and assign it: self._weights = self.optimizer.step(...)"


def test_passing_the_state_to_a_method_that_only_reads_it_is_accepted():
    module = load_module("import dataclasses\n" + OPTIMIZER.replace(
        "class SGD:\n    def __init__(self, lr):\n        self.lr = lr\n",
        "@dataclasses.dataclass(frozen=True)\nclass SGD:\n    lr: float\n").replace("w -= self.lr * g", "return w - self.lr * g").replace(
        "self.optimizer.step(w=self._weights, g=grad)", "self._weights = self.optimizer.step(w=self._weights, g=grad)"))
    state = module.Model.init()
    for _ in range(2):
        out, state = module.Model.train(state, jnp_ones())
    assert [float(v) for v in out] == pytest.approx([-0.2] * 3)


def jnp_ones():
    import jax.numpy as jnp

    return jnp.ones(3)


def test_an_opaque_objects_update_is_not_offered_a_dict_merge():
    with pytest.raises(purify.PurifyError) as info:
        load_module(OPAQUE_UPDATE.replace("from river_like import make_ewmean", "make_ewmean = dict"))
    e = info.value
    assert e.bare_msg == "self._ewmean.update(...) mutates an attribute in place, which purify cannot track"
    assert e.hint == "build a new value and assign it: self._ewmean = ..."
    assert "**" not in e.hint


def test_a_dicts_update_is_still_offered_the_merge():
    with pytest.raises(purify.PurifyError) as info:
        load_module(OPAQUE_UPDATE.replace("from river_like import make_ewmean", "").replace(
            "make_ewmean()", "{'a': 0}"))
    assert info.value.hint == "assign a new value instead: self._ewmean = {**self._ewmean, **x}"


STATS_MEAN = """
@purify.stateful
class Mean:
    def __init__(self):
        self.n = 0
        self.total = 0.0

    def update(self, x):
        self.n += 1
        self.total += x
        return self.total / self.n
"""

MODEL = """
import stats


@purify.stateful
class Model:
    def __init__(self):
        self.mean = stats.Mean()

    def learn(self, x):
        return self.mean.update(x) * 2
"""


def test_a_child_class_reexported_by_a_package_is_a_child_for_decorator_and_convert(tmp_path):
    """`from .mean import Mean` in stats/__init__.py, then `stats.Mean()`: the decorator
    accepted, `purify convert` refused with the in-place message of a plain object."""
    write(tmp_path / "src" / "stats" / "mean.py", STATS_MEAN)
    write(tmp_path / "src" / "stats" / "__init__.py", "from .mean import Mean\n", header=False)
    write(tmp_path / "src" / "model.py", MODEL)
    code, _, err = convert(tmp_path / "src", "-o", tmp_path / "out")
    assert code == 0, err
    calls = [("learn", (2.0,), {}), ("learn", (4.0,), {})]
    got = run_without_purify([("m", "model", "Model", (), {}, calls, {}, True)], [tmp_path / "out"])["m"]
    assert got[0] == "ok", got[1]
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        module = importlib.import_module("model")
        assert_same(list(got[1:]), list(decorated(module, "Model", (), {}, calls, {})),
                    where="convert output against the decorator")
        model = module.Model()
        assert [model.learn(2.0), model.learn(4.0)] == [4.0, 6.0]
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in ("model", "stats", "stats.mean"):
            sys.modules.pop(name, None)


BASE_LIB = """
class Univariate:
    def doubled(self):
        return 2 * self.get()

    def __repr__(self):
        return f"{type(self).__name__}: {self.get():g}"
"""

COUNTING = """
import purify
from . import stats


@purify.stateful
class Count(stats.base.Univariate):
    def __init__(self):
        self.n = 0

    def update(self, x):
        self.n += x
        return self

    def get(self):
        return self.n
"""


def test_a_base_whose_module_a_package_imports_is_converted_by_both(tmp_path):
    """`class Var(stats.base.Univariate)` where `stats/__init__.py` binds `base` by an import of its
    own (`from baselib import base`, as river's ported stats re-export river's): `purify convert`
    refused ("base class stats.base.Univariate is not @stateful, and purify cannot read its
    source"); both outputs now convert the base's methods with the class."""
    write(tmp_path / "src" / "baselib" / "base.py", BASE_LIB, header=False)
    write(tmp_path / "src" / "baselib" / "__init__.py", "", header=False)
    write(tmp_path / "src" / "app" / "stats" / "__init__.py", "from baselib import base\n", header=False)
    write(tmp_path / "src" / "app" / "__init__.py", "", header=False)
    write(tmp_path / "src" / "app" / "counting.py", COUNTING, header=False)
    code, _, err = convert(tmp_path / "src" / "app" / "counting.py", "-o", tmp_path / "out.py")
    assert code == 0, err
    text = (tmp_path / "out.py").read_text()
    assert "class Count(stats.base.Univariate):" in text and "def doubled(self: CountState)" in text, text
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        module = importlib.import_module("app.counting")
        c = module.Count()
        c.update(2).update(3)
        assert (repr(c), c.doubled(), c.get()) == ("Count: 5", 10, 5)
        assert module.Count.doubled(module.Count.update(module.Count.init(), 4)[1])[0] == 8
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in ("app", "app.counting", "app.stats", "baselib", "baselib.base"):
            sys.modules.pop(name, None)
