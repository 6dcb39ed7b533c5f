"""Every supported construct (DESIGN §1): the undecorated class run eagerly, the decorated
instance, and the pure API under `jax.jit` give the same outputs and the same final state;
where it applies, `jax.vmap` and `jax.grad` of the pure API agree with the eager class."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import assert_same, compare_three, load_module, undecorated

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

    ("recursion_on_python_values", """
        @purify.stateful
        class Rec:
            def __init__(self):
                self.n = jnp.zeros(())

            def down(self, k):
                self.n += k
                if k > 0:
                    return self.down(k - 1) * 2
                return self.n
        """, "Rec", (), [("down", (3,)), ("down", (1,))]),

    ("the_refusals_suggested_rewrites_work", """
        @purify.stateful
        class Log:
            def __init__(self):
                self.items = []
                self.table = {"a": 1.0}

            def add(self, x):
                self.items = self.items + [x]
                self.table = {**self.table, **{"b": x}}
                return len(self.items) + self.table["b"]
        """, "Log", (), [("add", (1.0,)), ("add", (2.0,))]),

    ("more_targets_chained_annotated_and_item_in_tuple", """
        @purify.stateful
        class Targets:
            def __init__(self):
                self.a = {"k": 0}
                self.b = 0
                self.c: int = 0

            def f(self, x):
                self.a["k"], self.b = x, x + 1
                y = self.c = self.b * 2
                self.c: int = self.c + y
                return self.a["k"] + self.b + self.c
        """, "Targets", (), [("f", (1,)), ("f", (5,))]),

    ("walrus_on_a_state_changing_call", """
        @purify.stateful
        class Walrus:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def f(self):
                if (r := self.inc()) > 1:
                    return r * 10
                return r
        """, "Walrus", (), [("f", ()), ("f", ())]),

    ("nested_child_calls_and_explicit_dunder_call", """
        @purify.stateful
        class Unit:
            def __init__(self, k):
                self.k = k
                self.calls = 0

            def __call__(self, x):
                self.calls += 1
                return x * self.k + self.calls

        @purify.stateful
        class Two:
            def __init__(self):
                self.l1 = Unit(2.0)
                self.l2 = Unit(3.0)

            def f(self, x):
                return self.l1(self.l2(x)) + self.l1.calls * 100 + self.l2(x)

            def g(self, x):
                return self.__call__(x)

            def __call__(self, x):
                return self.l1(x)
        """, "Two", (), [("f", (1.0,)), ("f", (2.0,)), ("g", (1.0,))]),

    ("loop_over_dict_items_writing_items", """
        @purify.stateful
        class Table:
            def __init__(self):
                self.d = {"a": 1.0, "b": 2.0}

            def f(self):
                for k, v in self.d.items():
                    self.d[k] = v * 2 + self.d["a"]
                return self.d["b"]
        """, "Table", (), [("f", ()), ("f", ())]),

    ("match_on_static_config", """
        @purify.stateful
        class Mode:
            def __init__(self, mode):
                self.mode = mode
                self.n = 0

            def f(self, x):
                match self.mode:
                    case "add":
                        self.n += x
                    case _:
                        self.n -= x
                return self.n
        """, "Mode", ("add",), [("f", (1,)), ("f", (2,))]),

    ("varargs_kwargs", """
        @purify.stateful
        class Var:
            def __init__(self):
                self.n = 0

            def f(self, *args, scale=1, **kw):
                self.n += sum(args) * scale + sum(kw.values())
                return self.n

            def g(self):
                return self.f(1, 2, scale=3, extra=4)
        """, "Var", (), [("f", (1, 2), {"scale": 2}), ("g", ())]),

    ("list_state_items", """
        @purify.stateful
        class Slots:
            def __init__(self):
                self.xs = [0.0, 0.0, 0.0]

            def f(self, i, v):
                self.xs[i] += v
                self.xs[0] = self.xs[0] + 1
                return sum(self.xs)
        """, "Slots", (), [("f", (1, 2.0)), ("f", (2, 3.0))]),

    ("super_calls_inside_an_expression", """
        @purify.stateful
        class B:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

        @purify.stateful
        class D(B):
            def inc(self):
                return super().inc() * 10 + super().inc()
        """, "D", (), [("inc", ()), ("inc", ())]),

    ("array_methods_on_state", """
        @purify.stateful
        class Arr:
            def __init__(self):
                self.w = jnp.arange(3.0)

            def f(self):
                self.w = self.w.reshape(3, 1).sum(axis=1) + 1
                return self.w.mean()
        """, "Arr", (), [("f", ()), ("f", ())]),

    ("return_inside_with_inside_loop", """
        import contextlib

        @purify.stateful
        class Ret:
            def __init__(self):
                self.n = 0

            def f(self, k):
                for i in range(5):
                    self.n += 1
                    if i == k:
                        with contextlib.nullcontext():
                            return self.n
                return -1
        """, "Ret", (), [("f", (2,)), ("f", (7,))]),

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

    # Second names for parts of the state that purify accepts: nothing changes in place while
    # they are live, or what they name is a value that an item write replaces, not changes.
    ("local_names_for_state", """
        @purify.stateful
        class Leaf:
            def __init__(self):
                self.n = jnp.asarray(0.0)

            def __call__(self, v):
                self.n = self.n + v
                return self.n


        @purify.stateful
        class Stats:
            def __init__(self):
                self.d = {"count": jnp.asarray(0.0), "total": jnp.asarray(0.0)}
                self.kids = [Leaf(), Leaf()]
                self.leaf = Leaf()
                self.prev = jnp.zeros(2)
                self.x = jnp.ones(2)

            def entry_before_update(self, v):
                n = self.d["count"]            # a value: the item write replaces it, as in Python
                self.d["count"] = n + 1.0
                return n

            def read_then_write(self, v):
                d = self.d                     # only read before the change
                total = d["total"] + v
                self.d["total"] = total
                return total

            def bind_after_write(self, v):
                self.d["total"] = self.d["total"] * 2.0
                d = self.d
                return d["total"] + v

            def loop_over_keys(self, v):
                for k in self.d:
                    self.d[k] = self.d[k] + v
                return self.d["count"]

            def children(self, v):
                n = self.leaf.n                # a value read from the child before its call
                out = self.leaf(v)
                for kid in self.kids:
                    out = out + kid(v)
                return out + n

            def keep_previous(self, v):
                self.prev = self.x             # JAX arrays: one object in two fields is fine
                self.x = self.x + v
                return self.prev

            def augmented_values(self, v):
                old = self.x                   # `+=` on a JAX array rebinds: old keeps its value
                self.x += v
                x = self.x
                x += v                         # ... and does not change self.x
                return old + x

        """, "Stats", (), [("entry_before_update", (1.0,)), ("read_then_write", (2.0,)),
                           ("bind_after_write", (1.0,)), ("loop_over_keys", (1.0,)), ("children", (0.5,)),
                           ("keep_previous", (3.0,)), ("entry_before_update", (1.0,)), ("children", (1.0,)),
                           ("augmented_values", (2.0,))]),

    # Exceptions caught in a method: fine where nothing changed before the raise.
    ("exceptions_raised_before_any_change", """
        import contextlib

        @purify.stateful
        class Checked:
            def __init__(self):
                self.total = 0.0
                self.errors = 0

            def add(self, x):
                if x < 0:
                    raise ValueError("negative")   # checked first: nothing changed yet
                self.total += x
                return self.total

            def safe_add(self, x):
                try:
                    out = self.add(x)
                except ValueError:
                    self.errors += 1               # the handler's own changes are kept
                    out = -1.0
                return out

            def quiet_add(self, x):
                with contextlib.suppress(ValueError):
                    self.add(x)
                return self.total

            def changed_then_caught_here(self, x):
                try:
                    self.total += 1.0              # a change in the try body itself is kept
                    if x < 0:
                        raise ValueError(x)
                except ValueError:
                    pass
                return self.total
        """, "Checked", (), [("safe_add", (1.0,)), ("safe_add", (-1.0,)), ("quiet_add", (2.0,)),
                             ("quiet_add", (-2.0,)), ("changed_then_caught_here", (-1.0,)),
                             ("changed_then_caught_here", (1.0,))]),
]

# Static Python arguments (ints used in Python control flow) for the jit runs.
STATIC = {
    "item_updates_dict": {},
    "early_returns_and_python_ifs": {"step": (0,)},
    "local_lists_and_loops": {"until": (0,)},
    "try_with_and_assert": {"run": (0,)},
    "recursion_on_python_values": {"down": (0,)},
    "list_state_items": {"f": (0,)},
    "return_inside_with_inside_loop": {"f": (0,)},
    "method_calls_in_evaluation_order": {},
    "nested_functions_and_lambdas_read_state": {},
    "call_keyword_and_default_args": {"add": ("times",)},
}
NO_JIT = {
    "exceptions_raised_before_any_change": "Python `if` on the argument",
    "walrus_on_a_state_changing_call": "`if` on a state value needs a concrete value",
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
    def __init__(self, seed, n_in, n_out):
        # deterministic and cheap (eager jax.random compiles once per shape: slow tests)
        self.w = jnp.cos(jnp.arange(n_in * n_out, dtype=jnp.float32).reshape(n_in, n_out) + seed) * 0.5
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
    def __init__(self, seed, sizes):
        self.layers = [Linear(seed + i, a, b) for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
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
    def __init__(self, seed):
        k1, k2 = seed, seed + 1
        self.enc = Linear(k1, 3, 5)
        self.dec = Linear(k2, 5, 3)
        self.pair = (Linear(k1, 3, 3), Linear(k2, 3, 3))

    def __call__(self, x):
        return self.dec(jax.nn.relu(self.enc(x)))

    def both(self, x):
        return self.pair[1](self.pair[0](x)) + self.enc.norm() + self.dec.shrink(0.5)

    def count(self):
        return self.enc.calls + self.dec.calls + self.pair[0].calls


@purify.stateful
class Deep:
    def __init__(self, seed, width, depth):
        blocks = []
        for k in range(depth):
            blocks.append(Linear(seed + k, width, width))
        self._blocks = tuple(blocks)
        self.__last = Linear(seed, width, 2)

    def __call__(self, x):
        for i, block in enumerate(self._blocks):
            x = block(x) + i
            if i == 0:
                x = jax.nn.relu(x)
        for block in self._blocks:
            x = x + block.norm()
        return self.__last(x)

    def shrink_last(self, k):
        return self._blocks[-1].shrink(k) + self.__last.shrink(k)
"""


