class HistState(NamedTuple):
    """State of Hist."""
    counts: Any
    table: Any


class Hist:
    State = HistState

    @staticmethod
    @_checks_init(_unshared('counts', 'table'))
    def init(bins) -> HistState:
        return HistState(counts=np.zeros(bins), table={"a": jnp.zeros(2), "b": 0})

    def add(self: HistState, i) -> tuple[Any, HistState]:
        self = self._replace(counts=_setitem(self.counts, i, self.counts[i] + 1))
        self = self._replace(table=_setitem(self.table, "a", self.table["a"].at[0].add(1.0)))
        self = self._replace(table=_setitem(self.table, "b", self.table["b"] + 1))
        return self.counts.sum(), self


HistState._cls = Hist
HistState._params = ()
