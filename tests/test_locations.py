"""Classes work wherever users define them (module level, nested in a class, inside a function,
a Jupyter cell), with `from __future__ import annotations`, zero-argument `super()` and private
names; run-time errors point at the user's file and line; classes without source get a
PurifyError that says why and what to do."""

from __future__ import annotations

import linecache
import sys
import traceback
import types

import jax
import jax.numpy as jnp
import numpy as np
import purify
import pytest

from tests.conftest import line_of, load_module, strip_decorator

NESTED = """
SCALE = 2.0


class Outer:
    @purify.stateful
    class Inner:
        def __init__(self):
            self.n = jnp.zeros(())

        def step(self, x):
            self.n += x * SCALE
            return self.n


def make(offset):
    @purify.stateful
    class Local:
        def __init__(self):
            self.v = jnp.zeros(())

        def step(self):
            self.v = self.v + offset
            return self.v

    def set_offset(value):
        nonlocal offset
        offset = value

    return Local, set_offset
"""


def test_module_level_class_keeps_its_module_and_qualname():
    m = load_module("""
        @purify.stateful
        class Counter:
            def __init__(self):
                self.n = 0

            def count(self):
                self.n += 1
                return self.n
        """)
    assert m.Counter.__module__ == m.__name__
    assert m.Counter.State.__name__ == "CounterState"
    assert m.Counter.count.__qualname__ == "Counter.count"
    assert m.Counter.count.__module__ == m.__name__
    assert m.Counter.count.__code__.co_filename == m.__file__
    assert m.Counter.count.__code__.co_firstlineno == line_of(m, "def count(self):")


def test_class_nested_in_a_class_with_live_globals():
    m = load_module(NESTED)
    Inner = m.Outer.Inner
    assert Inner.State.__qualname__ == "Outer.InnerState"
    s = Inner.init()
    out, s = jax.jit(Inner.step)(s, 1.0)
    assert float(out) == 2.0
    m.SCALE = 10.0  # a module global read by the method: live, not frozen at decoration
    obj = Inner()
    assert float(obj.step(1.0)) == 10.0


def test_class_inside_a_function_with_live_closures():
    m = load_module(NESTED)
    Local, set_offset = m.make(1.0)
    Other, _ = m.make(100.0)
    assert Local.__qualname__ == "make.<locals>.Local"
    obj = Local()
    assert float(obj.step()) == 1.0
    set_offset(5.0)  # the closure cell is shared with the pure function
    assert float(obj.step()) == 6.0
    assert float(Other().step()) == 100.0  # each call of the factory has its own cells
    out, _ = jax.jit(Local.step)(Local.init())
    assert float(out) == 5.0


def test_closure_over_a_stateful_child_class_defined_in_the_same_function():
    m = load_module("""
        def build(width):
            @purify.stateful
            class Leaf:
                def __init__(self):
                    self.w = jnp.ones(width)

                def __call__(self, x):
                    self.w = self.w * 2
                    return self.w * x

            @purify.stateful
            class Tree:
                def __init__(self):
                    self.leaf = Leaf()
                    self.calls = 0

                def __call__(self, x):
                    self.calls += 1
                    return self.leaf(x).sum()

            return Tree
        """)
    Tree = m.build(3)
    out, s = jax.jit(Tree.__call__)(Tree.init(), 1.0)
    assert float(out) == 6.0
    np.testing.assert_allclose(s.leaf.w, [2.0, 2.0, 2.0])
    t = Tree()
    t(1.0)
    assert float(t(1.0)) == 12.0 and int(t.calls) == 2


# -- Jupyter ----------------------------------------------------------------------------


def _run_cell(source: str, name: str, namespace: dict) -> None:
    """What IPython does: register the cell in linecache, compile under that name, exec."""
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    exec(compile(source, name, "exec"), namespace)  # noqa: S102


CELL_1 = """\
import jax.numpy as jnp
import purify

STEP = 1

@purify.stateful
class Counter:
    def __init__(self):
        self.n = jnp.asarray(0)

    def count(self):
        self.n += STEP
        return self.n
"""

