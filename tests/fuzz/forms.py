"""Which of issue 11's risky forms a generated program holds (for `python -m tests.fuzz --target`).

* `item`: an item of a list of children called inside a try with handlers or contextlib.suppress
  (`self.cs[0](v, r=r)`, `self.cs[-1].m0(...)`);
* `loop`: a loop over a list of children around or inside such a try (`for kid in self.cs:`);
* `child`: a single child called inside one (`self.ch(...)`, `self.ch.m0(...)`);
* `own`: an own method called inside one (`self.m1(...)`, `self(...)`);
* `super`: a `super()` method called inside one;
* `alias_super`: a second name (`x = self.d`) held across a `super()` call;
* `return_finally`: a `return` inside a try whose finally calls a child (or loops over children).

Issue 13's exits (`--target` runs programs holding them):

* `return_loop`: a `return` inside a `while` or `for`;
* `break_range`: a `break` in a `for` over `range`;
* `loop_else`: a loop with an `else:`;
* `traced_raise`: a `raise` under an `if` on a traced value, caught or not;
* `bool_value`: `and`/`or` as a value (not the test of an `if` or `while`);
* `raise_after_exit`: a raise on the Python int `r` after an early `return` under an `if` on a
  traced value (the state, `v`), or in a branch of one, or in the body of a loop on one
  (simple-pid's `elif dt <= 0: raise`).
And issue 14's containers of children (`containers`, which ignores the other forms): a loop over a
slice, `reversed(...)`, `zip(...)` or `range(len(...))` of a list of children, or over a dict of
children (`.values()`, `.items()`, its keys), or a dict of children at all.

`--target FORM` counts a mismatch only in programs that hold FORM and none of the other
exception forms (so the shrunk program shows that form's bug), and skips the other programs.
"""

from __future__ import annotations

import ast

EXITS = ("return_loop", "break_range", "loop_else", "traced_raise", "bool_value", "raise_after_exit")
FORMS = ("item", "loop", "child", "own", "super", "alias_super", "return_finally", *EXITS, "containers")
_GUARDED = ("item", "loop", "child", "own", "super")


def _catching(node: ast.AST) -> bool:
    if isinstance(node, ast.Try):
        return bool(node.handlers)
    if isinstance(node, ast.With):
        return any("suppress" in ast.unparse(item.context_expr) for item in node.items)
    return False


def _call_form(call: ast.Call) -> str | None:
    func = call.func
    text = ast.unparse(func)
    if text.startswith("super()"):
        return "super"
    if text.startswith("kid"):
        return "loop"
    base = func.value if isinstance(func, ast.Attribute) else func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        return "own" if not text.startswith(("self.ch", "self._ch", "self.__ch", "self.bch", "self._bch",
                                             "self.gch", "self._gch")) else "child"
    if isinstance(func, ast.Name) and func.id == "self":
        return "own"
    if isinstance(base, ast.Subscript):
        return "item"
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id == "self":
        return "child"
    return None


def forms(source: str) -> set[str]:
    """The forms `source` (a generated module) holds."""
    out: set[str] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if _catching(node):
            for stmt in node.body:  # type: ignore[attr-defined]
                for n in ast.walk(stmt):
                    if isinstance(n, ast.Call):
                        form = _call_form(n)
                        if form is not None:
                            out.add(form)
        if (isinstance(node, ast.For) and ast.unparse(node.target).split(",")[-1].strip().startswith("kid")
                and any(_catching(n) for n in ast.walk(node))):
            out.add("loop")
        if isinstance(node, ast.Try) and node.finalbody:
            returns = any(isinstance(n, ast.Return) for s in [*node.body, *node.handlers] for n in ast.walk(s))
            final = ast.Module(body=node.finalbody, type_ignores=[])
            calls = {_call_form(n) for n in ast.walk(final) if isinstance(n, ast.Call)}
            if returns and calls & {"item", "loop", "child"}:
                out.add("return_finally")
    out |= _exits(tree)
    lines = source.splitlines()
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign) and isinstance(n.value, (ast.Attribute, ast.Subscript)) \
                and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and n.targets[0].id.startswith("x"):
            name = n.targets[0].id
            read = next((k for k in range(n.lineno, len(lines)) if f"({name}[" in lines[k]), None)
            if read is not None and any("super()." in line for line in lines[n.lineno:read]):
                out.add("alias_super")
    return out


def _exits(tree: ast.AST) -> set[str]:
    out: set[str] = set()
    tests = {id(n.test) for n in ast.walk(tree) if isinstance(n, (ast.If, ast.While))}
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While)):
            inner = [n for s in node.body for n in ast.walk(s)]
            if any(isinstance(n, ast.Return) for n in inner):
                out.add("return_loop")
            if isinstance(node, ast.For) and ast.unparse(node.iter).startswith("range(") \
                    and any(isinstance(n, ast.Break) for n in inner):
                out.add("break_range")
            if node.orelse:
                out.add("loop_else")
        if isinstance(node, ast.Raise) and "ValueError(1)" in ast.unparse(node):
            out.add("traced_raise")  # (the generator's raise under a traced `if`: programs.s_traced_raise)
        if isinstance(node, ast.BoolOp) and id(node) not in tests:
            out.add("bool_value")
        if isinstance(node, ast.FunctionDef) and _raise_after_exit(node):
            out.add("raise_after_exit")
    return out


def _traced_test(test: ast.expr) -> bool:
    """A test the generator draws on traced values (programs.traced_condition): the state or `v`."""
    return any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
               or isinstance(n, ast.Name) and n.id == "v" for n in ast.walk(test))


def _raise_after_exit(fn: ast.FunctionDef) -> bool:
    """A raise of `r` in a branch of a traced `if` or loop, or after (in the lines of) one that returns."""
    raises = [n.lineno for n in ast.walk(fn) if isinstance(n, ast.Raise) and "(r)" in ast.unparse(n)]
    for node in ast.walk(fn):
        test = node.test if isinstance(node, (ast.If, ast.While)) else node.iter if isinstance(node, ast.For) else None
        if test is not None and _traced_test(test):
            inner = [n for s in [*node.body, *node.orelse] for n in ast.walk(s)]
            returns = any(isinstance(n, ast.Return) for n in inner)
            last = max(getattr(n, "end_lineno", 0) or 0 for n in [node, *inner])
            if any(node.lineno < line <= last or returns and line > last for line in raises):
                return True
    return False
def containers(source: str) -> bool:
    """Does `source` hold one of issue 14's forms of containers of children?"""
    if "{'a': " in source:  # a dict of children (the generator writes plain dicts with "a")
        return True
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For):
            it = ast.unparse(node.iter)
            if "self." in it and (isinstance(node.iter, ast.Subscript) or it.startswith(("reversed(", "zip(", "range(len("))
                                  or "enumerate(self." in it and "[" in it):
                return True
    return False


def only(source: str, target: str) -> bool:
    """`source` holds `target` and no other exception form (`own` and `child` calls aside, which the
    old engine refused anyway, unless they are the target)."""
    if target == "containers":
        return containers(source)
    found = forms(source)
    if target not in found:
        return False
    if target in EXITS:
        return True
    others = (set(_GUARDED) | {"return_finally"}) - {target}
    others -= {"own", "child"} - {target}
    return not (found - {target}) & others