def test_child_instances_and_lists_of_children():
    key = 0
    x = jnp.arange(3.0)
    compare_three(CHILDREN, "MLP", (key, (3, 5, 2)),
                  [("__call__", (x,)), ("shrink_all", (0.5,)), ("__call__", (x,)), ("first", (x,))],
                  static={})
    compare_three(CHILDREN, "Pair", (key,), [("__call__", (x,)), ("both", (x,)), ("count", ()), ("__call__", (x,))])
    compare_three(CHILDREN, "Deep", (key, 3, 3), [("__call__", (x,)), ("shrink_last", (0.5,)), ("__call__", (x,))])


def test_children_state_nests():
    m = load_module(CHILDREN)
    state = m.MLP.init(0, (3, 5, 2))
    assert isinstance(state.layers, tuple) and len(state.layers) == 2
    assert all(type(s) is m.Linear.State for s in state.layers)
    pair = m.Pair.init(0)
    assert type(pair.enc) is m.Linear.State and type(pair.pair[1]) is m.Linear.State
    # every leaf of the nested state is an array or number: one pytree
    leaves = jax.tree_util.tree_leaves(state)
    assert len(leaves) == 2 * 3 + 1  # w, b, calls per layer; steps
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


def _local_classes(decorate):
    """A base and its subclass defined in a function (a test, a notebook's helper): `Base` is a
    local of the function, named by the class statement and by no method."""
    class Base:
        def __init__(self):
            self.n = 0

        def step(self):
            self.n += 1
            return self.n

    Base = decorate(Base)
    Alias = Base

    class Sub(Alias):
        def step(self):
            return super().step() * 10

    return decorate(Sub)