CELL_2 = """\
@purify.stateful
class Counter:
    '''Re-run with changes.'''

    def __init__(self):
        self.n = jnp.asarray(100)

    def count(self):
        self.n += 2 * STEP
        return self.n

    def boom(self, x):
        y = x + 1
        raise RuntimeError(f"bad {y}")
"""


@pytest.fixture
def notebook():
    main = types.ModuleType("__notebook__")
    sys.modules[main.__name__] = main
    names = []

    def run(source: str, n: int) -> dict:
        name = f"<ipython-input-{n}-{abs(hash(source)) % 10**12:x}>"
        names.append(name)
        _run_cell(source, name, vars(main))
        return vars(main)

    yield run
    del sys.modules[main.__name__]
    for name in names:
        linecache.cache.pop(name, None)


def test_jupyter_cells(notebook):
    ns = notebook(CELL_1, 3)
    first = ns["Counter"]
    ns = notebook(CELL_2, 4)
    second = ns["Counter"]
    assert first is not second
    assert int(first().count()) == 1
    c = second()
    assert int(c.count()) == 102  # the re-run cell's class, not the first one
    assert second.__doc__ == "Re-run with changes."
    ns["STEP"] = 10  # notebook globals stay live
    assert int(c.count()) == 122
    out, _ = jax.jit(second.count)(second.init())
    assert int(out) == 120
    assert "class Counter" in purify.source(second)


def test_jupyter_traceback_points_at_the_cell(notebook):
    notebook(CELL_1, 5)
    ns = notebook(CELL_2, 6)
    with pytest.raises(RuntimeError, match="bad 2") as info:
        ns["Counter"]().boom(1)
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert last.filename.startswith("<ipython-input-6-")
    assert last.lineno == CELL_2.splitlines().index('        raise RuntimeError(f"bad {y}")') + 1
    assert last.line == 'raise RuntimeError(f"bad {y}")'


CHILD_CELL = """\
import purify
import jax.numpy as jnp

@purify.stateful
class Layer:
    def __init__(self):
        self.w = jnp.zeros(2)
"""

PARENT_CELL = """\
@purify.stateful
class Model:
    def __init__(self):
        self.a = Layer()
        self.more = [Layer() for _ in range(2)]

    def total(self):
        return self.a.w.sum()
"""

CHILD_CELL_CHANGED = CHILD_CELL.replace("self.w = jnp.zeros(2)", "self.w = jnp.zeros(2)\n        self.b = jnp.ones(3)")


def test_jupyter_child_redefined_after_its_parent_is_refused(notebook):
    notebook(CHILD_CELL, 7)
    ns = notebook(PARENT_CELL, 8)
    kept = ns["Model"]()  # made before the redefinition: keeps the old children, as in Python
    ns = notebook(CHILD_CELL_CHANGED, 9)
    model = ns["Model"]
    for make in (model, model.init):
        with pytest.raises(purify.PurifyError, match="Layer was redefined after Model was decorated") as info:
            make()
        e = info.value
        assert e.filename.startswith("<ipython-input-8-") and e.lineno == 4
        assert "re-run the cell that defines Model" in e.hint
    assert float(kept.total()) == 0.0
    ns = notebook(PARENT_CELL, 10)  # re-running the parent's cell picks up the new Layer
    assert ns["Model"].init().a._fields == ("w", "b")
    assert all(s._fields == ("w", "b") for s in ns["Model"].init().more)


def test_unlocated_errors_print_as_plain_exceptions(notebook):
    ns = notebook(CELL_1, 11)
    counter = ns["Counter"]()
    with pytest.raises(purify.PurifyError) as info:
        jax.jit(counter.count)()
    e = info.value
    assert not isinstance(e, SyntaxError) and e.filename is None and e.lineno is None
    shown = "".join(traceback.format_exception_only(type(e), e))
    assert shown.startswith("purify.errors.PurifyError: ") and "File " not in shown and "None" not in shown
    # IPython sets a missing filename of a SyntaxError to "<string>"; an unlocated error is none
    located = purify.PurifyError("bad", filename="f.py", lineno=2, col=0, text="x = 1\n")
    assert isinstance(located, SyntaxError) and isinstance(located, purify.PurifyError)
    assert str(located).startswith("f.py:2:1: bad")


# -- future annotations, super(), private names -------------------------------------------

