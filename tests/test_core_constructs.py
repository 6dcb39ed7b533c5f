"""Every supported construct (DESIGN §1): the undecorated class run eagerly, the decorated
instance, and the pure API under `jax.jit` give the same outputs and the same final state;
where it applies, `jax.vmap` and `jax.grad` of the pure API agree with the eager class."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tests.conftest import assert_same, compare_three, load_module, undecorated

import purify

# Each case: (id, source, class name, init args, calls [(method, args[, kwargs])]).
CASES = [
    ("counter", """
        @purify.stateful
        class Counter:
            \"\"\"A simple counter.\"\"\"

            def __init__(self, start=0):
                self.n = start

            def count(self) -> int:
                self.n += 1
                return self.n

            def reset(self):
                self.n = 0
        """, "Counter", (), [("count", ()), ("count", ()), ("reset", ()), ("count", ()), ("count", ())]),

    ("plain_assign_and_read", """
        @purify.stateful
        class Acc:
            def __init__(self):
                self.total = jnp.zeros(())
                self.last = jnp.zeros(())

            def add(self, x):
                self.last = x
                self.total = self.total + x
                return self.total - self.last
        """, "Acc", (), [("add", (1.5,)), ("add", (2.0,)), ("add", (-4.0,))]),

    ("augmented_ops", """
        @purify.stateful
        class Aug:
            def __init__(self):
                self.a = 1.0
                self.b = jnp.ones(3)

            def step(self, x):
                self.a *= x
                self.a -= 0.5
                self.b += x
                self.b /= 2.0
                self.a **= 2
                return self.a
        """, "Aug", (), [("step", (3.0,)), ("step", (0.5,))]),

    ("tuple_targets", """
        @purify.stateful
        class Fib:
            def __init__(self):
                self.a, self.b = 0, 1

            def next(self):
                self.a, self.b = self.b, self.a + self.b
                return self.a

            def nested(self, x):
                (self.a, [self.b, y]) = (x, [self.a, 7])
                return y
        """, "Fib", (), [("next", ()), ("next", ()), ("next", ()), ("next", ()), ("nested", (5,)), ("next", ())]),

    ("tuple_target_with_local_and_starred", """
        @purify.stateful
        class Split:
            def __init__(self):
                self.head = jnp.zeros(())
                self.n = 0

            def take(self, xs):
                self.head, *rest = xs
                self.n += len(rest)
                return sum(rest)
        """, "Split", (), [("take", ([1.0, 2.0, 3.0],)), ("take", ([4.0, 5.0],))]),

    ("item_updates_jax_array", """
        @purify.stateful
        class Buffer:
            def __init__(self, size):
                self.data = jnp.zeros(size)
                self.i = 0

            def push(self, x):
                self.data[self.i] = x
                self.data[0] += 1.0
                self.i = (self.i + 1) % self.data.shape[0]
                return self.data.sum()

            def scale_slice(self, k):
                self.data[1:3] *= k
                return self.data
        """, "Buffer", (4,), [("push", (2.0,)), ("push", (3.0,)), ("scale_slice", (10.0,)), ("push", (1.0,))]),

    ("item_updates_2d_and_nested_index", """
        @purify.stateful
        class Grid:
            def __init__(self):
                self.g = jnp.zeros((3, 3))

            def set(self, i, j, v):
                self.g[i, j] = v
                self.g[i][j] += 1.0
                return self.g[i, j]
        """, "Grid", (), [("set", (0, 1, 5.0)), ("set", (2, 2, -1.0)), ("set", (0, 1, 1.0))]),

    ("item_updates_dict", """
        @purify.stateful
        class Stats:
            def __init__(self):
                self.d = {"sum": jnp.zeros(()), "count": jnp.zeros((), jnp.int32)}

            def add(self, x):
                self.d["sum"] += x
                self.d["count"] = self.d["count"] + 1
                return self.d["sum"] / self.d["count"]
        """, "Stats", (), [("add", (2.0,)), ("add", (4.0,)), ("add", (9.0,))]),

    ("item_updates_nested_dict_of_arrays", """
        @purify.stateful
        class Params:
            def __init__(self):
                self.p = {"layer": {"w": jnp.ones(3), "b": jnp.zeros(())}}

            def bump(self, i):
                self.p["layer"]["w"][i] += 2.0
                self.p["layer"]["b"] = self.p["layer"]["b"] - 1.0
                return self.p["layer"]["w"]
        """, "Params", (), [("bump", (0,)), ("bump", (2,))]),

    ("method_calls_in_evaluation_order", """
        @purify.stateful
        class Order:
            def __init__(self):
                self.n = 1

            def inc(self):
                self.n += 1
                return self.n

            def before(self):
                return self.n * 10 + self.inc()

            def after(self):
                return self.inc() + self.n * 10

            def both(self):
                return [self.inc(), self.n, self.inc(), self.n]

            def as_args(self):
                return max(self.inc(), self.n + 100, key=lambda v: -v)

            def in_dict(self):
                return {"a": self.inc(), "b": self.n, "c": self.inc()}

            def keywords(self):
                return dict(x=self.n, y=self.inc(), z=self.n)

            def augmented(self):
                self.n += self.inc()
                return self.n

            def in_if(self):
                if self.inc() > 5:
                    return 1
                return 0

            def fstring(self):
                return f"{self.n}-{self.inc()}-{self.n}"
        """, "Order", (), [("before", ()), ("after", ()), ("both", ()), ("as_args", ()), ("in_dict", ()),
                           ("keywords", ()), ("augmented", ()), ("in_if", ()), ("in_if", ())]),

    ("chained_method_calls", """
        @purify.stateful
        class Chain:
            def __init__(self):
                self.log = jnp.zeros(())
                self.k = 0

            def a(self, x):
                self.k += 1
                self.log = self.log * 10 + 1
                return x * 2

            def b(self, x):
                self.k += 1
                self.log = self.log * 10 + 2
                return x + 3

            def run(self, x):
                return self.a(self.b(x)) + self.b(self.a(x)), self.k

            def pure_read(self):
                return self.k * 2

            def uses_reader(self, x):
                y = [self.pure_read() + i for i in range(3)]
                f = lambda v: v + self.pure_read()
                return f(x) + sum(y)
        """, "Chain", (), [("run", (1.0,)), ("run", (2.0,)), ("uses_reader", (1,))]),

    ("call_keyword_and_default_args", """
        @purify.stateful
        class Adder:
            def __init__(self, step=1):
                self.total = 0
                self.step = step

            def add(self, x, *, times=1, scale=1.0):
                for _ in range(times):
                    self.total += x * self.step * scale
                return self.total

            def twice(self, x):
                return self.add(x, times=2) + self.add(x, scale=0.5)
        """, "Adder", (3,), [("add", (1.0,), {"times": 2}), ("twice", (2.0,)), ("add", (1.0,))]),

    ("local_lists_and_loops", """
        @purify.stateful
        class Walker:
            def __init__(self):
                self.pos = jnp.zeros(2)
                self.steps = 0

            def step(self, d):
                self.pos = self.pos + d
                self.steps += 1
                return self.pos

            def walk(self, ds):
                path = []
                for d in ds:
                    path.append(self.step(d))
                path = path + [self.pos * 0]
                return jnp.stack(path)

            def until(self, limit):
                n = 0
                while n < limit:
                    self.step(jnp.ones(2))
                    n += 1
                else:
                    n = -n
                return n
        """, "Walker", (), [("walk", ([jnp.ones(2), 2 * jnp.ones(2)],)), ("until", (3,))]),

    ("early_returns_and_python_ifs", """
        @purify.stateful
        class Gate:
            def __init__(self, mode):
                self.mode = mode
                self.opened = 0

            def step(self, x):
                if self.mode == "off":
                    return None
                for i in range(10):
                    self.opened += 1
                    if i == x:
                        return i
                    if i > 5:
                        break
                else:
                    return -1
                self.opened += 100
                return self.opened
        """, "Gate", ("on",), [("step", (2,)), ("step", (8,)), ("step", (0,))]),

    ("nested_functions_and_lambdas_read_state", """
        @purify.stateful
        class Scaler:
            def __init__(self):
                self.scale = jnp.asarray(2.0)
                self.offset = 1.0

            def apply(self, xs):
                f = lambda v: v * self.scale
                def g(v, k=self.offset):
                    return v + k + self.scale
                out = [g(f(x)) for x in xs]
                self.scale = self.scale + 1
                return jnp.stack(out), jax.tree_util.tree_map(lambda v: v * self.scale, {"x": xs[0]})
        """, "Scaler", (), [("apply", ([1.0, 2.0],)), ("apply", ([3.0],))]),

    ("static_class_methods_and_property", """
        @purify.stateful
        class Shape:
            SIDES = 4

            def __init__(self, size):
                self.size = jnp.asarray(size)
                self.grown = 0

            @staticmethod
            def area_of(s):
                return s * s

            @classmethod
            def sides(cls):
                return cls.SIDES

            @property
            def area(self):
                return self.area_of(self.size)

            @property
            def perimeter(self):
                return self.size * self.sides()

            def grow(self, d):
                self.size = self.size + d
                self.grown += 1
                return self.area + Shape.area_of(d) + self.perimeter
        """, "Shape", (2.0,), [("grow", (1.0,)), ("grow", (0.5,))]),

    ("call_dunder_and_self_call", """
        @purify.stateful
        class Smoother:
            def __init__(self, alpha):
                self.alpha = alpha
                self.value = jnp.zeros(())

            def __call__(self, x):
                self.value = self.alpha * self.value + (1 - self.alpha) * x
                return self.value

            def twice(self, x):
                return self(self(x))
        """, "Smoother", (0.5,), [("__call__", (1.0,)), ("twice", (4.0,))]),

    ("private_and_protected_names", """
        @purify.stateful
        class Secret:
            def __init__(self):
                self.__hidden = jnp.zeros(())
                self._count = 0

            def __bump(self, x):
                self.__hidden = self.__hidden + x
                self._count += 1
                return self.__hidden

            def poke(self, x):
                return self.__bump(x) * 2 + self._count
        """, "Secret", (), [("poke", (1.0,)), ("poke", (2.0,))]),

    ("static_configuration_builds_shapes", """
        @purify.stateful
        class Dense:
            def __init__(self, features, dtype=jnp.float32):
                self.features = features
                self.dtype = dtype
                self.seen = jnp.zeros((features,), dtype)

            def __call__(self, x):
                pad = jnp.zeros((self.features,), self.dtype)
                self.seen = self.seen + x
                return pad + x * len(range(self.features))
        """, "Dense", (3,), [("__call__", (jnp.ones(3),)), ("__call__", (jnp.arange(3.0),))]),

    ("numpy_state_eager", """
        @purify.stateful
        class Hist:
            def __init__(self, bins):
                self.counts = np.zeros(bins)

            def add(self, i):
                self.counts[i] += 1
                self.counts[0] = self.counts[0] + 0.5
                return self.counts.sum()
        """, "Hist", (4,), [("add", (1,)), ("add", (3,)), ("add", (1,))]),

    ("try_with_and_assert", """
        import contextlib

        @purify.stateful
        class Careful:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def run(self, k):
                assert k >= 0, "negative"
                with contextlib.nullcontext():
                    v = self.inc()
                try:
                    if k == 0:
                        raise ValueError(k)
                    v = v + self.inc()
                except ValueError:
                    v = -self.inc()
                finally:
                    self.n += 10
                return v
        """, "Careful", (), [("run", (1,)), ("run", (0,))]),
]

# Static Python arguments (ints used in Python control flow) for the jit runs.
STATIC = {
    "item_updates_dict": {},
    "early_returns_and_python_ifs": {"step": (0,)},
    "local_lists_and_loops": {"until": (0,)},
    "try_with_and_assert": {"run": (0,)},
    "method_calls_in_evaluation_order": {},
    "nested_functions_and_lambdas_read_state": {},
    "call_keyword_and_default_args": {},
}
NO_JIT = {
    # Python-value control flow on state (`if self.inc() > 5`, f-strings of state) only runs eagerly.
    "method_calls_in_evaluation_order": "if/f-string on state values need concrete values",
}


# Plain Python cannot item-assign into a JAX array: the undecorated reference uses NumPy there.
NUMPY_REFERENCE = {"item_updates_jax_array", "item_updates_2d_and_nested_index", "item_updates_nested_dict_of_arrays"}


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_three_ways_agree(case):
    name, source, cls, init, calls = case
    plain = source.replace("jnp.zeros", "np.zeros").replace("jnp.ones", "np.ones") if name in NUMPY_REFERENCE else None
    compare_three(source, cls, init, calls, static=STATIC.get(name), jit=name not in NO_JIT, plain_source=plain)


def test_evaluation_order_under_jit():
    """The hoisted calls keep Python's order under jit too (the parts that trace)."""
    src = """
        @purify.stateful
        class Order:
            def __init__(self):
                self.n = jnp.asarray(1)

            def inc(self):
                self.n += 1
                return self.n

            def before(self):
                return self.n * 10 + self.inc()

            def after(self):
                return self.inc() + self.n * 10

            def both(self):
                return [self.inc(), self.n, self.inc(), self.n]

            def augmented(self):
                self.n += self.inc()
                return self.n
        """
    compare_three(src, "Order", (), [("before", ()), ("after", ()), ("both", ()), ("augmented", ())])