def test_a_subclass_of_a_decorated_class_local_to_a_function():
    plain, sub = _local_classes(lambda c: c), _local_classes(purify.stateful)
    p, s = plain(), sub()
    assert [s.step() for _ in range(3)] == [p.step() for _ in range(3)] == [10, 20, 30]
    state = sub.init()
    for _ in range(2):
        out, state = jax.jit(sub.step)(state)
    assert (int(out), int(state.n)) == (20, 2)
    assert "class Sub(Alias):" in purify.source(sub)


ORDER_ONE = """
    @purify.stateful
    class GH:
        \"\"\"filterpy's GHFilterOrder, order 1: a NumPy state written item by item.\"\"\"

        def __init__(self, x0, g, h):
            self.x = np.copy(x0.astype(float))
            self.g, self.h = g, h

        def update(self, z):
            x, dx = self.x[0], self.x[1]
            y = z - (x + dx)
            self.x[0] = x + dx + self.g * y
            self.x[1] = dx + self.h * y
            return self.x[0]
"""


def test_a_numpy_state_written_item_by_item_with_traced_values(tmp_path):
    """Under jax.vmap with the state closed over (not passed), the pure method writes traced values
    into the NumPy array eager code made: it becomes a JAX array, as jax.jit makes of the state it is
    passed (NumPy cannot hold a tracer: it was JAX's 'setting an array element with a sequence')."""
    from tests.test_semantics_objects import converted

    plain, module = undecorated(ORDER_ONE), load_module(ORDER_ONE)
    conv = converted(tmp_path, "import numpy as np\nimport purify\n" + ORDER_ONE.replace("\n    ", "\n"))
    zs = np.array([[1.0, 2.1, 2.9], [2.0, 4.2, 5.8]])
    expected = []
    for row in zs:
        ref = plain.GH(np.array([0.0, 1.0]), 0.6, 0.02)
        expected.append([ref.update(z) for z in row])
    for cls, state in ((module.GH, purify.state_of(module.GH(np.array([0.0, 1.0]), 0.6, 0.02))),
                       (conv.GH, conv.GH.init(np.array([0.0, 1.0]), 0.6, 0.02))):
        def run(row, cls=cls, state=state):
            outs = []
            for i in range(3):
                out, state = cls.update(state, row[i])
                outs.append(out)
            return jnp.stack(outs)

        np.testing.assert_allclose(jax.vmap(run)(jnp.asarray(zs)), expected, rtol=1e-6)
        assert isinstance(state.x, np.ndarray)  # the caller's NumPy state is not changed
    eager = module.GH(np.array([0.0, 1.0]), 0.6, 0.02)
    assert [eager.update(z) for z in zs[0]] == expected[0] and isinstance(eager.x, np.ndarray)


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
    assert_same(tuple(p_new[k] for k in m.Model.State._fields), tuple(new))
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
    g = jax.jit(jax.grad(lambda st: m.Model.loss(st, x, y)[0], allow_int=True))(s)
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
    def loss_and_state(st):
        out, new = m.Model.loss(st, x, y)
        return out, (out, new)

    _, (val, new) = jax.grad(loss_and_state, has_aux=True, allow_int=True)(s)
    assert int(new.steps) == 1 and float(val) > 0


