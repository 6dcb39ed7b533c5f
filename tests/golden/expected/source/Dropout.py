class DropoutState(NamedTuple):
    """State of Dropout."""
    rate: Any
    rng: Any


jax.tree_util.register_dataclass(DropoutState, data_fields=['rng'], meta_fields=['rate'])


class Dropout:
    State = DropoutState

    @staticmethod
    @_checks_init(_static_config('rate'))
    def init(rate, seed=0) -> DropoutState:
        return DropoutState(rate=rate, rng=Rng.init(seed))

    def __call__(self: DropoutState, x) -> tuple[Any, DropoutState]:
        _r1, _c2 = Rng.__call__(self.rng)
        self = self._replace(rng=_c2)
        keep = jax.random.bernoulli(_r1, 1.0 - self.rate, x.shape)
        return jnp.where(keep, x / (1.0 - self.rate), 0.0), self


DropoutState._cls = Dropout
DropoutState._params = ()
DropoutState._static = ('rate',)
