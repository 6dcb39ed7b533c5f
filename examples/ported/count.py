"""Count the edits of each port against the installed library's own file.

    python -m examples.ported.count            # the table
    python -m examples.ported.count --why      # and every line purify forces, with its reason

Both files are cut to what the port keeps: the module's top (docstring, imports, constants) and
the ported class; the rest of the library's file (other classes, procedural functions) is left
out of both. The license block a port starts with is not counted. A changed line of the port is
counted under "purify forces" when it ends in `# purify: why` (a line removed in the same place
as such a line counts there too), under "decorator" when it is `import purify` or
`@purify.stateful`, and under "jax.numpy" otherwise (NumPy swapped for `jax.numpy`, and what a
JAX port of the class needs whatever rewrites it, such as importing the ported sibling class).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import enum
import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
LICENSE_END = "# --- end of the license; the library's file follows ---"
PURIFY_MARK = "# purify:"
DECORATOR_LINES = {"import purify", "@purify.stateful"}


@dataclass(frozen=True)
class Port:
    name: str
    port: str  # path under examples/ported
    package: str  # the installed module whose file is the original
    classes: tuple[str, ...]  # the top-level definitions ported (the rest of the file is not)
    dist: str  # the distribution, and the version the port was copied from
    version: str


PORTS = (
    Port("gymnasium CartPoleEnv", "cartpole.py", "gymnasium.envs.classic_control.cartpole", ("CartPoleEnv",),
         "gymnasium", "1.4.0"),
    Port("filterpy KalmanFilter", "kalman_filter.py", "filterpy.kalman.kalman_filter", ("KalmanFilter", "reshape_z"),
         "filterpy", "2.0.0"),
    Port("river stats.Mean", "river_stats/mean.py", "river.stats.mean", ("Mean",), "river", "0.26.1"),
    Port("river stats.Var", "river_stats/var.py", "river.stats.var", ("Var",), "river", "0.26.1"),
    Port("simple-pid PID", "pid.py", "simple_pid.pid", ("PID", "_clamp"), "simple-pid", "2.0.1"),
)


class Edit(enum.Enum):
    DECORATOR = "decorator"
    JAX = "jax.numpy"
    PURIFY = "purify forces"


@dataclass
class Count:
    port: Port
    lines: int = 0  # the kept lines of the library's file
    edits: dict[Edit, int] = field(default_factory=lambda: {e: 0 for e in Edit})
    why: list[tuple[int, str]] = field(default_factory=list)  # (line of the port, the reason)


def other_versions() -> list[str]:
    """The libraries installed at another version than the one ported (the counts then differ)."""
    found = {p.dist: importlib.metadata.version(p.dist) for p in PORTS}
    return [f"{p.dist} {found[p.dist]} is installed; the port is of {p.version}"
            for p in PORTS if found[p.dist] != p.version]


def library_file(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{module} is not installed: pip install 'jax-purify[test]'")
    return Path(spec.origin)


def kept_lines(source: str, classes: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line number, text) of the module top and the named top-level definitions."""
    tree = ast.parse(source)
    lines = source.splitlines()
    keep: list[tuple[int, str]] = []
    for node in tree.body:
        is_def = isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        if is_def and node.name not in classes:
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        keep.extend((n, lines[n - 1]) for n in range(start, node.end_lineno + 1))
    return keep


def port_source(path: Path) -> tuple[str, int]:
    """The port's text after its license block, and how many lines that block took."""
    text = path.read_text()
    head, sep, body = text.partition(LICENSE_END + "\n")
    if not sep:
        return text, 0
    skipped = head.count("\n") + 1
    return body, skipped


def count(port: Port) -> Count:
    original = kept_lines(library_file(port.package).read_text(), port.classes)
    body, offset = port_source(HERE / port.port)
    ported = kept_lines(body, port.classes)
    result = Count(port, lines=len(original))
    a, b = [t for _, t in original], [t for _, t in ported]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        new = ported[j1:j2]
        marked = [(n, t) for n, t in new if PURIFY_MARK in t]
        for n, text in new:
            kind = (Edit.PURIFY if PURIFY_MARK in text else
                    Edit.DECORATOR if text.strip() in DECORATOR_LINES else Edit.JAX)
            result.edits[kind] += 1
            if kind is Edit.PURIFY:
                result.why.append((n + offset, text.split(PURIFY_MARK, 1)[1].strip()))
        removed = (i2 - i1) - len(new)  # library lines with no line in their place
        if removed > 0:
            result.edits[Edit.PURIFY if marked else Edit.JAX] += removed
    return result


def table(counts: list[Count]) -> str:
    rows = ["| class | lines of the library | decorator | jax.numpy | purify forces |",
            "|---|---:|---:|---:|---:|"]
    for c in counts:
        e = c.edits
        rows.append(f"| {c.port.name} | {c.lines} | {e[Edit.DECORATOR]} | {e[Edit.JAX]} | {e[Edit.PURIFY]} |")
    return "\n".join(rows)


def reasons(counts: list[Count]) -> str:
    out = []
    for c in counts:
        out.append(f"\n{c.port.name} (examples/ported/{c.port.port}):")
        out.extend(f"  line {n}: {why or '(continues the line above)'}" for n, why in c.why)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--why", action="store_true", help="list every line purify forces, with its reason")
    args = parser.parse_args(argv)
    counts = [count(p) for p in PORTS]
    print(table(counts))
    for note in dict.fromkeys(other_versions()):
        print(f"note: {note}")
    if args.why:
        print(reasons(counts))


if __name__ == "__main__":
    main()