# -- children, inheritance -------------------------------------------------------------

CHILDREN = """
@purify.stateful
class Linear:
    def __init__(self, key, n_in, n_out):
        self.w = jax.random.normal(key, (n_in, n_out)) * 0.5
        self.b = jnp.zeros((n_out,))
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x @ self.w + self.b

    def norm(self):
        return jnp.sum(self.w ** 2)

    def shrink(self, k):
        self.w = self.w * k
        return self.norm()


@purify.stateful
class MLP:
    def __init__(self, key, sizes):
        keys = jax.random.split(key, len(sizes) - 1)
        self.layers = [Linear(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]
        self.steps = 0

    def __call__(self, x):
        self.steps += 1
        for layer in self.layers:
            x = jnp.tanh(layer(x))
        return x

    def shrink_all(self, k):
        total = 0.0
        for layer in self.layers:
            total = total + layer.shrink(k)
        return total + self.layers[0].norm()

    def first(self, x):
        return self.layers[0](x)


@purify.stateful
class Pair:
    def __init__(self, key):
        k1, k2 = jax.random.split(key)
        self.enc = Linear(k1, 3, 4)
        self.dec = Linear(k2, 4, 3)
        self.pair = (Linear(k1, 3, 3), Linear(k2, 3, 3))

    def __call__(self, x):
        return self.dec(jax.nn.relu(self.enc(x)))

    def both(self, x):
        return self.pair[1](self.pair[0](x)) + self.enc.norm() + self.dec.shrink(0.5)

    def count(self):
        return self.enc.calls + self.dec.calls + self.pair[0].calls
"""


