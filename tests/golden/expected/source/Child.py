class ChildState(NamedTuple):
    """State of Child."""
    before: Any
    n: Any
    hits: Any
    extra: Any


jax.tree_util.register_dataclass(ChildState, data_fields=['hits', 'extra'], meta_fields=['before', 'n'])


class Child(Base):
    State = ChildState

    @staticmethod
    @_checks_init(_static_config('before', 'n'), _unshared('hits', 'extra'))
    def init(n, extra) -> ChildState:
        self = ChildState(before=extra * 2, n=None, hits=None, extra=None)
        self = self._replace(**Base.init(n + 1)._asdict())
        self = self._replace(extra=extra)
        return self

    def hit(self: ChildState, k=1) -> tuple[Any, ChildState]:
        base, self = Base.hit(self, k * 2)
        self = self._replace(extra=self.extra + base)
        return base + self.extra, self


ChildState._cls = Child
ChildState._params = ()
ChildState._static = ('before', 'n')
