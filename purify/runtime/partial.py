"""The state an eager instance keeps when one of its methods raises.

Python keeps every change a method made before an exception escaped it:

    obj.lookup("missing")      # self.hits += 1; return self.table[k]  -> KeyError
    obj.hits                   # 1 in Python: the change stays

The pure function hands back no state when it raises, but the frames the exception left still
hold it: every generated function keeps the state in its local `self`. So, after the exception
(never on a call that returns), the instance's method walks the traceback over the frames of
generated functions from the method inward and puts the state back together from the innermost
out: a branch function (a converted `if` or loop) holds the method's whole state; an own method
or `super()` method the caller's whole state; a child's method the state at the child's place in
the caller's, which the engine recorded per call (engine/partial_state.py) and which is never
guessed. Where no place is faithful (a partly run `self.__init__(...)`, a state JAX was tracing),
the state Python's object has is not known: the instance refuses its next use, with a PurifyError
located where the state was lost, rather than go on from a state Python's object would not have.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from typing import Any

from ..engine.partial_state import CallSite, MethodFrames, PathStep, Placement
from ..errors import PurifyError


class Kind(enum.Enum):
    METHOD = "method"  # a pure method: its `self` is the state of the object it runs for
    STATE_FUNCTION = "state function"  # a branch or loop body nested in one: the method's whole state
    INIT = "init"  # `Cls.init`, run again by `self.__init__(...)`: a partly built State


@dataclasses.dataclass(frozen=True)
class _Code:
    kind: Kind
    frames: MethodFrames | None
    writes: bool
    where: str  # `Cls.method`, for messages


_CODES: dict[types.CodeType, _Code] = {}  # every generated function's code, filled at decoration
_STOP: set[types.CodeType] = set()  # frames that start another object's call (it keeps its own state)

UNPLACED_MSG = ("{where} raised {exc} after changing the state, but purify cannot put together the state it had "
                "then: {why}; so the object cannot be used after it (its state would not be the one Python's "
                "object has)")
UNPLACED_HINT = ("make the object again (`obj = Cls(...)`); to keep it, raise before changing the state (check first: "
                 "`if k not in self.table: raise KeyError(k)`), or catch the exception inside the method")
REINIT_WHY = "`self.__init__(...)` ran part of the way, and the State it builds has no value for the fields it did not set"
TRACED_WHY = "the change was made while JAX traced the call (purify.grad, a traced branch), so it has no value"
UNKNOWN_WHY = "the call's place in the state is not known"
INTERNAL_WHY = "purify failed putting it together ({error}; please report this)"


def register(cls_name: str, pure: dict[str, Any], frames: dict[str, MethodFrames], writes: dict[str, bool]) -> None:
    """Record the code of each pure function of a class (and of the generated functions in it)."""
    for attr, fn in pure.items():
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        if attr == "init":
            _CODES[code] = _Code(Kind.INIT, None, True, f"{cls_name}.__init__")
            continue
        table = frames.get(attr)
        if table is None:
            continue
        _CODES[code] = _Code(Kind.METHOD, table, writes.get(attr, True), f"{cls_name}.{attr}")
        _nested(code, table, f"{cls_name}.{attr}")


def _nested(code: types.CodeType, table: MethodFrames, where: str) -> None:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if not const.co_name.startswith("<") and const.co_name not in table.user_functions:  # (not a lambda)
                _CODES[const] = _Code(Kind.STATE_FUNCTION, table, True, where)
            _nested(const, table, where)


def stop_at(*codes: types.CodeType) -> None:
    """Frames of these codes call a method of another object, which keeps its own state."""
    _STOP.update(codes)


@dataclasses.dataclass
class _Level:
    state: Any
    site: CallSite | None = None  # how it goes into the level above
    scope: dict[str, Any] | None = None  # the caller's locals, where the site's keys are read
    globals_: dict[str, Any] | None = None
    frame: types.FrameType | None = None  # the caller's frame and instruction, for a warning
    lasti: int = -1


class _Unplaced(Exception):
    def __init__(self, why: str, frame: types.FrameType | None, lasti: int) -> None:
        self.why, self.frame, self.lasti = why, frame, lasti


class Lost:
    """The state the object had when its method raised, which cannot be put together: the object
    refuses its next use with `error` (runtime/instances.py)."""

    __slots__ = ("error",)

    def __init__(self, error: PurifyError) -> None:
        self.error = error


def recovered(exc: BaseException, pure: Any, old: Any, name: str) -> Any | None:
    """The state of the object the method `pure` ran for, as it was when `exc` was raised; None
    when it is the state it had before the call; `Lost` when it cannot be put together."""
    try:
        state = _walk(exc, pure)
        if state is None or state is old:
            return None
        if _traced(state) and not _traced(old):
            raise _Unplaced(TRACED_WHY, None, -1)
        return state
    except _Unplaced as e:
        return Lost(_lost(e, exc, pure, name))
    except Exception as e:  # noqa: BLE001 - never in place of the user's exception: the object refuses its next use
        return Lost(_lost(_Unplaced(INTERNAL_WHY.format(error=f"{type(e).__name__}: {e}"), None, -1), exc, pure, name))


def _walk(exc: BaseException, pure: Any) -> Any | None:
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not pure.__code__:
        tb = tb.tb_next
    entry = _CODES.get(pure.__code__)
    if tb is None or entry is None or entry.frames is None:
        return None  # raised before the method's code ran (its arguments)
    levels = [_Level(tb.tb_frame.f_locals.get(entry.frames.self_name))]
    holder, holder_entry = tb, entry  # the frame the next call is made in
    tb = tb.tb_next
    while tb is not None:
        code = tb.tb_frame.f_code
        if code in _STOP:
            break
        found = _CODES.get(code)
        if found is None:  # a helper (`_if`, `_for_range`, `_setitem`), a user's function, JAX
            pass
        elif found.kind is Kind.STATE_FUNCTION:
            scope = tb.tb_frame.f_locals
            if found.frames is not None and found.frames.self_name in scope:
                levels[-1].state = scope[found.frames.self_name]
            holder, holder_entry = tb, found
        elif not found.writes:
            break  # a method that changes no state, nor do the methods it calls
        else:
            if found.kind is Kind.INIT:
                raise _Unplaced(REINIT_WHY, holder.tb_frame, holder.tb_lasti)
            site = _site(holder, holder_entry)
            if site.placement is Placement.LOCAL:
                break  # a local copy's method: Python drops its changes with the copy
            if site.placement is Placement.UNKNOWN:
                raise _Unplaced(site.why or UNKNOWN_WHY, holder.tb_frame, holder.tb_lasti)
            assert found.frames is not None
            levels.append(_Level(tb.tb_frame.f_locals.get(found.frames.self_name), site, holder.tb_frame.f_locals,
                                 holder.tb_frame.f_globals, holder.tb_frame, holder.tb_lasti))
            holder, holder_entry = tb, found
        tb = tb.tb_next
    return _compose(levels)


def _site(tb: types.TracebackType, entry: _Code) -> CallSite:
    assert entry.frames is not None
    at = _position(tb.tb_frame.f_code, tb.tb_lasti)
    if at is not None:
        site = entry.frames.sites.get(at)
    else:  # Python 3.10: the one site on the line, if there is one
        on_line = [s for s in entry.frames.sites.values() if s.at[0] == tb.tb_lineno]
        site = on_line[0] if len(on_line) == 1 else None
    if site is None:
        raise _Unplaced(UNKNOWN_WHY, tb.tb_frame, tb.tb_lasti)
    return site


def _position(code: types.CodeType, lasti: int) -> tuple[int, int, int, int] | None:
    positions = getattr(code, "co_positions", None)  # Python 3.11+
    if positions is None:  # pragma: no cover - Python 3.10 knows lines only
        return None
    found = list(positions())[lasti // 2]
    return found if None not in found else None  # type: ignore[return-value]


def _compose(levels: list[_Level]) -> Any:
    state = levels[-1].state
    for i in range(len(levels) - 1, 0, -1):
        level = levels[i]
        assert level.site is not None
        if level.site.placement is Placement.PATH:
            state = _put(levels[i - 1].state, level.site.path, state, level)
    return state


def _put(state: Any, path: tuple[PathStep, ...], value: Any, level: _Level) -> Any:
    step, rest = path[0], path[1:]
    if step.field is not None:
        inner = value if not rest else _put(getattr(state, step.field), rest, value, level)
        return state._replace(**{step.field: inner})
    assert step.key is not None
    try:
        key = eval(step.key, level.globals_ or {}, level.scope or {})  # (names, fields, arithmetic, len only)
    except Exception:  # noqa: BLE001 - a key that cannot be read again has no place
        raise _Unplaced(f"the key of the child, {step.key}, cannot be read again", level.frame, level.lasti) from None
    inner = value if not rest else _put(state[key], rest, value, level)
    if isinstance(state, dict):
        return {**state, key: inner}
    items = list(state)
    items[key] = inner
    return tuple(items)


def _traced(state: Any) -> bool:
    import jax

    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(state))


def _lost(e: _Unplaced, exc: BaseException, pure: Any, name: str) -> PurifyError:
    """The refusal of the object's next use, located where the state was lost (the call that
    raised, or the method's own line)."""
    entry = _CODES.get(pure.__code__)
    msg = UNPLACED_MSG.format(where=entry.where if entry is not None else name, exc=type(exc).__name__, why=e.why)
    frame, lasti = e.frame, e.lasti
    if frame is None:  # at the method's own frame
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code is not pure.__code__:
            tb = tb.tb_next
        if tb is None:  # pragma: no cover - the method's frame is in every traceback walked
            return PurifyError(msg, hint=UNPLACED_HINT)
        frame, lasti = tb.tb_frame, tb.tb_lasti
    at = _position(frame.f_code, lasti)
    line, end_line, col, end_col = at if at is not None else (frame.f_lineno, frame.f_lineno, None, None)
    return PurifyError(msg, hint=UNPLACED_HINT, filename=frame.f_code.co_filename, lineno=line, col=col,
                       end_lineno=end_line, end_col=end_col)
