"""Equation counts of a traced step: what runs inside the jit, flat and top-level.

*flat* counts leaf equations recursively through sub-jaxprs; an equation that only wraps
sub-jaxprs (pjit, custom_jvp_call, closed_call, ...) counts as its contents, so two
frameworks that nest the same ops differently get the same number. *top* counts the jit
body's own equations. *outside* counts equations before or after the jit call: framework
work that escaped compilation (zero for every implementation so far).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_JIT_PRIMITIVES = {"pjit", "jit"}


def _sub_jaxprs(value: Any) -> Iterator[Any]:
    """Jaxprs held in an equation parameter (a Jaxpr, a ClosedJaxpr, or tuples of them)."""
    if hasattr(value, "eqns"):
        yield value
    elif hasattr(value, "jaxpr") and hasattr(value.jaxpr, "eqns"):
        yield value.jaxpr
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _sub_jaxprs(item)


def _children(eqn: Any) -> list:
    return [sub for value in eqn.params.values() for sub in _sub_jaxprs(value)]


def flat_count(jaxpr: Any) -> int:
    return sum(_flat_count_eqn(eqn) for eqn in jaxpr.eqns)


def _flat_count_eqn(eqn: Any) -> int:
    subs = _children(eqn)
    return sum(flat_count(sub) for sub in subs) if subs else 1


def _jit_body(jaxpr: Any) -> tuple[Any, int]:
    """The body of the single top-level jit equation and the count of equations outside it."""
    jits = [eqn for eqn in jaxpr.eqns if eqn.primitive.name in _JIT_PRIMITIVES]
    if len(jits) != 1:
        return jaxpr, 0  # no single jit call: count the whole program as the body
    outside = sum(_flat_count_eqn(eqn) for eqn in jaxpr.eqns if eqn is not jits[0])
    return _children(jits[0])[0], outside


def count_equations(closed_jaxpr: Any) -> dict[str, int]:
    body, outside = _jit_body(closed_jaxpr.jaxpr)
    return {"flat": flat_count(body), "top": len(body.eqns), "outside": outside}