FUTURE = """\
from __future__ import annotations

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class Base:
    def __init__(self, n: int) -> None:
        self.__secret = jnp.asarray(n, jnp.float32)
        self._n = n

    def step(self, x: Later) -> Later:
        self.__secret = self.__secret + x
        return self.__secret

    def __double(self) -> Later:
        return self.__secret * 2

    def use(self) -> Later:
        return self.__double() + self._n


@purify.stateful
class Sub(Base):
    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.__mine: Later = jnp.zeros(())

    def step(self, x: Later) -> Later:
        y = super().step(x)
        self.__mine = self.__mine - x
        return y + self.__mine


def factory():
    @purify.stateful
    class Deep(Sub):
        def step(self, x):
            return super().step(x * 10) + 1

    return Deep


class Later:  # only named in annotations, defined after the classes
    pass
"""


def _plain_future():
    plain = load_module(strip_decorator(FUTURE), header=False)
    return plain


def test_future_annotations_super_and_private_names():
    m = load_module(FUTURE, header=False)
    plain = _plain_future()
    assert m.Sub.State._fields == ("secret__", "n_", "mine__")
    s = m.Sub.init(1)
    step = jax.jit(m.Sub.step)
    p = plain.Sub(1)
    for x in (2.0, 3.0):
        out, s = step(s, x)
        assert float(out) == p.step(x)
    assert float(m.Sub.use(s)[0]) == float(p.use())
    eager = m.Sub(1)
    eager.step(2.0)
    eager.step(3.0)
    assert float(eager.use()) == float(p.use())
    # zero-argument super() in a class defined inside a function (its __class__ cell)
    Deep, PlainDeep = m.factory(), plain.factory()
    d, pd = Deep(1), PlainDeep(1)
    assert float(d.step(2.0)) == float(pd.step(2.0))
    out, _ = jax.jit(Deep.step)(Deep.init(1), 2.0)
    assert float(out) == float(PlainDeep(1).step(2.0))


def test_private_names_that_python_keeps_apart_are_refused():
    src = """
        @purify.stateful
        class Base:
            def __init__(self):
                self.__x = jnp.zeros(())

            def get(self):
                return self.__x

        @purify.stateful
        class Sub(Base):
            def __init__(self):
                super().__init__()
                self.__x = jnp.ones(())
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(src)
    e = info.value
    assert "self.__x is used in both Base and Sub" in e.bare_msg
    assert "_Base__x" in e.bare_msg and "_Sub__x" in e.bare_msg
    assert e.text.strip() == "self.__x = jnp.ones(())"
    assert "rename one of them" in e.hint


# -- run-time errors point at the user's code ---------------------------------------------

BOOM = """
@purify.stateful
class Model:
    def __init__(self, n):
        self.w = jnp.ones((n,))
        self.calls = 0

    def helper(self, x):
        return x @ self.w

    def forward(self, x):
        self.calls += 1
        y = self.helper(x)
        return y

    def fail(self, k):
        self.calls += 1
        if k > 2:
            raise ValueError(f"k too large: {k}")
        return self.w * k
"""


def test_eager_runtime_error_shows_the_users_line():
    m = load_module(BOOM)
    obj = m.Model(3)
    with pytest.raises(ValueError, match="k too large: 5") as info:
        obj.fail(5)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert (frames[-1].filename, frames[-1].lineno) == (m.__file__, line_of(m, "raise ValueError"))
    assert frames[-1].name == "fail"
    assert frames[-1].line == 'raise ValueError(f"k too large: {k}")'
    assert int(obj.calls) == 1  # as Python's object: the change made before the exception stays


def test_traced_error_shows_the_users_lines():
    m = load_module(BOOM)
    with pytest.raises(TypeError) as info:  # shapes (4,) @ (3,) do not match
        jax.jit(m.Model.forward)(m.Model.init(3), jnp.ones(4))
    frames = [(f.filename, f.lineno, f.line) for f in traceback.extract_tb(info.value.__traceback__)]
    assert (m.__file__, line_of(m, "return x @ self.w"), "return x @ self.w") in frames
    assert (m.__file__, line_of(m, "y = self.helper(x)"), "y = self.helper(x)") in frames
    # and no generated code: every frame in the user's module file shows a line of that file
    for filename, lineno, line in frames:
        if filename == m.__file__:
            assert linecache.getline(filename, lineno).strip() == line


# -- no source ---------------------------------------------------------------------------

REPL_CLASS = """
@purify.stateful
class Typed:
    def __init__(self):
        self.n = 0

    def count(self):
        self.n += 1
        return self.n
