"""Import editing: the purify imports dropped, the imports the new code needs added.

Edits are `(start, end, order, text)`: lines start..end (0-based, end exclusive) replaced by
text; module.py applies them. New imports are sorted into the file's import block the way
isort (ruff's I001) sorts them.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import sys

from ..static_resolver import API_NAMES, ModuleInfo
from ..transformer import walk
from .writer import WIDTH

Edit = tuple[int, int, float, str]

# Names the converted code reads that purify knows how to import (the copied code brings its own).
IMPORTS = {"Any": ("typing", "Any"), "NamedTuple": ("typing", "NamedTuple"), "jax": ("jax", None)}


@dataclasses.dataclass(frozen=True)
class Import:
    """One import the new code needs: `import module [as asname]` or `from module import name`."""

    module: str
    name: str | None = None
    asname: str | None = None

    @property
    def section(self) -> int:  # isort's: 1 standard library, 2 the rest
        return 1 if self.module.split(".")[0] in getattr(sys, "stdlib_module_names", {"typing"}) else 2

    def key(self) -> tuple:  # (isort orders `import numpy as _np` before `import numpy as np`)
        return (self.name is not None, self.module.lower(), self.module, self.asname or "" if self.name is None else "")

    def text(self) -> str:
        alias = f" as {self.asname}" if self.asname else ""
        return f"import {self.module}{alias}" if self.name is None else f"from {self.module} import {self.name}{alias}"


# -- the purify imports ------------------------------------------------------------


def drop_purify_imports(info: ModuleInfo, lines: list[str], imports: list[ast.Import | ast.ImportFrom],
                        used: set[str]) -> tuple[list[Edit], set[str], set[int]]:
    """Drop the purify names nothing outside the converted classes uses: (the edits, the names
    removed, the ids of the statements that go entirely)."""
    edits: list[Edit] = []
    removed: set[str] = set()
    dropped: set[int] = set()
    for imp in imports:
        # `import jax, jax.numpy as jnp, purify` keeps the names that are not purify's
        keep = [a for a in imp.names if isinstance(imp, ast.Import) and a.name.split(".")[0] != "purify"
                or (a.asname or a.name).split(".")[0] in used or a.name == "*" and used & API_NAMES]
        removed |= {(a.asname or a.name).split(".")[0] for a in imp.names if a not in keep}
        if len(keep) == len(imp.names):
            continue
        if not keep:
            dropped.add(id(imp))
        edits.append(_import_edit(info, lines, imp, keep))
    return edits, removed, dropped


def _import_edit(info: ModuleInfo, lines: list[str], imp: ast.Import | ast.ImportFrom,
                 keep: list[ast.alias]) -> Edit:
    """Drop the purify names from an import statement (the statement itself when none remains)."""
    first, last = imp.lineno, imp.end_lineno or imp.lineno
    before = lines[first - 1].encode("utf-8")[:imp.col_offset].decode("utf-8")
    after = lines[last - 1].encode("utf-8")[imp.end_col_offset:].decode("utf-8")
    alone = not before.strip() and (not after.strip() or after.strip().startswith("#"))
    if keep:
        new = ast.unparse(type(imp)(**{**{f: getattr(imp, f) for f in imp._fields}, "names": keep}))
    else:
        new = "pass" if _only_statement(info.tree, imp) else ""
    if alone:
        start = first - 1
        if not new and start > 0 and not lines[start - 1].strip() and (last >= len(lines) or not lines[last].strip()):
            start -= 1  # the statement was a group of its own: one blank line around it is enough
        return (start, last, 0, before + new + "\n" if new else "")
    return _edit_in_line(lines, imp, new)


def _edit_in_line(lines: list[str], imp: ast.Import | ast.ImportFrom, new: str) -> Edit:
    """An import sharing its line with other statements (`import purify; import jax`): edited in place."""
    first, last = imp.lineno, imp.end_lineno or imp.lineno
    text = "".join(lines[first - 1:last]).encode("utf-8")
    start = imp.col_offset
    end = len(text) - len(lines[last - 1].encode("utf-8")) + imp.end_col_offset  # type: ignore[operator]
    rest = text[end:].decode("utf-8")
    if not new:
        rest = re.sub(r"^\s*;\s*", "", rest)
        head = text[:start].decode("utf-8")
        if not rest.strip() or rest.lstrip().startswith("#"):
            head = re.sub(r";\s*$", "", head)
        return (first - 1, last, 0, head + rest)
    return (first - 1, last, 0, text[:start].decode("utf-8") + new + rest)


def _only_statement(tree: ast.Module, stmt: ast.stmt) -> bool:
    """Is `stmt` alone in a block (which then needs a `pass` in its place)?"""
    for n in walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(n, field, None)
            if isinstance(block, list) and stmt in block:
                return len(block) == 1 and not isinstance(n, ast.Module)
        for h in getattr(n, "handlers", []):
            if stmt in h.body:
                return len(h.body) == 1
    return False


# -- the imports the new code needs ------------------------------------------------


def needed_imports(need: set[str], extra: dict[str, str]) -> list[Import]:
    """The imports for the names in `need` that purify knows how to import (those of the copied
    code, `extra`, and IMPORTS), merged by module."""
    out: list[Import] = []
    for name in sorted(need):
        if name in extra:
            stmt = ast.parse(extra[name]).body[0]
            alias = stmt.names[0]  # type: ignore[attr-defined]
            if isinstance(stmt, ast.ImportFrom):
                out.append(Import(stmt.module or "", alias.name, alias.asname))
            else:
                out.append(Import(alias.name, None, alias.asname))
        elif name in IMPORTS:
            out.append(Import(*IMPORTS[name]))
    names: dict[str, list[str]] = {}
    for imp in out:
        if imp.name is not None and imp.asname is None:
            names.setdefault(imp.module, []).append(imp.name)
    merged = [i for i in out if i.name is None or i.asname is not None]
    merged += [Import(m, ", ".join(sorted(set(ns), key=name_key))) for m, ns in names.items()]
    return merged


def name_key(name: str) -> tuple:
    """isort's order of imported names: CONSTANTS, Classes, functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return (kind, name.lower(), name)


