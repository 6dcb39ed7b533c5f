"""Which buffers of an instance's State `purify.jit` may donate.

`purify.jit(obj.method)` donates the State it is called with, so XLA can reuse its memory,
and the old buffers are deleted. Buffers purify made (in `__init__`, in a method) are purify's
to give away: what the State held before a step is stale after it (docs: an array taken out
of the state before a call is invalid after it). But an array that came from outside is still
the caller's: `Model(w)` storing `self.w = w`, `obj.w = w`, `purify.set_state(obj, saved)`, an
eager call `obj.load(w)`. Donating it would delete the caller's `w`. So the instance notes
the ids of such arrays (in its root's `__dict__`), and the next compiled call donates a copy of
each in its place: once, since the call's result is purify's again.

An id can outlive its array (the State dropped it) and be reused by a new one: that costs a
needless copy, never a deleted array of the caller's.
"""

from __future__ import annotations

from typing import Any

import jax

FOREIGN = "_purify_foreign"  # in a root instance's __dict__: ids of arrays of its State that came from outside


def may_hold_arrays(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Could these arguments hold a JAX array? (Not for `obj.step(1.0)`: the eager call's hot path
    skips the walk of its arguments and its new State.)"""
    return any(not isinstance(a, (int, float, complex, str, bool, type(None))) for a in (*args, *kwargs.values()))


def note_foreign(root: dict[str, Any], state: Any, passed: Any) -> None:
    """The arrays of `passed` (a value, arguments) that `state` now holds are the caller's."""
    given = {id(x) for x in jax.tree_util.tree_leaves(passed) if isinstance(x, jax.Array)}
    if not given:
        return
    held = {id(x) for x in jax.tree_util.tree_leaves(state) if isinstance(x, jax.Array)} & given
    if held:
        root.setdefault(FOREIGN, set()).update(held)


def donatable(root: dict[str, Any], state: Any) -> Any:
    """`state` with copies in place of the caller's arrays (those copied are no longer noted)."""
    foreign = root.get(FOREIGN)
    if not foreign:
        return state

    def own(x: Any) -> Any:
        if isinstance(x, jax.Array) and id(x) in foreign:
            foreign.discard(id(x))
            return x.copy()
        return x

    out = jax.tree_util.tree_map(own, state)
    if not foreign:
        del root[FOREIGN]
    return out
