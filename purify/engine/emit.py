"""The module-level code of a converted class, as AST: what `purify convert` writes
and `purify.source(Cls)` shows.

    class CounterState(NamedTuple):
        n: Any

    class Counter:
        State = CounterState
        @staticmethod
        def init(...) -> CounterState: ...
        def count(self: CounterState) -> tuple[int, CounterState]: ...

    CounterState._cls = Counter
"""

from __future__ import annotations

import ast
import copy

from . import templates
from .convert import Converted
from .syntax import targets_of


def class_statements(conv: Converted) -> list[ast.stmt]:
    model = conv.model
    state, name = model.state_name, model.name
    fields = [f"    {f.name}: Any" for f in model.fields.values()] or ["    pass"]
    doc = f'    """State of {name}."""'
    out: list[ast.stmt] = templates.stmts("\n".join([f"class {state}(NamedTuple):", doc, *fields]), model.node)
    static = [f.name for f in model.fields_of_kind("static")]
    if static:
        data = [f.name for f in model.fields.values() if f.kind != "static"]
        out += templates.stmts(
            f"jax.tree_util.register_dataclass({state}, data_fields={data!r}, meta_fields={static!r})", model.node)
    body: list[ast.stmt] = []
    if _docstring(model.node):
        body.append(copy.deepcopy(model.node.body[0]))
    body += templates.stmts(f"State = {state}", model.node)
    body += [copy.deepcopy(s) for s in model.node.body if _is_class_attr(s)]
    init = copy.deepcopy(conv.init)
    init.decorator_list = [ast.Name("staticmethod", ast.Load())]
    body.append(init)
    body += [copy.deepcopy(f) for f in conv.methods.values()]
    body += [copy.deepcopy(f) for f in conv.kept.values()]
    cls = ast.ClassDef(name=name, bases=[copy.deepcopy(b) for b in model.node.bases], keywords=[], body=body,
                       decorator_list=[], **({"type_params": []} if "type_params" in ast.ClassDef._fields else {}))
    out.append(ast.copy_location(cls, model.node))
    params = tuple(f.name for f in model.fields_of_kind("param"))
    out += templates.stmts(f"{state}._cls = {name}\n{state}._params = {params!r}", model.node)
    return out


def _docstring(node: ast.ClassDef) -> bool:
    first = node.body[0] if node.body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def _is_class_attr(s: ast.stmt) -> bool:
    return isinstance(s, (ast.Assign, ast.AnnAssign)) and bool(targets_of(s))


def unparse_class(conv: Converted) -> str:
    """Plain `ast.unparse` of the class's statements (the CLI adds comments and imports)."""
    module = ast.Module(body=class_statements(conv), type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module))
