"""The user's handlers do not catch what Python would never have raised.

Under jax.jit a refusal (`_concrete`'s "this `if` branches on a traced value and a branch
raises"), the signal between the two traces of a converted `if`, or JAX's own error about a
traced value (`TracerBoolConversionError`) is raised while the method traces. A user's
`except Exception:` (or `except TypeError:`, a bare `except:`, `contextlib.suppress(...)`, a
context manager that swallows) would catch it and run the handler, which in Python runs only
when the code raised: a silently different state. So, in the pure method:

    except Exception:          ->  except Exception:
        handle()                       _uncaught()      # passes those on (runtime/control.py)
                                       handle()
    with suppress(Exception):  ->  with _Unsuppressed(suppress(Exception)):

`except ValueError:` and the other builtin exceptions none of those derive from are left as
written. The last pass: it adds a call no analysis knows of.
"""

from __future__ import annotations

import ast
import builtins

from .. import templates
from ..analysis.facts import facts
from ..transformer import walk
from .base import MethodContext
from .exceptions import is_suppress

UNCAUGHT, UNSUPPRESSED = "_uncaught", "_Unsuppressed"
HELPERS = (UNCAUGHT, UNSUPPRESSED)  # in runtime/control.py

# What the signals derive from (PurifyError is an Exception, its located form a SyntaxError;
# convert's stand-in refusal and JAX's tracing errors are TypeErrors; JAX's boolean-index error an
# IndexError): a handler of any other builtin exception cannot catch one.
_CAUGHT_BY = (TypeError, IndexError, SyntaxError, Exception)
_CANNOT_CATCH = frozenset(
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
    and not any(issubclass(signal, value) for signal in _CAUGHT_BY))

# Context managers of libraries that never swallow an exception: left as written.
_NEVER_SWALLOW = frozenset({"jax", "jnp", "np", "numpy", "warnings", "open"})


def rewrite(ctx: MethodContext, fn: ast.FunctionDef) -> None:
    if not facts(ctx.method.node).of(ast.ExceptHandler, ast.With, nested=True):
        return  # nothing catches: no walk of the copy
    for node in walk(fn):
        if isinstance(node, ast.ExceptHandler) and _may_catch(node.type):
            node.body.insert(0, templates.stmts(f"{UNCAUGHT}()", node.body[0])[0])
            ctx.helpers.add(UNCAUGHT)
        elif isinstance(node, ast.With):
            for item in node.items:
                if _may_swallow(item.context_expr):
                    item.context_expr = templates.expr(f"{UNSUPPRESSED}(cm)", item.context_expr,
                                                       cm=templates.moved(item.context_expr))
                    ctx.helpers.add(UNSUPPRESSED)


def _may_catch(kind: ast.expr | None) -> bool:
    kinds = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return not all(isinstance(k, ast.Name) and k.id in _CANNOT_CATCH for k in kinds)


def _may_swallow(expr: ast.expr) -> bool:
    root = expr.func if isinstance(expr, ast.Call) else expr
    while isinstance(root, (ast.Attribute, ast.Call)):
        root = root.value if isinstance(root, ast.Attribute) else root.func
    return not (isinstance(root, ast.Name) and root.id in _NEVER_SWALLOW and not is_suppress(expr))
