"""Find a class's source: the whole file from linecache, parsed once, never dedented.

Parsing the whole file keeps the user's exact lines and columns (tracebacks and
error carets point at the right place) and picks the right one of two classes
with the same name (a re-run notebook cell).
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import hashlib
import inspect
import linecache
import sys
import weakref
from typing import Any

from ..errors import PurifyError

_FUTURE_FLAGS = 0x3FE0000  # every CO_FUTURE_* bit; only these are passed on to compile()


@dataclasses.dataclass(frozen=True)
class ClassSource:
    """Where a class came from: its file, that file's lines, and its `ClassDef`."""

    filename: str
    lines: list[str]
    node: ast.ClassDef
    future_flags: int = 0


@functools.lru_cache(maxsize=64)
def _parse_cached(filename: str, digest: str, text: str) -> ast.Module:
    return ast.parse(text, filename=filename)


def parse_file(filename: str, text: str) -> ast.Module:
    """Parse a whole file (cached by name and content)."""
    digest = hashlib.sha1(text.encode()).hexdigest()
    return _parse_cached(filename, digest, text)


def _methods(cls: type) -> list[Any]:
    """The plain functions written in the class body (what has source)."""
    out = []
    for value in vars(cls).values():
        fn = value
        if isinstance(fn, (staticmethod, classmethod)):
            fn = fn.__func__
        elif isinstance(fn, property):
            fn = fn.fget
        if inspect.isfunction(fn) and fn.__qualname__.startswith(cls.__qualname__ + "."):
            out.append(fn)
    return out


def class_source(cls: type) -> ClassSource:
    """Locate `cls`'s `ClassDef` in its file.

    Raises `PurifyError` (never falls back to running the class unconverted)
    when the source cannot be found.
    """
    methods = _methods(cls)
    if "__dataclass_fields__" in cls.__dict__:  # @dataclass-generated methods are not the class's source
        methods = [m for m in methods if m.__code__.co_filename not in ("<string>", dataclasses.__file__)]
    filename = methods[0].__code__.co_filename if methods else None
    if filename is None:
        module = sys.modules.get(cls.__module__)
        filename = getattr(module, "__file__", None)
    module_globals = getattr(sys.modules.get(cls.__module__), "__dict__", None)
    lines = linecache.getlines(filename, module_globals) if filename else []
    if not lines:
        raise PurifyError(
            f"cannot find the source of class {cls.__qualname__!r} "
            f"(defined in {filename or 'an unknown file'!s}), so purify cannot rewrite it",
            hint="define the class in a .py file or a notebook cell; classes typed into a plain "
            "Python REPL or built with exec()/type() have no source to read",
        )
    tree = parse_file(filename, "".join(lines))
    node = _pick_classdef(tree, cls, methods)
    if node is None:
        raise PurifyError(
            f"cannot find class {cls.__qualname__!r} in {filename}",
            hint="write the class as a `class` statement in a .py file or notebook cell (classes built with "
            "type() or exec() have no source); if its file changed since it was imported, reload the module",
        )
    flags = (methods[0].__code__.co_flags & _FUTURE_FLAGS) if methods else 0
    return ClassSource(filename, lines, node, flags)


def _pick_classdef(tree: ast.Module, cls: type, methods: list[Any]) -> ast.ClassDef | None:
    """The ClassDef named like `cls` whose span holds its methods' first lines."""
    candidates = _class_index(tree).get(cls.__name__, [])
    first = getattr(cls, "__firstlineno__", None)  # Python 3.13+
    if first is not None:
        exact = [n for n in candidates if _def_line(n) == first]
        if exact:
            return exact[0]
    lines = [m.__code__.co_firstlineno for m in methods]
    for node in candidates:
        if lines and all(node.lineno <= ln <= (node.end_lineno or ln) for ln in lines):
            return node
    if not lines and len(candidates) == 1:
        return candidates[0]
    return None


_INDEX: "weakref.WeakKeyDictionary[ast.Module, dict[str, list[ast.ClassDef]]]" = weakref.WeakKeyDictionary()


def _class_index(tree: ast.Module) -> dict[str, list[ast.ClassDef]]:
    """ClassDefs by name, built once per parsed file (a module's classes share it)."""
    index = _INDEX.get(tree)
    if index is None:
        index = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.ClassDef):
                index.setdefault(n.name, []).append(n)
        _INDEX[tree] = index
    return index


def _def_line(node: ast.ClassDef) -> int:
    return node.decorator_list[0].lineno if node.decorator_list else node.lineno