"""


@pytest.mark.parametrize("filename", ["<stdin>", "<string>"])
def test_class_without_source_gets_a_clear_error(filename):
    ns = {"purify": purify, "__name__": "__repl__"}
    linecache.cache.pop(filename, None)
    with pytest.raises(purify.PurifyError) as info:
        exec(compile(REPL_CLASS, filename, "exec"), ns)  # noqa: S102
    e = info.value
    assert f"cannot find the source of class 'Typed' (defined in {filename})" in str(e)
    assert "define the class in a .py file or a notebook cell" in e.hint
    # Located where the class was decorated: the first line with source, here the exec call.
    assert e.filename == __file__
    assert linecache.getline(__file__, e.lineno).strip().startswith("exec(compile(REPL_CLASS")
    assert str(e).startswith(f"{__file__}:{e.lineno}:9: ")
    assert "Typed" not in ns  # nothing bound, nothing half registered


def test_exec_of_a_string_without_linecache_is_refused():
    ns = {"purify": purify, "__name__": "__repl__"}
    with pytest.raises(purify.PurifyError, match="cannot find the source"):
        exec(REPL_CLASS, ns)  # noqa: S102


def test_builtin_and_type_built_classes_are_refused():
    with pytest.raises(purify.PurifyError, match="cannot find the source of class 'int'") as info:
        purify.stateful(int)
    assert "no source" in info.value.hint
    assert "__purify__" not in vars(int)
    built = type("Built", (), {"__init__": lambda self: None})
    with pytest.raises(purify.PurifyError, match="cannot find class 'Built'") as info:
        purify.stateful(built)
    assert "type()" in info.value.hint
    assert (info.value.filename, linecache.getline(__file__, info.value.lineno).strip()) == (
        __file__, "purify.stateful(built)")
    assert "__purify__" not in vars(built) and not hasattr(built, "State")


def test_a_namespace_missing_from_sys_modules_still_resolves_names():
    # exec into a fresh namespace (as some notebook kernels and runners do): the module name is
    # not in sys.modules, so names resolve in the namespace the methods carry.
    ns = {"__name__": "not_in_sys_modules"}
    _run_cell(CELL_1 + "\n\n    def step(self):\n        self.n = self.n + STEP\n        return jnp.sin(self.n)\n",
              "<ipython-input-9-fresh>", ns)
    Counter = ns["Counter"]
    out, s = jax.jit(Counter.step)(Counter.init())
    assert int(s.n) == 1 and float(out) == pytest.approx(np.sin(1.0))


def test_same_named_classes_in_one_file_pick_the_right_source():
    m = load_module("""
        @purify.stateful
        class Twin:
            def __init__(self):
                self.n = 1

            def get(self):
                return self.n

        First = Twin

        @purify.stateful
        class Twin:
            def __init__(self):
                self.n = 2

            def get(self):
                self.n += 10
                return self.n
        """)
    assert m.First.get(m.First.init())[0] == 1
    assert m.Twin.get(m.Twin.init())[0] == 12


DOC_AT_COLUMN_ZERO = '''
class Holder:
    @purify.stateful
    class Doc:
        """A docstring
with lines at column zero, which breaks dedent-based tools."""

        def __init__(self):
            self.text = """
x"""
            self.n = 0

        def step(self):
            self.n += 1
            return self.n / 0
'''


def test_source_with_multiline_strings_at_column_zero():
    m = load_module(DOC_AT_COLUMN_ZERO)
    assert m.Holder.Doc.init().text == "\nx"
    with pytest.raises(ZeroDivisionError) as info:
        m.Holder.Doc.step(m.Holder.Doc.init())
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.lineno, last.line) == (line_of(m, "return self.n / 0"), "return self.n / 0")
    if sys.version_info >= (3, 11):  # 3.10 tracebacks carry no columns
        assert last.colno == len("            return ") and last.end_colno == len("            return self.n / 0")
