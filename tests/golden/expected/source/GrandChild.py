class GrandChildState(NamedTuple):
    """State of GrandChild."""
    before: Any
    n: Any
    hits: Any
    extra: Any


jax.tree_util.register_dataclass(GrandChildState, data_fields=['n', 'hits', 'extra'], meta_fields=['before'])


class GrandChild(Child):
    State = GrandChildState

    @staticmethod
    @_checks_init(_static_config('before'), _unshared('n', 'hits', 'extra'))
    def init(n, extra) -> GrandChildState:
        self = GrandChildState(before=extra * 2, n=None, hits=None, extra=None)
        self = self._replace(**Base.init(n + 1)._asdict())
        self = self._replace(extra=extra)
        return self

    def bump(self: GrandChildState) -> tuple[Any, GrandChildState]:
        self = self._replace(n=self.n + 1)
        _r1, self = Child.hit(self)
        return _r1, self

    def hit(self: GrandChildState, k=1) -> tuple[Any, GrandChildState]:
        base, self = Base.hit(self, k * 2)
        self = self._replace(extra=self.extra + base)
        return base + self.extra, self


GrandChildState._cls = GrandChild
GrandChildState._params = ()
GrandChildState._static = ('before',)