def test_child_instances_and_lists_of_children():
    key = jax.random.key(0)
    x = jnp.arange(3.0)
    compare_three(CHILDREN, "MLP", (key, (3, 5, 2)),
                  [("__call__", (x,)), ("shrink_all", (0.5,)), ("__call__", (x,)), ("first", (x,))],
                  static={})
    compare_three(CHILDREN, "Pair", (key,), [("__call__", (x,)), ("both", (x,)), ("count", ()), ("__call__", (x,))])


def test_children_state_nests():
    m = load_module(CHILDREN)
    state = m.MLP.init(jax.random.key(0), (3, 5, 2))
    assert isinstance(state.layers, tuple) and len(state.layers) == 2
    assert all(type(s) is m.Linear.State for s in state.layers)
    pair = m.Pair.init(jax.random.key(0))
    assert type(pair.enc) is m.Linear.State and type(pair.pair[1]) is m.Linear.State
    # every leaf of the nested state is an array or number: one pytree
    leaves = jax.tree_util.tree_leaves(state)
    assert len(leaves) == 2 * 3
    _, new = jax.jit(m.MLP.__call__)(state, jnp.ones(3))
    assert [int(s.calls) for s in new.layers] == [1, 1]
    assert int(new.steps) == 1


INHERIT = """
@purify.stateful
class Base:
    def __init__(self, n):
        self.n = n
        self.hits = 0

    def hit(self, k=1):
        self.hits += k
        return self.hits

    def describe(self):
        return self.n * 100 + self.hits


@purify.stateful
class Child(Base):
    def __init__(self, n, extra):
        self.before = extra * 2
        super().__init__(n + 1)
        self.extra = extra

    def hit(self, k=1):
        base = super().hit(k * 2)
        self.extra += base
        return base + self.extra

    def combo(self):
        return self.hit() + self.describe()


@purify.stateful
class GrandChild(Child):
    def bump(self):
        self.n += 1
        return super().combo()
"""