def test_grad_through_children():
    m = load_module(CHILDREN)
    s = m.MLP.init(1, (3, 5, 2))
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
    hg = jax.grad(hand)([(layer.w, layer.b) for layer in s.layers])
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


def test_param_and_static_markers():
    m = load_module("""
        class Config:
            def __init__(self, depth):
                self.depth = depth

            def __hash__(self):
                return hash(self.depth)

            def __eq__(self, other):
                return isinstance(other, Config) and other.depth == self.depth


        @purify.stateful
        class Layer:
            def __init__(self, n, depth):
                self.w = purify.param(jnp.ones(n))
                self.config = purify.static(Config(depth))
                self.seen = jnp.zeros(())

            def __call__(self, x):
                self.seen += 1
                for _ in range(self.config.depth):
                    x = x * self.w
                return x.sum()
        """)
    s = m.Layer.init(3, 2)
    assert m.Layer.State._params == ("w",)
    assert len(jax.tree_util.tree_leaves(s)) == 2  # w, seen: the config is metadata
    out, s2 = jax.jit(m.Layer.__call__)(s, jnp.full(3, 2.0))
    assert float(out) == 6.0 and s2.config.depth == 2
    g = jax.grad(lambda st: m.Layer.__call__(st, jnp.full(3, 2.0))[0])(s)
    np.testing.assert_allclose(g.w, [4.0, 4.0, 4.0])  # d/dw sum(x * w * w) = 2 x w


DERIVED_CONFIG = """
@purify.stateful
class Cart:
    def __init__(self, masspole=0.1):
        self.masspole = masspole
        self.masscart = 1.0
        self.total_mass = self.masspole + self.masscart  # Gymnasium's CartPole does this
        self.scale = self.total_mass * 2  # through another derived field
        self.pos = jnp.zeros(())
        self.doubled = self.pos * 2  # from state: state
        self.speed = 0.0
        self.start = self.speed  # the value __init__ gave speed, a float: static

    def push(self, f):
        self.speed += f / self.total_mass
        self.pos += self.speed * self.scale
        return self.pos + self.doubled + self.start
"""


def test_fields_computed_in_init_from_static_fields_are_static():
    """`self.total_mass = self.masspole + self.masscart` is configuration like its operands, not
    a traced leaf (which `jax.vmap` over a batch of states would batch and the jit could not fold)."""
    m = compare_three(DERIVED_CONFIG, "Cart", (), [("push", (1.0,)), ("push", (2.0,))])
    assert m.Cart.State._static == ("masspole", "masscart", "total_mass", "scale", "start")
    state = m.Cart.init(0.5)
    assert [type(v).__name__ for v in jax.tree_util.tree_leaves(state)] == ["ArrayImpl", "ArrayImpl", "float"]
    assert state.total_mass == 1.5 and state.scale == 3.0
    with pytest.raises(purify.PurifyError, match="self.masspole is set only in __init__ from plain configuration"):
        m.Cart.init(jnp.float32(0.5))  # an array where the syntax says configuration: as for any static field
