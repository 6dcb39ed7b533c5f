class NoisyState(NamedTuple):
    """State of Noisy."""
    w: Any
    dropout: Any


class Noisy:
    State = NoisyState

    @staticmethod
    def init(seed) -> NoisyState:
        self = NoisyState(w=None, dropout=None)
        rng = _Eager(Rng, seed)  # a local stream: used while building only
        self = self._replace(w=jax.random.normal(rng(), (2,)))
        self = self._replace(dropout=Dropout.init(0.5, seed))
        return self

    def __call__(self: NoisyState, x) -> tuple[Any, NoisyState]:
        _r1, _c2 = Dropout.__call__(self.dropout, x * self.w)
        self = self._replace(dropout=_c2)
        return _r1, self


NoisyState._cls = Noisy
NoisyState._params = ()
