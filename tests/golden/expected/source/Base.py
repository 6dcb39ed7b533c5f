class BaseState(NamedTuple):
    """State of Base."""
    n: Any
    hits: Any


jax.tree_util.register_dataclass(BaseState, data_fields=['hits'], meta_fields=['n'])


class Base:
    State = BaseState

    @staticmethod
    @_checks_init(_static_config('n'))
    def init(n) -> BaseState:
        return BaseState(n=n, hits=0)

    def hit(self: BaseState, k=1) -> tuple[Any, BaseState]:
        self = self._replace(hits=self.hits + k)
        return self.hits, self


BaseState._cls = Base
BaseState._params = ()
BaseState._static = ('n',)
