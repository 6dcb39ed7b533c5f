class TrainerState(NamedTuple):
    """State of Trainer."""
    model: Any
    steps: Any


class Trainer:
    State = TrainerState

    @staticmethod
    def init(seed) -> TrainerState:
        return TrainerState(model=MLP.init(seed, (2, 3)), steps=0)

    def step(self: TrainerState, x, y, lr=0.1) -> tuple[Any, TrainerState]:
        grads, _c2 = _grad(MLP.loss, False, self.model, x, y)
        self = self._replace(model=_c2)
        params, rest = _split(self.model)
        new = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        self = self._replace(model=_merge(new, rest))  # the model steps
        self = self._replace(steps=self.steps + 1)
        return self.model.pair[0].norm(), self


TrainerState._cls = Trainer
TrainerState._params = ()
