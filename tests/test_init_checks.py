"""The values `Cls.init` refuses, in both outputs (issue 12, kinds 3 and 10): the decorator
locates the refusal at the field's assignment in `__init__` (a PurifyError); the module
`purify convert` writes runs the same checks (runtime/value_checks.py, copied into it as
`_checks_init`) and raises a TypeError naming the line of the call of `init`. Values that are not
refused give the same results in both."""

from __future__ import annotations

import collections
import inspect

import jax
import numpy as np
import purify
import pytest

from tests.conftest import line_in, load_module
from tests.test_semantics_objects import converted

OUTSIDE = """
import collections
import dataclasses

TABLE = [0, 0]


class Cfg:
    def __init__(self):
        self.scale = 1


@dataclasses.dataclass(frozen=True)
class Frozen:
    scale: int = 2


@purify.stateful
class C:
    SHARED = [0, 0]

    def __init__(self, xs=None, d=[0, 0], z=1.0, cfg=None, pick="xs"):
        self.xs = {"xs": xs, "d": d, "class": self.SHARED, "global": TABLE, "view": xs[0] if pick == "view" else xs,
                   "twice": [[0, 0]] * 2, "pair": xs, None: [0, 0]}[pick]
        self.ys = self.xs if pick == "pair" else [0, 0]
        self.z = z
        self.cfg = cfg

    def poke(self):
        self.xs[0] = 5
        return self.ys[0] * self.z
"""

# (the arguments of init for a module, what the message says, the hint, the line) for each value refused
REFUSED = {
    "caller list": (lambda m: {"xs": [0, 0]}, "self.xs holds a list that is also held by the caller", "list(x)",
                    "self.xs ="),
    "caller array": (lambda m: {"xs": np.zeros(2, int)},
                     "self.xs holds a NumPy array that is also held by the caller", "x.copy()", "self.xs ="),
    "a view": (lambda m: {"xs": np.zeros((2, 2), int), "pick": "view"}, "also held by the caller", "x.copy()",
               "self.xs ="),
    "default": (lambda m: {"pick": "d"}, "a default value of a parameter of __init__", "list(x)", "self.xs ="),
    "class attribute": (lambda m: {"pick": "class"}, "the class attribute C.SHARED", "list(x)", "self.xs ="),
    "global": (lambda m: {"pick": "global"}, "the module's global TABLE", "list(x)", "self.xs ="),
    "two fields": (lambda m: {"xs": [0, 0], "pick": "pair"}, "holds a list that is also", "list(x)", "self.ys ="),
    "twice inside": (lambda m: {"pick": "twice"}, "self.xs holds a list in two places",
                     "[[0, 0] for _ in range(2)]", "self.xs ="),
    "negative zero": (lambda m: {"pick": None, "z": -0.0}, "self.z is static configuration holding -0.0",
                      "jnp.asarray(-0.0)", "self.z = z"),
    "identity hashed": (lambda m: {"pick": None, "cfg": m.Cfg()},
                        "self.cfg is static configuration holding a Cfg object", "frozen=True", "self.cfg = cfg"),
}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    source = OUTSIDE
    return source, load_module(source), converted(tmp_path_factory.mktemp("init_checks"), "import purify\n"
                                                  "import jax.numpy as jnp\n" + inspect.cleandoc(source))


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_decorator_and_convert_refuse_the_same_values(both, case):
    source, decorated, conv = both
    given, message, hint, fragment = REFUSED[case]
    with pytest.raises(purify.PurifyError) as info:
        decorated.C.init(**given(decorated))
    assert message in info.value.bare_msg and hint in info.value.hint, info.value
    assert info.value.lineno == line_in(source, fragment), info.value
    with pytest.raises(TypeError) as converted_error:
        conv.C.init(**given(conv))
    here = inspect.currentframe().f_lineno - 1
    text = str(converted_error.value)
    assert text.startswith(f"{__file__}:{here}: ") and message in text and "\n  hint: " in text and hint in text, text


