class LinearState(NamedTuple):
    """State of Linear."""
    w: Any
    b: Any
    calls: Any


class Linear:
    State = LinearState

    @staticmethod
    def init(seed, n_in, n_out) -> LinearState:
        # deterministic and cheap
        return LinearState(
            w=jnp.cos(jnp.arange(n_in * n_out, dtype=jnp.float32).reshape(n_in, n_out) + seed),
            b=jnp.zeros((n_out,)),
            calls=0,
        )

    def __call__(self: LinearState, x) -> tuple[Any, LinearState]:
        self = self._replace(calls=self.calls + 1)
        return x @ self.w + self.b, self

    def norm(self: LinearState) -> tuple[Any, LinearState]:
        return jnp.sum(self.w ** 2), self


LinearState._cls = Linear
LinearState._params = ('w', 'b')
