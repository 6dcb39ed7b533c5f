"""Stand-ins that `purify convert` copies into converted modules, which never import purify.

purify itself never imports this module: the CLI reads it (engine/text/copying.py) and copies
each definition it needs, by name, exactly as written here. So each is self-contained, and a
definition here replaces purify's own of the same name (rng.py's `_fold_lanes`).
"""


def _fold_lanes(key):
    """`purify.vmap` folds each lane's index into the key; without purify there is no
    purify.vmap, and under `jax.vmap` every lane draws the same key, as with the decorator."""
    return key


class _Eager:
    """An object of a converted class made inside a method (`rng = Rng(seed)`): it holds a State;
    calling its methods runs the pure functions and keeps the new state, like purify's objects."""

    def __init__(self, cls, *args, **kwargs):
        self.__dict__.update(_cls=cls, _state=cls.init(*args, **kwargs))

    def __getattr__(self, name):
        lost = self.__dict__.get("_lost")
        if lost is not None:
            raise TypeError(lost)
        field = name.lstrip("_") + "_" * (len(name) - len(name.lstrip("_")))
        if field in self._state._fields:
            return getattr(self._state, field)
        pure = getattr(self._cls, name)

        def method(*args, **kwargs):
            try:
                out, self.__dict__["_state"] = pure(self._state, *args, **kwargs)
            except Exception:
                self._raised(pure)
                raise
            return out

        return method

    def _raised(self, pure):
        """The method `pure` raised: Python's object keeps the changes made before the exception.
        Raised in the method's own code, they are its local `self`, kept here; raised in a function
        it called (a child's method, a branch), this stand-in cannot put the state together (the
        decorator can), so the object refuses to be used again (a TypeError at its next use, naming
        the call that raised) rather than go on with a state Python's object would not have."""
        import sys

        tb = sys.exc_info()[2]
        while tb is not None and tb.tb_frame.f_code is not pure.__code__:
            tb = tb.tb_next
        if tb is None:
            return  # raised before the method ran (its arguments)
        state = tb.tb_frame.f_locals.get(pure.__code__.co_varnames[0])  # (the state: the first parameter)
        if tb.tb_next is None and type(state) is type(self._state):
            self.__dict__["_state"] = state
        elif tb.tb_next is not None:
            self.__dict__["_lost"] = (
                f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}: {self._cls.__name__}.{pure.__name__} raised "
                f"{type(sys.exc_info()[1]).__name__} inside a function it called, and the state this object made in "
                "a method had then is not known here (Python's object keeps the changes made before the "
                "exception; the @purify.stateful class does too), so it cannot be used after it\n"
                f"  hint: catch the exception inside {self._cls.__name__}.{pure.__name__}, or make a new object "
                "after the exception")

    def __call__(self, *args, **kwargs):
        return self.__getattr__("__call__")(*args, **kwargs)


def _refuse(where, msg, hint):
    """Without purify there is no PurifyError: a TypeError that names the file and line of the
    `if` (`where`: file and line), what is wrong and what to write instead."""
    error = TypeError(f"{where[0]}:{where[1]}: {msg}\n  hint: {hint}")
    error.purify = True  # (a refusal: the dispatch helpers pass it on as it is)
    raise error


def _eager_call(name, state, *args, **kwargs):
    """A converted module has no instances: calling an eager-only method (left out of the module)
    is refused at the call, once reached, as the decorator's pure API refuses it."""
    import sys

    frame = sys._getframe(1)
    error = TypeError(f"{frame.f_code.co_filename}:{frame.f_lineno}: self.{name}() runs only on instances of the "
                      "decorated class (purify could not make it pure), and the pure API has no instance to run it "
                      f"on\n  hint: reach it only on a Python value that is false here (such as "
                      f"`if self.render_mode == \"human\":` with render_mode None), or call obj.{name}() on an "
                      "instance of the decorated class")
    error.purify = True  # (a refusal: the dispatch helpers pass it on as it is)
    raise error