def test_values_neither_refuses_give_the_same_results(both):
    _, decorated, conv = both
    for module in (decorated, conv):
        state = module.C.init(xs=None, pick=None, z=2.0, cfg=module.Frozen())
        out, state = jax.jit(module.C.poke)(state)
        assert float(out) == 0.0 and list(state.xs) == [5, 0]


def test_a_defaultdict_changed_in_place_is_refused_by_both(tmp_path):
    source = """
    import collections

    @purify.stateful
    class C:
        def __init__(self, d):
            self.d = d.copy()

        def add(self, k):
            self.d[k] += 1
    """
    with pytest.raises(purify.PurifyError, match="self.d holds a defaultdict") as info:
        load_module(source).C.init(collections.defaultdict(int))
    assert info.value.lineno == line_in(source, "self.d = d")
    conv = converted(tmp_path, "import purify\n" + inspect.cleandoc(source))
    with pytest.raises(TypeError, match="self.d holds a defaultdict.*\n  hint: use a plain dict"):
        conv.C.init(collections.defaultdict(int))
    assert conv.C.add(conv.C.init({"a": 1}), "a")[1].d == {"a": 2}


def test_convert_copies_only_the_checks_a_class_needs(tmp_path):
    static_only = """
    import purify

    @purify.stateful
    class C:
        def __init__(self, lr):
            self.lr = lr
            self.n = 0

        def step(self):
            self.n = self.n + self.lr
    """
    conv = converted(tmp_path, inspect.cleandoc(static_only), "static_only")
    text = inspect.getsource(conv)
    assert "@_checks_init(_static_config('lr'))" in text
    assert "def _unshared" not in text and "_SHARED_MSG" not in text
    with pytest.raises(TypeError, match="holding -0.0"):
        conv.C.init(-0.0)
    assert conv.C.step(conv.C.init(0.5))[1].n == 0.5
    nothing = inspect.cleandoc(static_only).replace("self.lr = lr", "self.lr = jnp.asarray(lr)")
    nothing = nothing.replace("import purify", "import purify\nimport jax.numpy as jnp")
    assert "_checks_init" not in inspect.getsource(converted(tmp_path, nothing, "nothing"))


def test_convert_leaves_out_the_checks_of_fields_init_sets_to_a_constant(tmp_path):
    """A field `__init__` sets to a number, a string or None it writes itself takes no value of the
    caller's: its checks could never fire, so convert copies none for it (the README's Counter
    module was 176 lines of checks for `self.n = 0`). A field that takes one keeps its check."""
    source = """
    import purify

    @purify.stateful
    class C:
        def __init__(self, start=0, scale=1.0):
            self.n = 0
            self.k: int = -1
            self.label = ("c", None)
            self.scale = scale
            self.m = 0
            self.reset(start)

        def reset(self, start):
            self.m = start

        def step(self):
            self.n += 1
            self.k += 1
            self.m += self.scale
            return self.n + self.k + self.m
    """
    conv = converted(tmp_path, inspect.cleandoc(source), "constants")
    text = inspect.getsource(conv)
    assert "@_checks_init(_static_config('scale'), _unshared('m'))" in text  # m: reset writes start there
    with pytest.raises(TypeError, match="holding -0.0"):
        conv.C.init(0, -0.0)
    shared = [1]
    with pytest.raises(TypeError, match="self.m holds a list"):
        conv.C.init(shared)
    assert conv.C.step(conv.C.init(2))[0] == 1 + 0 + 3.0
    only_constants = """
    import purify

    @purify.stateful
    class C:
        def __init__(self):
            self.n = 0
            self.label = None

        def step(self):
            self.n += 1
            return self.n
    """
    only_constants = inspect.cleandoc(only_constants)
    text = inspect.getsource(converted(tmp_path, only_constants, "only_constants"))
    assert "_checks_init" not in text and "_SHARED_MSG" not in text
    negative_zero = inspect.cleandoc(source).replace("self.scale = scale", "self.scale = -0.0")
    assert "_static_config('scale')" in inspect.getsource(converted(tmp_path, negative_zero, "negative_zero"))
