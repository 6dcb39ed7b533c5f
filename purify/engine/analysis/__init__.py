"""The analysis of a class, computed once and read by every check and pass:

* `classes`: fields (state, static, param, children), methods, bases, and the class-level refusals;
* `calls`: what each call in a method runs (`Method.callees`);
* `effects`: what each method does to the state (`Method.summary`), to a fixpoint;
* `paths`: state paths (`self.d["k"].x`) and when one sees a change of another.
"""

from .classes import analyse

__all__ = ["analyse"]