def test_inheritance_super_and_inherited_methods():
    compare_three(INHERIT, "Child", (1, 3), [("hit", ()), ("combo", ()), ("describe", ()), ("hit", (), {"k": 3})])
    compare_three(INHERIT, "GrandChild", (2, 5), [("bump", ()), ("hit", ()), ("combo", ())])


def test_inherited_state_fields_in_order():
    m = load_module(INHERIT)
    assert m.Child.State._fields == ("before", "n", "hits", "extra")
    assert m.GrandChild.State._fields == m.Child.State._fields
    assert m.Base.State._fields == ("n", "hits")


# -- state and static fields ----------------------------------------------------------


def test_state_leaves_are_exactly_the_state_fields():
    m = load_module("""
        @purify.stateful
        class Dense:
            def __init__(self, features, name="dense"):
                self.features = features
                self.name = name
                self.shape = (features, 2)
                self.act = jax.nn.relu
                self.w = jnp.ones((features, 2))
                self.count = 0

            def __call__(self, x):
                self.count += 1
                return self.act(x @ self.w) + jnp.zeros(self.shape[1:])
        """)
    s = m.Dense.init(3)
    leaves = jax.tree_util.tree_leaves(s)
    assert len(leaves) == 2
    assert leaves[0].shape == (3, 2) and leaves[1] == 0
    out, s2 = jax.jit(m.Dense.__call__)(s, jnp.ones(3))
    assert s2.features == 3 and s2.name == "dense" and s2.act is jax.nn.relu  # static, never traced
    np.testing.assert_allclose(out, [3.0, 3.0])
    assert int(s2.count) == 1


