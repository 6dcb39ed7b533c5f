"""Each refused construct (DESIGN §1) raises a PurifyError at decoration time that names the
user's file, line and column, shows the source line with a caret under the construct, and
says what to write instead. Nothing about a refused class is left half registered."""

from __future__ import annotations

import linecache
import textwrap
import traceback

import purify
import pytest

from tests.conftest import HEADER, load_module

# (id, source, message fragment, line fragment, text under the caret, hint fragment);
# the caret text may be (text, n): its n-th occurrence on the line.
REFUSED = [
    ("self_passed_to_function", """
        def helper(obj):
            return obj

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                return helper(self)

            @property  # (a plain method's self.f() would run f on the instance)
            def g(self):
                return self.f()
        """, "`self` is passed to a function", "return helper(self)", "self", "pass the attributes"),

    ("self_stored_in_a_container", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                box = [self]
                return box

            @property  # (a plain method's self.f() would run f on the instance)
            def g(self):
                return self.f()
        """, "`self` is used as a value", "box = [self]", "self", "read attributes"),

    ("self_stored_in_an_attribute", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0
                self.me = self
        """, "`self` is used as a value", "self.me = self", ("self", 1), "read attributes"),

    ("self_returned", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            @property
            def me(self):
                return self
        """, "`self` is returned", "return self", "self", "purify.state_of"),

    ("self_returned_from_a_nested_function", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                def me():
                    return self
                return me
        """, "`self` is returned", "return self", "self", "purify.state_of"),

    ("fluent_result_kept", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def bump(self):
                self.n += 1
                return self

            def f(self):
                me = self.bump()
                self.n += 1
                return me.n
        """, "self.bump() returns the object itself", "me = self.bump()", "self.bump()", "call it as a statement"),

    ("self_reassigned", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, other):
                self = other
        """, "`self` is reassigned", "self = other", "self", "new local name"),

    ("attribute_container_append", """
        @purify.stateful
        class C:
            def __init__(self):
                self.items = []

            def add(self, x):
                self.items.append(x)
        """, "self.items.append(...) mutates an attribute in place", "self.items.append(x)",
     "self.items.append(x)", "self.items = self.items + [x]"),

    ("attribute_dict_update", """
        @purify.stateful
        class C:
            def __init__(self):
                self.table = {"a": 1}

            def add(self, extra):
                self.table.update(extra)
        """, "self.table.update(...) mutates an attribute in place", "self.table.update(extra)",
     "self.table.update(extra)", "{**self.table, **extra}"),

    ("del_attribute", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                del self.n
        """, "`del` on an attribute of self", "del self.n", "self.n", "assign a neutral value"),

    ("computed_getattr", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, name):
                return getattr(self, name)
        """, "getattr(self, ...) with a computed attribute name", "return getattr(self, name)",
     "getattr(self, name)", "self.table[name]"),

    ("computed_setattr", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, name, v):
                setattr(self, name, v)
        """, "setattr(self, ...) with a computed attribute name", "setattr(self, name, v)",
     "setattr(self, name, v)", "write the attribute out"),

    ("global_statement", """
        TOTAL = 0

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                global TOTAL
                TOTAL += 1
        """, "`global` in a method makes it impure", "global TOTAL", "global TOTAL", "attribute of self"),

    ("nonlocal_statement", """
        def make():
            k = 0

            @purify.stateful
            class C:
                def __init__(self):
                    self.n = 0

                def f(self):
                    nonlocal k
                    k += 1
            return C

        make()
        """, "`nonlocal` in a method makes it impure", "nonlocal k", "nonlocal k", "attribute of self"),

    ("state_written_in_nested_function", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                def g():
                    self.n = 1
                g()
        """, "state is written inside a nested function", "self.n = 1", "self.n", "return the new value"),

    ("state_changing_call_in_lambda", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def f(self):
                g = lambda: self.inc()
                return g()
        """, "this call changes the state inside a nested function", "g = lambda: self.inc()", "self.inc()",
     "statement of its own"),

    ("state_changing_call_in_comprehension", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def f(self):
                return [self.inc() for _ in range(3)]
        """, "this call changes the state", "return [self.inc() for _ in range(3)]", "self.inc()",
     "statement of its own"),

    ("state_changing_call_after_and", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def f(self, flag):
                return flag and self.inc()
        """, "where Python may not evaluate it", "return flag and self.inc()", "self.inc()", "statement of its own"),

    ("state_changing_call_in_while_condition", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

            def f(self):
                while self.inc() < 3:
                    pass
        """, "where Python may not evaluate it", "while self.inc() < 3:", "self.inc()", "statement of its own"),

    ("generator_method", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                yield self.n
        """, "generator method f cannot be made pure", "yield self.n", "yield self.n", "return a list"),

    ("async_method", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            async def f(self):
                return self.n
        """, "async method f cannot be made pure", "async def f(self):", "async def f(self):", "plain def"),

    ("argument_mutated_by_method_call", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, xs):
                xs.append(self.n)
        """, "argument `xs` is mutated in place", "xs.append(self.n)", "xs.append(self.n)", "xs = list(xs)"),

    ("argument_mutated_by_item_assignment", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self, d):
                d["k"] = self.n
        """, "argument `d` is mutated in place", 'd["k"] = self.n', 'd["k"]', "d.copy()"),

    ("attribute_never_created_in_init", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                self.m = 1
        """, "self.m is assigned in f but __init__ never creates it", "self.m = 1", "self.m",
     "add `self.m = <initial value>` to __init__"),

    ("attribute_never_created_augmented", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                self.total += self.n
        """, "self.total is assigned in f but __init__ never creates it", "self.total += self.n", "self.total",
     "to __init__"),

    ("unknown_attribute_read", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                return self.count
        """, "self.count is neither an attribute set in __init__ nor a method", "return self.count", "self.count",
     "set self.count in __init__"),

    ("state_changing_method_used_as_a_value", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1

            def f(self):
                g = self.inc
                return g
        """, "self.inc is used as a value, but inc changes the state", "g = self.inc", "self.inc", "call it directly"),

    ("property_that_writes_state", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            @property
            def v(self):
                self.n += 1
                return self.n

            def twice(self):
                return [self.v for _ in range(2)]
        """, "this read of self.v, a property that caches into the state, changes the state inside a nested function",
     "return [self.v for _ in range(2)]", "self.v", "v = self.prop"),

    ("caching_property_of_a_child_read", """
        @purify.stateful
        class Child:
            def __init__(self):
                self.n = 0

            @property
            def v(self):
                self.n += 1
                return self.n

        @purify.stateful
        class C:
            def __init__(self):
                self.child = Child()

            def f(self):
                return sum(self.child.v for _ in range(2))
        """, "this read of self.child.v, a property that caches into the state, changes the state inside a nested",
     "return sum(self.child.v for _ in range(2))", "self.child.v", "v = self.prop"),

    ("property_setter_name_taken", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            @property
            def v(self):
                return self.n

            @v.setter
            def v(self, x):
                self.n = x

            def v_setter(self, x):
                self.n = -x
        """, "the pure setter of property v is C.v_setter, but C already defines v_setter", "def v(self, x):",
     "def v(self, x):", "rename the method v_setter"),

    ("property_setter_in_a_tuple_target", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0
                self.m = 0

            @property
            def v(self):
                return self.n

            @v.setter
            def v(self, x):
                self.n = x

            def f(self):
                self.v, self.m = 1, 2
        """, "self.v is assigned in a tuple target, but v is a property with a setter", "self.v, self.m = 1, 2",
     "self.v", "assign it on its own line"),

    ("property_deleter", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            @property
            def v(self):
                return self.n

            @v.deleter
            def v(self):
                pass
        """, "property v has a deleter", "@v.deleter", "v.deleter", "drop the deleter"),

    ("opaque_method_decorator", """
        import functools

        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            @functools.lru_cache
            def v(self):
                return self.n
        """, "method v has a decorator purify cannot see through", "@functools.lru_cache",
     "functools.lru_cache", "pure function Cls.method"),

    ("metaclass", """
        import abc

        @purify.stateful
        class C(metaclass=abc.ABCMeta):
            def __init__(self):
                self.n = 0
        """, "cannot have a metaclass", "class C(metaclass=abc.ABCMeta):", "metaclass=abc.ABCMeta", "drop the metaclass"),

    ("slots", """
        @purify.stateful
        class C:
            __slots__ = ("n",)

            def __init__(self):
                self.n = 0
        """, "cannot define __slots__", '__slots__ = ("n",)', '__slots__ = ("n",)', "remove __slots__"),

    ("custom_getattr", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def __getattr__(self, name):
                return 0
        """, "cannot define __getattr__", "def __getattr__(self, name):", "def __getattr__(self, name):",
     "purify reads attributes"),

    ("other_class_decorator", """
        import dataclasses

        @purify.stateful
        @dataclasses.dataclass
        class C:
            n: int = 0
        """, "cannot take other class decorators", "@dataclasses.dataclass", "dataclasses.dataclass",
     "apply @purify.stateful alone"),

    ("reserved_method_name", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def init(self):
                self.n = 0
        """, "cannot define `init`", "def init(self):", "def init(self):", "rename the method"),

    ("base_class_not_stateful", """
        import collections

        @purify.stateful
        class C(collections.OrderedDict):
            def __init__(self):
                self.n = 0
        """, "base class collections.OrderedDict is not @stateful, and purify cannot read its source",
     "class C(collections.OrderedDict):", "collections.OrderedDict", "decorate the base class"),

    ("two_stateful_bases", """
        @purify.stateful
        class A:
            def __init__(self):
                self.n = 0

        @purify.stateful
        class B:
            def __init__(self):
                self.m = 0

        @purify.stateful
        class C(A, B):
            pass
        """, "at most one @stateful base", "class C(A, B):", "class C(A, B):", "composition"),

    ("attribute_named_like_a_method", """
        @purify.stateful
        class C:
            def __init__(self):
                self.f = 0

            def f(self):
                return 1
        """, "attribute self.f has the name of a method", "self.f = 0", "self.f = 0", "rename"),

    ("method_without_self", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f():
                return 1
        """, "method f takes no self argument", "def f():", "def f():", "@staticmethod"),

    ("loop_over_a_copy_of_children", """
        @purify.stateful
        class Lin:
            def __init__(self):
                self.w = jnp.ones(())

            def __call__(self, x):
                return x * self.w

        @purify.stateful
        class Net:
            def __init__(self):
                self.layers = [Lin(), Lin()]

            def __call__(self, x):
                for layer in list(self.layers):
                    x = layer(x)
                return x
        """, "only through a loop over the field itself: `for x in self.layers:`", "for layer in list(self.layers):",
     "list(self.layers)", "loop over self.layers itself"),

    ("return_before_a_finally_that_writes_state", """
        @purify.stateful
        class C:
            def __init__(self):
                self.n = 0

            def f(self):
                try:
                    self.n += 1
                    return self.n
                finally:
                    self.n += 10
        """, "this return leaves a `try` whose `finally` changes the state", "return self.n", "return self.n",
     "return it after the try statement"),

    ("write_to_a_static_field_of_a_child", """
        @purify.stateful
        class Leaf:
            def __init__(self):
                self.scale = 1.0

        @purify.stateful
        class C:
            def __init__(self):
                self.leaf = Leaf()

            def f(self, x):
                self.leaf.scale = x
        """, "Leaf keeps self.scale as static configuration", "self.leaf.scale = x", "self.leaf.scale",
     "make it state in Leaf"),

    ("write_to_a_missing_field_of_a_child", """
        @purify.stateful
        class Leaf:
            def __init__(self):
                self.scale = jnp.ones(())

        @purify.stateful
        class C:
            def __init__(self):
                self.leaf = Leaf()

            def f(self, x):
                self.leaf.bias = x
        """, "Leaf.__init__ never creates self.bias", "self.leaf.bias = x", "self.leaf.bias",
     "add `self.bias = <initial value>` to Leaf.__init__"),

    ("array_in_a_static_field", """
        @purify.stateful
        class C:
            def __init__(self, x):
                self.x = x

        C(jnp.ones(3))
        """, "self.x is set only in __init__ from plain configuration", "self.x = x", "self.x = x", "jnp.asarray"),

    # -- a second name for a part of the state that changes in place (aliasing) --
    ("alias_item_written", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": 0.0}

            def f(self):
                d = self.d
                d["k"] = 1.0
        """, "`d` is self.d: this changes self.d in place", 'd["k"] = 1.0', 'd["k"]',
     "write through self (self.d['k'] = ...), or change a copy: d = self.d.copy()"),

    ("alias_mutator_call", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": 0.0}

            def f(self, extra):
                d = self.d
                d.update(extra)
        """, "`d` is self.d: d.update(...) changes self.d in place", "d.update(extra)", "d.update(extra)",
     "build a new value and assign it to self.d"),

    ("alias_read_after_item_write", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": 0.0}

            def f(self):
                d = self.d
                self.d["k"] = 1.0
                return d["k"]
        """, "`d` is self.d, which line 13 changes in place", 'return d["k"]', "d",
     "read self.d again after the change, or bind a copy: d = self.d.copy()"),

    ("alias_read_in_a_loop_after_item_write", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": 0.0}

            def f(self):
                d = self.d
                for _ in range(3):
                    v = d["k"]
                    self.d["k"] = v + 1.0
        """, "`d` is self.d, which line 15 changes in place", 'v = d["k"]', "d", "read self.d again"),

    ("alias_read_after_a_method_changes_it", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)

            def bump(self):
                self.a[0] += 1.0

            def f(self):
                old = self.a
                self.bump()
                return old[0]
        """, "`old` is self.a, which line 16 changes in place", "return old[0]", "old",
     "bind a copy: old = self.a.copy()"),

    ("child_given_a_second_name", """
        @purify.stateful
        class Child:
            def __init__(self):
                self.n = 0

            def __call__(self):
                self.n += 1
                return self.n

        @purify.stateful
        class C:
            def __init__(self):
                self.c = Child()

            def f(self):
                c = self.c
                self.c()
                return c.n
        """, "`c = self.c` gives @stateful objects a second name: purify threads their state through self.c",
     "c = self.c", "c = self.c", "use self.c directly"),

    ("children_given_a_second_name", """
        @purify.stateful
        class Child:
            def __init__(self):
                self.n = 0

            def __call__(self):
                self.n += 1
                return self.n

        @purify.stateful
        class C:
            def __init__(self):
                self.kids = [Child(), Child()]

            def f(self):
                kids, first = self.kids, self.kids[0]
                return first.n + len(kids)
        """, "`kids = self.kids` gives @stateful objects a second name", "kids, first = self.kids",
     "kids, first = self.kids, self.kids[0]", "use self.kids directly"),

    ("two_fields_one_object", """
        @purify.stateful
        class C:
            def __init__(self):
                self.d = {"k": 0.0}
                self.backup = {"k": 0.0}

            def save(self):
                self.backup = self.d

            def set(self, v):
                self.d["k"] = v
        """, "self.backup = self.d makes two attributes one object", "self.backup = self.d", "self.backup = self.d",
     "store a copy (self.backup = self.d.copy())"),

    ("one_array_in_two_fields", """
        @purify.stateful
        class C:
            def __init__(self):
                buf = np.zeros(3)
                self.a = buf
                self.b = buf

            def f(self):
                self.a[0] = 1.0
        """, "self.b = buf makes two attributes one object", "self.b = buf", "self.b = buf",
     "store a copy (self.b = buf.copy()), or give each attribute its own object"),

    ("augmented_field_changed_by_the_call", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)

            def f(self):
                self.a[0] = 5.0
                return 1.0

            def g(self):
                self.a += self.f()
        """, "this call changes self.a in place while `self.a += ...` updates it", "self.a += self.f()", "self.f()",
     "call it in a statement of its own first (r = self.f()), then update self.a with r"),

    ("class_attribute_written_through_dunder", """
        @purify.stateful
        class C:
            total = 0

            def __init__(self):
                self.n = 0

            def f(self):
                self.__class__.total = self.n
        """, "self.__class__ is Python's own attribute", "self.__class__.total = self.n", "self.__class__.total",
     "keep the value in an attribute of self created in __init__"),

    ("class_attribute_through_type_of_self", """
        @purify.stateful
        class C:
            total = 0

            def __init__(self):
                self.n = 0

            def f(self):
                type(self).total += 1
        """, "type(self) reaches the class's attributes, which every instance shares", "type(self).total += 1",
     "type(self)", "read class constants as self.NAME"),

    # An exception caught after the callee changed the state: Python keeps those changes.
    ("caught_exception_after_a_change", """
        @purify.stateful
        class C:
            def __init__(self):
                self.seen = 0

            def check(self, x):
                self.seen += 1
                if x < 0:
                    raise ValueError("negative")
                return x

            def safe(self, x):
                try:
                    return self.check(x)
                except ValueError:
                    return 0
        """, ("this call may raise after changing the state (C.check can reach the `raise` at line 14 after a "
        "change), and the handler here would catch it"), "return self.check(x)", "self.check(x)",
     "in C.check, check and raise before changing any attribute, or make this call outside the try"),

    ("suppressed_assert_in_a_child_after_a_change", """
        import contextlib

        @purify.stateful
        class Child:
            def __init__(self):
                self.n = 0

            def step(self, x):
                self.n += 1
                assert x > 0

        @purify.stateful
        class C:
            def __init__(self):
                self.child = Child()

            def run(self, x):
                with contextlib.suppress(AssertionError):
                    self.child.step(x)
        """, "this call may raise after changing the state (Child.step can reach the `assert` at line 15",
     "self.child.step(x)", "self.child.step(x)", "in Child.step, check and raise before changing any attribute"),

    # An `if` on a value that may be traced runs its branches as functions: a raise in one after a
    # change, caught around the `if`, would leave the handler the values from before it.
    ("caught_raise_after_a_change_in_a_branch", """
        @purify.stateful
        class G:
            def __init__(self):
                self.x = 1.0
                self.n = 0.0

            def check(self, dt):
                if dt < 0:
                    raise ValueError("neg")

            def f(self, dt):
                try:
                    if self.n >= 0:
                        self.n = self.n + 1.0
                        self.check(dt)
                except ValueError:
                    pass
                return self.n
        """, ("this `if` is on a value that may be traced, so its code runs as a function (for jax.lax), which hands "
              "back its changes only when it returns; it may raise (the `raise` at line 14) after the change at line "
              "19, and the try around it would see the values from before the `if`"), "if self.n >= 0:",
     "if self.n >= 0:",
     "check and raise before changing anything in the `if`"),

    ("finally_after_a_raise_in_a_loop_body_after_a_change", """
        @purify.stateful
        class G:
            def __init__(self):
                self.total = 0
                self.table = {}

            def f(self, n, k):
                last = 0
                try:
                    for i in range(n):
                        last = i
                        self.total += self.table[k]
                finally:
                    self.total += last
                return self.total
        """, ("this `for` loop is on a value that may be traced, so its code runs as a function (for jax.lax), which "
              "hands back its changes only when it returns; it may raise (`self.table[k]` (KeyError or IndexError) "
              "at line 17) after the change at line 16"), "for i in range(n):", "for i in range(n):",
     "put the try inside the `for` loop"),

    # Augmented assignment is in place only on NumPy arrays and lists: checked at init.
    ("augmented_numpy_field_changed_by_augmented_call", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)

            def f(self):
                self.a += 1.0
                return 1.0

            def g(self):
                self.a -= self.f()

        C()
        """, "this call changes (if it holds a NumPy array or a list) self.a in place while `self.a -= ...`",
     "self.a -= self.f()", "self.f()", "call it in a statement of its own first"),

    ("alias_augmented_numpy", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)

            def f(self, v):
                a = self.a
                a += v

        C()
        """, ("`a` is self.a: `a += v` changes self.a in place when it holds a NumPy array or a list, which the "
        "pure method cannot follow; self.a holds a NumPy array"), "a += v", "a += v",
     "write a = a + ... (a new value), or update self.a directly"),

    ("alias_read_after_augmented_list", """
        @purify.stateful
        class C:
            def __init__(self):
                self.items = [1.0]

            def f(self, more):
                before = self.items
                self.items += more
                return len(before)

        C()
        """, "`before` is self.items, which line 13 changes in place when it holds a NumPy array or a list",
     "return len(before)", "before", "read self.items again after the change"),

    ("two_fields_augmented_numpy", """
        @purify.stateful
        class C:
            def __init__(self):
                self.a = np.zeros(3)
                self.b = self.a

            def f(self):
                self.a += 1.0

        C()
        """, ("self.b = self.a makes two attributes one object, which changes in place (if it holds a NumPy array "
        "or a list) elsewhere"), "self.b = self.a", "self.b = self.a", "store a copy (self.b = self.a.copy())"),
]


def _expected(source: str, line_fragment: str, caret: str | tuple[str, int]) -> tuple[int, int, int, str]:
    full = (HEADER + textwrap.dedent(source)).splitlines()
    hits = [i for i, line in enumerate(full) if line_fragment in line]
    assert hits, f"{line_fragment!r} not in the case's source"
    line = full[hits[0]]
    caret_text, nth = caret if isinstance(caret, tuple) else (caret, 0)
    col = -1
    for _ in range(nth + 1):
        col = line.index(caret_text, col + 1)
    return hits[0] + 1, col + 1, col + 1 + len(caret_text), line


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_construct_is_located(case):
    _, source, message, line_fragment, caret, hint = case
    caret_text = caret[0] if isinstance(caret, tuple) else caret
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    e = info.value
    lineno, offset, end_offset, line = _expected(source, line_fragment, caret)
    assert message in e.bare_msg
    assert hint in e.hint
    assert e.filename.endswith(".py") and linecache.getline(e.filename, lineno).rstrip("\n") == line  # the user's file
    assert (e.lineno, e.offset) == (lineno, offset), f"located at {e.lineno}:{e.offset}, not {lineno}:{offset}"
    assert e.end_offset == end_offset
    assert e.text.rstrip("\n") == line
    # str(): file:line:col, the source line, a caret line exactly under the construct, the hint
    text = str(e).splitlines()
    assert text[0] == f"{e.filename}:{lineno}:{offset}: {e.bare_msg.splitlines()[0]}"
    assert text[1].strip() == line.strip()
    caret = text[2]
    indent = len(line) - len(line.lstrip())
    assert caret.index("^") - 4 == offset - 1 - indent
    assert caret.strip() == "^" * len(caret_text)
    assert text[3] == f"  hint: {e.hint}"
    # Python's own traceback formatting shows the file, line and caret (SyntaxError subclass)
    formatted = "".join(traceback.format_exception_only(type(e), e))
    assert f'File "{e.filename}", line {lineno}' in formatted
    assert line.strip() in formatted and "^" in formatted


def test_refusal_leaves_the_class_untouched():
    m = load_module("""
        class Bad:
            def __init__(self):
                self.items = []

            def add(self, x):
                self.items.append(x)
                return len(self.items)
        """)
    before = dict(vars(m.Bad))
    with pytest.raises(purify.PurifyError, match="mutates an attribute in place"):
        purify.stateful(m.Bad)
    assert dict(vars(m.Bad)) == before
    for name in ("__purify__", "State", "init"):
        assert not hasattr(m.Bad, name)
    with pytest.raises(purify.PurifyError):
        purify.source(m.Bad)
    obj = m.Bad()  # still the plain class
    assert obj.add(1) == 1 and obj.items == [1]
    with pytest.raises(purify.PurifyError):  # refused again: nothing was cached as "done"
        purify.stateful(m.Bad)


def test_refused_subclass_leaves_base_and_module_untouched():
    m = load_module("""
        @purify.stateful
        class Base:
            def __init__(self):
                self.n = 0

            def inc(self):
                self.n += 1
                return self.n

        class Sub(Base):
            def f(self):
                return helper(self)

            @property  # (a plain method's self.f() would run f on the instance)
            def g(self):
                return self.f()
        """)
    base_dict = dict(vars(m.Base))
    sub_dict = dict(vars(m.Sub))
    with pytest.raises(purify.PurifyError, match="passed to a function"):
        purify.stateful(m.Sub)
    assert dict(vars(m.Base)) == base_dict and dict(vars(m.Sub)) == sub_dict
    assert "__purify__" not in vars(m.Sub)
    assert m.Base.inc(m.Base.init()) == (1, m.Base.State(n=1))


def test_decorating_something_else_than_a_class():
    with pytest.raises(purify.PurifyError, match="decorates classes") as info:
        purify.stateful(lambda x: x)
    assert "class" in info.value.hint


def test_state_of_and_source_on_wrong_objects():
    with pytest.raises(purify.PurifyError, match="not an instance of a @purify.stateful class"):
        purify.state_of(object())
    with pytest.raises(purify.PurifyError, match="not a @purify.stateful class"):
        purify.source(int)


def test_error_in_subclass_points_at_the_subclass_file():
    base = load_module("""
        @purify.stateful
        class Base:
            def __init__(self):
                self.n = 0

            def peek(self):
                return self.n
        """)
    sub = f"""
        from {base.__name__} import Base

        @purify.stateful
        class Sub(Base):
            def f(self):
                self.extra = 1
        """
    with pytest.raises(purify.PurifyError) as info:
        load_module(sub)
    e = info.value
    assert "self.extra is assigned in f but __init__ never creates it" in e.bare_msg
    assert e.filename != base.__file__ and e.text.strip() == "self.extra = 1"
    assert e.lineno == _expected(sub, "self.extra = 1", "self.extra")[0]
