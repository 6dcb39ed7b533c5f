"""Property setters (`@k.setter def k(self, value)`): in Python `self.k = v` (and `obj.k = v`)
runs the setter. The pure API names the setter after its decorator, `Cls.k_setter(state, value)
-> (None, state)` (not `set_k`: classes such as simple-pid's PID already have a `set_auto_mode`
beside their `auto_mode` setter), a method like any other. So before anything else is analysed
every `self.k = v` of the class becomes the call `self.k_setter(v)` (`self.k += d` becomes
`self.k_setter(self.k + d)`): from then on the call resolver, the effect summaries and the
passes thread it as an own method call."""

from __future__ import annotations

import ast

from ..syntax import arg_names, dotted, walk_own

SETTER_SUFFIX = "_setter"
CLASH_MSG = "the pure setter of property {prop} is {cls}.{name}, but {cls} already defines {name}"
CLASH_HINT = "rename the method {name} (e.g. {name}_), or the property"
TUPLE_MSG = "self.{prop} is assigned in a tuple target, but {prop} is a property with a setter"
TUPLE_HINT = "assign it on its own line: self.{prop} = value (Python then runs the setter)"


def setter_name(prop: str) -> str:
    """The pure API's name of the setter of property `prop`."""
    return prop + SETTER_SUFFIX


def property_of_setter(fn: ast.FunctionDef) -> str | None:
    """`k` for a function decorated `@k.setter` (and named `k`, as Python requires for one
    property), else None."""
    for dec in fn.decorator_list:
        name = dotted(dec) or ""
        if name == f"{fn.name}.setter":
            return fn.name
    return None


def setters_in(node: ast.ClassDef) -> dict[str, str]:
    """{property: its setter's pure name} for the setters the class body defines."""
    out = {}
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef):
            prop = property_of_setter(stmt)
            if prop is not None:
                out[prop] = setter_name(prop)
    return out


def desugar(node: ast.ClassDef, setters: dict[str, str]) -> list[tuple[ast.AST, str, str]]:
    """Rewrite, in the methods of `node` (in place), `self.k = v` into `self.k_setter(v)` for each
    property `k` in `setters`. Returns the (node, message, hint) of the forms it cannot rewrite."""
    refused: list[tuple[ast.AST, str, str]] = []
    if not setters:
        return refused
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and (arg_names(stmt) or [None])[0] is not None:
            refused += _desugar_method(stmt, arg_names(stmt)[0], setters)
    return refused


def _desugar_method(fn: ast.FunctionDef, self_name: str, setters: dict[str, str]) -> list[tuple[ast.AST, str, str]]:
    refused = []
    blocks = [fn.body, *(getattr(n, f) for n in walk_own(fn) for f in ("body", "orelse", "finalbody")
                         if isinstance(getattr(n, f, None), list) and getattr(n, f) and isinstance(n, ast.stmt)),
              *(h.body for n in walk_own(fn) for h in [*getattr(n, "handlers", []), *getattr(n, "cases", [])])]
    for block in blocks:
        for i, s in enumerate(block):
            call = _setter_call(s, self_name, setters)
            if call is not None:
                block[i] = ast.copy_location(ast.Expr(call), s)
            elif isinstance(s, ast.Assign):
                for t in s.targets:
                    for e in t.elts if isinstance(t, (ast.Tuple, ast.List)) else []:
                        if _is_prop(e, self_name, setters):
                            refused.append((e, TUPLE_MSG.format(prop=e.attr), TUPLE_HINT.format(prop=e.attr)))
    return refused


def _is_prop(t: ast.AST, self_name: str, setters: dict[str, str]) -> bool:
    return (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == self_name
            and t.attr in setters)


def _setter_call(s: ast.stmt, self_name: str, setters: dict[str, str]) -> ast.Call | None:
    """`self.k_setter(value)` for `self.k = value` / `self.k: T = value` / `self.k op= value`."""
    if isinstance(s, ast.Assign) and len(s.targets) == 1 and _is_prop(s.targets[0], self_name, setters):
        target, value = s.targets[0], s.value
    elif isinstance(s, ast.AnnAssign) and s.value is not None and _is_prop(s.target, self_name, setters):
        target, value = s.target, s.value
    elif isinstance(s, ast.AugAssign) and _is_prop(s.target, self_name, setters):
        target = s.target
        read = ast.copy_location(ast.Attribute(ast.Name(self_name, ast.Load()), target.attr, ast.Load()), target)
        ast.copy_location(read.value, target)
        value = ast.copy_location(ast.BinOp(read, s.op, s.value), s)
    else:
        return None
    assert isinstance(target, ast.Attribute)
    func = ast.copy_location(ast.Attribute(ast.copy_location(ast.Name(self_name, ast.Load()), target),
                                           setters[target.attr], ast.Load()), target)
    return ast.copy_location(ast.Call(func, [value], []), s)