# -- vmap and grad of the pure API ------------------------------------------------------

VG = """
@purify.stateful
class Model:
    def __init__(self, w, b):
        self.w = jnp.asarray(w)
        self.b = jnp.asarray(b)
        self.steps = jnp.zeros((), jnp.int32)

    def predict(self, x):
        return jnp.tanh(x @ self.w + self.b)

    def loss(self, x, y):
        self.steps += 1
        return jnp.mean((self.predict(x) - y) ** 2)
"""


def _plain_pure(plain_cls, method):
    """The undecorated class as a pure function of its attributes (runs under jax transforms
    because plain Python attribute writes on a fresh object are fine while tracing)."""
    def fn(attrs, *args):
        obj = plain_cls.__new__(plain_cls)
        vars(obj).update(attrs)
        out = getattr(obj, method)(*args)
        return out, dict(vars(obj))
    return fn


def test_vmap_over_batch_of_states_and_over_data():
    plain, m = undecorated(VG), load_module(VG)
    w = jnp.stack([jnp.ones(3) * i for i in range(4)])
    b = jnp.arange(4.0)
    states = jax.vmap(m.Model.init)(w, b)
    x = jnp.linspace(-1, 1, 3)
    y = jnp.asarray(0.3)
    out, new = jax.jit(jax.vmap(m.Model.loss, in_axes=(0, None, None)))(states, x, y)
    p_out, p_new = jax.vmap(_plain_pure(plain.Model, "loss"), in_axes=(0, None, None))(
        {"w": w, "b": b, "steps": jnp.zeros(4, jnp.int32)}, x, y)
    assert_same(p_out, out)
    assert_same(tuple(p_new.values()), tuple(new))
    # shared state (in_axes None), batched data
    s = m.Model.init(jnp.ones(3), 0.5)
    xs = jnp.stack([x, 2 * x, -x])
    ys = jnp.asarray([0.0, 1.0, 2.0])
    outs, _ = jax.vmap(m.Model.loss, in_axes=(None, 0, 0))(s, xs, ys)
    eager = m.Model(jnp.ones(3), 0.5)
    for i in range(3):
        np.testing.assert_allclose(outs[i], eager.loss(xs[i], ys[i]), rtol=1e-6)
    assert int(eager.steps) == 3


