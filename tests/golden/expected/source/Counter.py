class CounterState(NamedTuple):
    """State of Counter."""
    n: Any


class Counter:
    """A simple counter."""

    State = CounterState

    @staticmethod
    @_checks_init(_unshared('n'))
    def init(start=0) -> CounterState:
        return CounterState(n=start)  # the count so far

    def count(self: CounterState) -> tuple[int, CounterState]:
        # one more
        self = self._replace(n=self.n + 1)
        return self.n, self

    def reset(self: CounterState) -> tuple[None, CounterState]:
        self = self._replace(n=0)
        return None, self


CounterState._cls = Counter
CounterState._params = ()
