"""Methods that only work eagerly: a method purify cannot make pure (rendering with pygame, I/O,
`__repr__` built on `self`) does not block its class.

The rule, applied after a first conversion of the class has collected every refusal:

* a refusal located inside a plain method (not `__init__`, not a property, static or class
  method) belongs to that method; any other refusal (the class statement, `__init__`, a field)
  refuses the class, as before;
* a method with refusals of its own becomes *eager-only* when each is of a `Kind` below (`self`
  as a value; an attribute `__init__` does not create that the method both assigns and reads,
  and no other method uses: an instance's scratch, like a pygame surface), unless a method that
  stays converted (or `__init__`) calls it: a pure function cannot run it, so then the class is
  refused, with the call named;
* the class is analysed again without its eager-only methods, so what they write neither makes
  a field state nor needs `__init__` to create it (on an instance those writes land on the
  object itself), and converted again: a refusal now refuses the class.

On an instance an eager-only method is the user's function run on the real object; its pure
form `Cls.method(state, ...)` raises its first refusal; `purify convert` leaves it out with a
comment saying why.

A plain method that stays converted may call one as `self.render()` (gymnasium's
`if self.render_mode == "human": self.render()`): the call becomes `_eager_call("render", self)`
(runtime/control.py), which, while an eager instance runs the method, stores the state as of the
call in the instance, runs the user's `render` on it and takes its state back; in the pure API,
under a transform and in `purify convert` output it raises a located refusal at the call, when
the call is reached (a false test on static configuration never reaches it). What `render` may do
to the state is unknown to the analysis: any field, and it may raise (`stubs`). Refused still: a
call from `__init__` or a property (they do not run as an instance's method), and a class whose
methods run on other objects of the class (a copy of self, an argument, a child of its own class),
whose `self.render()` would not be the instance's.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from ..errors import PurifyError, error_at
from .model import ClassModel, Method, MethodKind
from .syntax import arg_names, self_chain, targets_of

MARKER = "__purify_eager_only__"  # the statement `purify convert` writes as the comment
CALLED_MSG = ("{caller} calls self.{name}(), which purify cannot make pure, so {name} cannot "
              "run only on instances")
CALLED_HINT = ("call obj.{name}() on the instance after obj.{caller}(...) returns, or make {name} pure "
               "(only methods no converted method calls may be eager-only)")
EAGER_CALL = "_eager_call"  # the runtime helper a call of an eager-only method becomes
PURE_MSG = "{cls}.{name} runs only on instances: purify could not make it pure: {why}"
PURE_HINT = "call it on an instance: obj.{name}(...){more}"


class Kind(enum.Enum):
    """The refusals that make a method eager-only rather than refuse its class: what only a real
    object can do. Any other refusal (a change of a State field in place, `del`, `global`, ...)
    refuses the class."""

    SELF_VALUE = "self used as a value"  # `'{self.x}'.format(self=self)`, `print(self)`, `draw(self)`
    NEW_ATTR = "an attribute the method creates"  # `self.surf = pygame.Surface(...)` (not in __init__)
    NEW_ATTR_READ = "a read of an attribute the method creates"  # `self.surf.fill(...)` after that


def mark(err: PurifyError, kind: Kind, attr: str = "") -> PurifyError:
    """Tag a refusal as one that may make its method eager-only (`attr`: the attribute it is about)."""
    err.instance_only = (kind, attr)  # type: ignore[attr-defined]
    return err


@dataclasses.dataclass
class EagerOnly:
    """A method left out of the pure API, with why."""

    method: Method
    errors: list[PurifyError]

    @property
    def reason(self) -> PurifyError:
        return min(self.errors, key=lambda e: (e.lineno or 0, e.offset or 0))

    def comment(self) -> str:
        """The comment `purify convert` writes in its place."""
        why = self.reason
        return (f"# {self.method.name}: runs only on instances of the decorated class (eager-only), so it is left "
                f"out here:\n# line {why.lineno}: {why.bare_msg}")

    def pure_error(self, cls_name: str) -> PurifyError:
        """What calling the pure form raises: the reason, where it is."""
        why = self.reason
        more = f"; or make it pure: {why.hint}" if why.hint else ""
        col = None if why.offset is None else why.offset - 1
        end_col = None if why.end_offset is None else why.end_offset - 1
        return PurifyError(PURE_MSG.format(cls=cls_name, name=self.method.name, why=why.bare_msg),
                           hint=PURE_HINT.format(name=self.method.name, more=more), filename=why.filename,
                           lineno=why.lineno, col=col, end_lineno=why.end_lineno, end_col=end_col, text=why.text)

    def attrs(self) -> set[str]:
        """The attributes of self it assigns (those not in the State live on the instance)."""
        self_name = self.method.first_param or "self"
        out = set()
        for n in ast.walk(self.method.node):
            if isinstance(n, ast.stmt):
                for t in targets_of(n):
                    chain = self_chain(t, self_name)
                    if chain and chain[0][0] == "attr" and len(chain) == 1:
                        out.add(str(chain[0][1]))
        return out


def split(model: ClassModel, errors: list[PurifyError]) -> dict[str, EagerOnly] | None:
    """The methods that become eager-only, or None when a refusal refuses the class (then
    `errors` may have gained the calls that keep a method from being eager-only)."""
    eager: dict[str, EagerOnly] = {}
    for e in errors:
        method = _method_at(model, e)
        if method is None or getattr(e, "instance_only", None) is None:
            return None
        eager.setdefault(method.name, EagerOnly(method, [])).errors.append(e)
    if not all(_own_attrs(model, m) for m in eager.values()):
        return None
    called = _called(model, eager)
    if called:
        errors += called
        return None
    return eager


def _own_attrs(model: ClassModel, eager: EagerOnly) -> bool:
    """Are the attributes the method's refusals are about its own: created by it (not by `__init__`)
    and used by no other method? One that another method reads is state that `__init__` must
    create (the class is refused with the hint to do so)."""
    made = {attr for e in eager.errors for kind, attr in [e.instance_only]  # type: ignore[attr-defined]
            if kind == Kind.NEW_ATTR}
    attrs = made | {attr for e in eager.errors for kind, attr in [e.instance_only]  # type: ignore[attr-defined]
                    if kind == Kind.NEW_ATTR_READ}
    if not attrs <= eager.attrs() or not made <= _read(eager.method):
        return False  # read but made elsewhere, or made and never used (`self.sacle = ...`, a typo)
    for m in model.methods.values():
        if m is eager.method:
            continue
        if any(isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.value, ast.Name)
               for n in ast.walk(m.node)):
            return False
    return True


def _read(method: Method) -> set[str]:
    """The attributes of self the method reads (`self.surf.fill(...)` after making it)."""
    self_name = method.first_param or "self"
    return {n.attr for n in ast.walk(method.node) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name) and n.value.id == self_name}


def _method_at(model: ClassModel, e: PurifyError) -> Method | None:
    """The plain method whose lines hold the refusal `e`."""
    if e.filename is None or e.lineno is None:
        return None
    for m in model.methods.values():
        if (m.kind == MethodKind.METHOD and m.origin.filename == e.filename
                and m.node.lineno <= e.lineno <= (m.node.end_lineno or m.node.lineno)):
            return m
    return None


def _called(model: ClassModel, eager: dict[str, EagerOnly]) -> list[PurifyError]:
    """A refusal at each call of an eager-only candidate from a method that stays converted,
    except `self.name(...)` from a plain method, which runs it on the instance (`stubs`)."""
    out = []
    others = _other_objects(model)
    for caller in model.methods.values():
        if caller.name in eager:
            continue
        for node in ast.walk(caller.node):
            callee = caller.callees.get(id(node))
            if callee is None:
                continue
            on_instance = (not others and caller.kind == MethodKind.METHOD and callee.kind.name == "OWN"
                           and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute))
            for cls, target in callee.targets:
                if cls is model and target.name in eager and not on_instance:
                    out.append(error_at(node, caller.origin.filename,
                                        CALLED_MSG.format(caller=caller.name, name=target.name),
                                        CALLED_HINT.format(caller=caller.name, name=target.name),
                                        caller.origin.lines))
    return out


def _other_objects(model: ClassModel) -> bool:
    """Do the class's methods run on other objects of the class: a copy of self, an argument used
    like one (`other.step()`), a child of the class itself? There, `self.render()` may be reached
    for an object that is not the instance whose method runs, so it cannot run on that instance."""
    if any(f.child is not None and ast.unparse(f.child) == model.name
           or any(ast.unparse(e) == model.name for e in f.items) for f in model.fields.values()):
        return True
    for m in model.methods.values():
        params = set(arg_names(m.node)[1:])
        self_name = m.first_param or "self"
        for n in ast.walk(m.node):
            if isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Name) \
                    and n.args[0].id == self_name and ast.unparse(n.func) in ("copy.copy", "copy.deepcopy", "deepcopy"):
                return True
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in params \
                    and n.attr in model.methods:
                return True
    return False


def stubs(model: ClassModel, popped: list[Method], bases: list[ClassModel]) -> dict[str, Method]:
    """The eager-only plain methods converted ones may call, as `Method`s the call resolver finds:
    what running one does to the state is unknown (any field, and it may raise), so the analysis
    threads the state through the call and counts it as a change."""
    from .analysis.effects import Summary, Unseen

    out: dict[str, Method] = {}
    for base in bases:
        out.update({k: v for k, v in base.on_instance.items() if k in model.eager})
    for m in popped:
        if m.kind != MethodKind.METHOD:
            continue
        unseen = ast.copy_location(Unseen(exc=None, cause=None), m.node)
        summary = Summary(writes=True, fields=frozenset(model.fields), raises=unseen, raises_after_change=unseen)
        out[m.name] = dataclasses.replace(m, callees={}, summary=summary, sites={}, on_instance=True)
    return out