def test_grad_with_respect_to_state_matches_eager_class():
    plain, m = undecorated(VG), load_module(VG)
    s = m.Model.init(jnp.asarray([0.1, -0.2, 0.3]), 0.05)
    x, y = jnp.asarray([1.0, 2.0, 3.0]), jnp.asarray(0.7)
    g = jax.jit(jax.grad(lambda st: m.Model.loss(st, x, y)[0]))(s)
    assert type(g) is m.Model.State
    pg = jax.grad(lambda a: _plain_pure(plain.Model, "loss")(a, x, y)[0])(
        {"w": s.w, "b": s.b, "steps": s.steps.astype(jnp.float32)})
    np.testing.assert_allclose(g.w, pg["w"], rtol=1e-6)
    np.testing.assert_allclose(g.b, pg["b"], rtol=1e-6)
    # and against a hand-written pure loss
    hand = jax.grad(lambda w, b: jnp.mean((jnp.tanh(x @ w + b) - y) ** 2), argnums=(0, 1))(s.w, s.b)
    np.testing.assert_allclose(g.w, hand[0], rtol=1e-6)
    np.testing.assert_allclose(g.b, hand[1], rtol=1e-6)
    # has_aux threads the new state out of grad
    (gw, (val, new)) = jax.grad(lambda st: (lambda o: (o[0], o))(m.Model.loss(st, x, y)), has_aux=True)(s)
    assert int(new[1].steps) == 1


def test_grad_through_children():
    m = load_module(CHILDREN)
    s = m.MLP.init(jax.random.key(1), (3, 4, 1))
    x = jnp.asarray([0.5, -1.0, 2.0])

    def loss(st):
        out, _ = m.MLP.__call__(st, x)
        return jnp.sum(out ** 2)

    def hand(ws):
        h = x
        for w, b in ws:
            h = jnp.tanh(h @ w + b)
        return jnp.sum(h ** 2)

    g = jax.jit(jax.grad(loss, allow_int=True))(s)
    hg = jax.grad(hand)([(l.w, l.b) for l in s.layers])
    for gl, (hw, hb) in zip(g.layers, hg):
        np.testing.assert_allclose(gl.w, hw, rtol=1e-5)
        np.testing.assert_allclose(gl.b, hb, rtol=1e-5)


def test_pure_api_never_mutates_its_input_state():
    m = load_module("""
        @purify.stateful
        class Box:
            def __init__(self):
                self.d = {"a": jnp.zeros(2)}
                self.x = jnp.zeros(3)

            def put(self, v):
                self.d["a"] = self.d["a"] + v
                self.x[0] = v
                return None
        """)
    s = m.Box.init()
    out, s2 = m.Box.put(s, 4.0)
    assert out is None
    np.testing.assert_allclose(s.d["a"], [0, 0])
    np.testing.assert_allclose(s.x, [0, 0, 0])
    np.testing.assert_allclose(s2.d["a"], [4, 4])
    np.testing.assert_allclose(s2.x, [4, 0, 0])


def test_method_returning_nothing_gives_none_and_always_a_pair():
    m = load_module("""
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def reset(self):
                self.n = 0

            def peek(self):
                return self.n

            def two(self):
                return 1, 2
        """)
    s = m.C.init()
    assert m.C.reset(s) == (None, s)
    r = m.C.two(s)
    assert r == ((1, 2), s)
    assert m.C.peek(s) == (0, s)


def test_jit_of_pure_api_with_pytree_arguments():
    compare_three("""
        @purify.stateful
        class Opt:
            def __init__(self, lr):
                self.lr = lr
                self.step = 0
                self.mom = {"w": jnp.zeros(2), "b": jnp.zeros(())}

            def update(self, params, grads):
                self.step += 1
                self.mom = jax.tree_util.tree_map(lambda m, g: 0.9 * m + g, self.mom, grads)
                return jax.tree_util.tree_map(lambda p, m: p - self.lr * m, params, self.mom)
        """, "Opt", (0.1,), [("update", ({"w": jnp.ones(2), "b": 1.0}, {"w": jnp.ones(2), "b": 2.0}))] * 3)