def import_edits(tree: ast.Module, lines: list[str], wanted: list[Import], dropped: set[int]) -> list[Edit]:
    """Edits that add the imports, sorted into the file's import block the way isort (ruff's I001)
    sorts them: names merged into an existing `from module import ...`, new statements at their
    place in the standard-library or third-party group, new groups where there is none."""
    region = _import_region(tree, dropped)
    edits, fresh = _merge_into_region(region, lines, wanted)
    groups = _groups(region, lines)
    std = next((g for g in groups if all(_section(s) == 1 for s in g)), None)
    other = next((g for g in groups if any(_section(s) == 2 for s in g)), None)
    new = {1: sorted((i for i in fresh if i.section == 1), key=Import.key),
           2: sorted((i for i in fresh if i.section == 2), key=Import.key)}
    order = 0.0
    for sec, group in ((1, std), (2, other)):
        for imp in new[sec]:
            order += 0.001
            if group is not None:
                after = next((s for s in group if _stmt_key(s) > imp.key()), None)
                at = after.lineno - 1 if after is not None else group[-1].end_lineno
                edits.append((at, at, -1 + order, imp.text() + "\n"))  # type: ignore[arg-type]
    block_std = "".join(i.text() + "\n" for i in new[1]) if std is None else ""
    block_other = "".join(i.text() + "\n" for i in new[2]) if other is None else ""
    if groups:
        edits += _new_groups(groups, std, block_std, block_other, -1 + order + 0.001)
    elif block_std or block_other:
        edits.append(_new_block(tree, lines, block_std, block_other, dropped))
    return edits


def _import_region(tree: ast.Module, dropped: set[int]) -> list[ast.stmt]:
    """The import statements at the top of the file (after its docstring) that stay."""
    region: list[ast.stmt] = []
    for i, s in enumerate(tree.body):
        if i == 0 and isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
            continue
        if not isinstance(s, (ast.Import, ast.ImportFrom)):
            break
        if id(s) not in dropped and not (isinstance(s, ast.ImportFrom) and s.module == "__future__"):
            region.append(s)
    return region


