"""Children read from an instance are objects, as in Python (issue 12, kind 7):

* `p.child is p.child`: one view object per place, kept by the parent;
* a child returned by a method is that live object, not a snapshot of its State;
* an old child object does not follow a replacement (`p.child = Child()`, or a method that
  assigns `self.child = ...`): it keeps the state it had and lives on by itself;
* a list of children reads back as a list whose items can be assigned (`p.layers[0] = Dense(3)`).
"""

from __future__ import annotations

import ast
from typing import Any

from ..errors import PurifyError
from .state import is_state

_VIEWS = "_purify_views"  # a parent's {(field, index or None): view}, and {(field, "list"): the list}
STRUCTURE_MSG = "{cls}.{attr} holds a list of children: the state's structure is fixed after __init__"
STRUCTURE_HINT = "assign an item instead ({cls_lower}.{attr}[i] = ...), or build the list in __init__"

DICT_STRUCTURE_MSG = "{cls}.{attr} holds a dict of children: its keys are fixed after __init__"
DICT_STRUCTURE_HINT = "assign an existing key instead ({cls_lower}.{attr}[key] = ...), or add the key in __init__"


def cached(parent: Any, key: tuple[str, Any], make: Any) -> Any:
    views = parent.__dict__.setdefault(_VIEWS, {})
    view = views.get(key)
    if view is None:
        view = views[key] = make()
    return view


def remember(parent: Any, field: str, index: int | None, view: Any) -> None:
    """`view` is the object at (field, index) from now on (after `p.child = obj`)."""
    parent.__dict__.setdefault(_VIEWS, {})[(field, index)] = view


def detach(parent: Any, field: str, load: Any, state_key: str, parent_key: str) -> None:
    """The views of `field` leave `parent` with the state they have now (their place was given a
    new object); the list of them is dropped too."""
    views = parent.__dict__.get(_VIEWS)
    if not views:
        return
    for key in [k for k in views if k[0] == field]:
        view = views.pop(key)
        if key[1] == "list":
            continue
        d = view.__dict__
        if parent_key in d:
            state = load(view)
            del d[parent_key]
            d[state_key] = state


def detach_one(parent: Any, key: tuple[str, Any], load: Any, state_key: str, parent_key: str) -> None:
    views = parent.__dict__.get(_VIEWS)
    view = views.pop(key, None) if views else None
    if view is not None and parent_key in view.__dict__:
        state = load(view)
        del view.__dict__[parent_key]
        view.__dict__[state_key] = state


class ChildList(list):  # type: ignore[type-arg]
    """`p.layers` for a field that __init__ fills with a list of children."""

    def __init__(self, parent: Any, field: str, attr: str, items: list[Any]) -> None:
        super().__init__(items)
        self._parent, self._field, self._attr = parent, field, attr

    def __setitem__(self, index: Any, value: Any) -> None:
        from . import instances

        if not isinstance(index, int):
            raise self._fixed()
        instances.set_child_item(self._parent, self._field, self._attr, index, value)
        list.__setitem__(self, index, value)

    def _fixed(self) -> PurifyError:
        cls = type(self._parent).__name__
        return PurifyError(STRUCTURE_MSG.format(cls=cls, attr=self._attr),
                           hint=STRUCTURE_HINT.format(cls_lower=cls.lower(), attr=self._attr))

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise self._fixed()

    append = extend = insert = pop = remove = clear = sort = reverse = __delitem__ = __iadd__ = __imul__ = _refuse


class ChildDict(dict):  # type: ignore[type-arg]
    """`p.heads` for a field that __init__ fills with a dict of children (its keys are fixed)."""

    def __init__(self, parent: Any, field: str, attr: str, items: dict[Any, Any]) -> None:
        super().__init__(items)
        self._parent, self._field, self._attr = parent, field, attr

    def __setitem__(self, key: Any, value: Any) -> None:
        from . import instances

        if key not in self:
            raise self._fixed()
        instances.set_child_item(self._parent, self._field, self._attr, key, value)
        dict.__setitem__(self, key, value)

    def _fixed(self) -> PurifyError:
        cls = type(self._parent).__name__
        return PurifyError(DICT_STRUCTURE_MSG.format(cls=cls, attr=self._attr),
                           hint=DICT_STRUCTURE_HINT.format(cls_lower=cls.lower(), attr=self._attr))

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise self._fixed()

    pop = popitem = clear = update = setdefault = __delitem__ = __ior__ = _refuse


def holds_list(model: Any, attr: str) -> bool:
    """Does __init__ store a list (not a tuple) of children in `attr`? Read from its assignment."""
    f = model.fields.get(attr)
    node = getattr(f, "node", None)
    value = getattr(node, "value", None)
    as_tuple = isinstance(value, ast.Call) and getattr(value.func, "id", "") == "tuple"
    return not (isinstance(value, ast.Tuple) or as_tuple)


def rebound_fields(model: Any) -> dict[str, frozenset[str]]:
    """For each method (by attribute name), the fields holding children that it (or an own method
    it calls) assigns a new object to: `self.child = ...`, `self.children[i] = ...`."""
    kept = model.__dict__.get("_purify_rebound")
    if kept is not None:
        return kept
    direct: dict[str, set[str]] = {}
    for name, m in model.methods.items():
        out = direct.setdefault(name, set())
        self_name = (m.node.args.posonlyargs or m.node.args.args or [None])[0]
        if self_name is None:
            continue
        for n in ast.walk(m.node):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
            for t in targets:
                base = t.value if isinstance(t, ast.Subscript) else t
                if (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                        and base.value.id == self_name.arg and base.attr in model.fields):
                    f = model.fields[base.attr]
                    if f.child is not None or f.children:
                        out.add(f.name)
    result: dict[str, frozenset[str]] = {}
    for name, m in model.methods.items():
        seen, todo, fields = {name}, [name], set()
        while todo:
            current = model.methods.get(todo.pop())
            if current is None:
                continue
            fields |= direct.get(current.name, set())
            for callee in current.callees.values():
                if callee.kind.name in ("OWN", "SUPER"):
                    for _, target in callee.targets:
                        if target.name not in seen:
                            seen.add(target.name)
                            todo.append(target.name)
        result[m.attr(model.name)] = frozenset(fields)
    model.__dict__["_purify_rebound"] = result
    return result


def live_output(obj: Any, out: Any, new: Any, get_view: Any, standalone: Any) -> Any:
    """A method's output with each child State it returns as the object: the child in its place
    (`return self.child`), or an object of its own when the method replaced it. A method that
    returns its own new State (`return self`, engine/passes/fluent.py) returns the object."""
    if out is new:
        return obj
    if is_state(out):
        for field, value in zip(new._fields, new):
            if value is out:
                return get_view(obj, field, None, value)
            if isinstance(value, tuple) and not is_state(value):
                for i, item in enumerate(value):
                    if item is out:
                        return get_view(obj, field, i, item)
        return standalone(out)
    if type(out) is tuple and any(is_state(x) for x in out):
        return tuple(live_output(obj, x, new, get_view, standalone) for x in out)
    return out