def _merge_into_region(region: list[ast.stmt], lines: list[str], wanted: list[Import]) -> tuple[list[Edit],
                                                                                               list[Import]]:
    """Names merged into the region's `from module import ...` statements: (edits, the imports left)."""
    merged: dict[int, list[str]] = {}
    fresh: list[Import] = []
    for imp in wanted:
        target = next((s for s in region if isinstance(s, ast.ImportFrom) and s.level == 0 and s.module == imp.module
                       and imp.name is not None and not imp.asname and all(a.name != "*" for a in s.names)), None)
        if target is not None:
            merged.setdefault(id(target), []).extend(imp.name.split(", "))  # type: ignore[union-attr]
        else:
            fresh.append(imp)
    edits = [_merge_from(s, lines, merged[id(s)]) for s in region if id(s) in merged]  # type: ignore[arg-type]
    return edits, fresh


def _groups(region: list[ast.stmt], lines: list[str]) -> list[list[ast.stmt]]:
    """The region's groups: statements with no blank line between them."""
    groups: list[list[ast.stmt]] = []
    for s in region:
        if groups and not any(not lines[i].strip() for i in range(groups[-1][-1].end_lineno, s.lineno - 1)):
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _section(s: ast.stmt) -> int:
    """isort's section of an import statement: 1 standard library, 2 the rest, 3 relative."""
    if isinstance(s, ast.ImportFrom) and s.level != 0:
        return 3
    mod = s.names[0].name if isinstance(s, ast.Import) else (s.module or "")  # type: ignore[attr-defined]
    return Import(mod).section


def _new_groups(groups: list[list[ast.stmt]], std: list[ast.stmt] | None, block_std: str, block_other: str,
                order: float) -> list[Edit]:
    """A standard-library group before the first group, a third-party one after the standard library's."""
    edits: list[Edit] = []
    if block_std:
        at = groups[0][0].lineno - 1
        edits.append((at, at, -1.5, block_std + "\n"))
    if block_other:
        if std is not None:
            at = std[-1].end_lineno  # type: ignore[assignment]
            edits.append((at, at, order, "\n" + block_other))
        else:
            at = groups[0][0].lineno - 1
            edits.append((at, at, -1.4, block_other + "\n"))
    return edits


def _new_block(tree: ast.Module, lines: list[str], block_std: str, block_other: str, dropped: set[int]) -> Edit:
    """The file has no imports left: a new block after its docstring and __future__ imports."""
    at = _after_docstring(tree)
    block = block_std + ("\n" if block_std and block_other else "") + block_other
    gone = {i for s in tree.body if id(s) in dropped for i in range(s.lineno - 1, s.end_lineno)}  # type: ignore[arg-type]
    following = next((i for i in range(at, len(lines)) if i not in gone), len(lines))  # what stays after the block
    before = "\n" if at > 0 and lines[at - 1].strip() else ""
    after = "\n" if following < len(lines) and lines[following].strip() else ""
    return (at, at, -1.5, before + block + after)


def _stmt_key(s: ast.stmt) -> tuple:
    if isinstance(s, ast.Import):
        return (False, s.names[0].name.lower(), s.names[0].name, s.names[0].asname or "")
    mod = "." * s.level + (s.module or "")  # type: ignore[attr-defined]
    return (True, mod.lower(), mod, "")


def _merge_from(s: ast.ImportFrom, lines: list[str], names: list[str]) -> Edit:
    """`from typing import Optional` + Any -> `from typing import Any, Optional`."""
    have = {a.name for a in s.names if a.asname is None}
    aliases = [*s.names, *(ast.alias(n) for n in dict.fromkeys(names) if n not in have)]
    aliases.sort(key=lambda a: name_key(a.name))
    indent = lines[s.lineno - 1][:s.col_offset]
    tail = lines[s.end_lineno - 1].encode("utf-8")[s.end_col_offset:].decode("utf-8")  # type: ignore[index]
    one = f"{indent}from {s.module} import {', '.join(ast.unparse(a) for a in aliases)}"
    if len(one) > WIDTH:
        one = f"{indent}from {s.module} import (\n" + "".join(f"{indent}    {ast.unparse(a)},\n" for a in aliases) \
            + f"{indent})"
    return (s.lineno - 1, s.end_lineno, -1, one + (tail if tail.strip() else "\n"))  # type: ignore[return-value]


def _after_docstring(tree: ast.Module) -> int:
    """The line after the module docstring and the __future__ imports (0-based)."""
    at = 0
    for i, s in enumerate(tree.body):
        docstring = i == 0 and isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) \
            and isinstance(s.value.value, str)
        if docstring or (isinstance(s, ast.ImportFrom) and s.module == "__future__"):
            at = s.end_lineno  # type: ignore[assignment]
        else:
            break
    return at
