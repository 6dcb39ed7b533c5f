"""Early stopping: stop training when the validation loss has not improved for `patience` epochs.

The class keeps the best loss and a count of bad epochs, and returns early from the middle of
its `if`: the shape of Keras's and PyTorch Lightning's `EarlyStopping`. Under `jax.jit` (and so
inside a jitted training loop) the branches become `jax.lax.cond` and the early `return` a
single exit.

    python -m examples.control.early_stopping
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class EarlyStopping:
    """`stop(loss)` is True once `patience` epochs in a row did not beat the best loss by `min_delta`."""

    def __init__(self, patience=3, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best = float("inf")
        self.bad = 0
        self.epoch = 0
        self.stopped_epoch = 0

    def __call__(self, loss):
        self.epoch += 1
        if loss < self.best - self.min_delta:
            self.best = loss
            self.bad = 0
        else:
            self.bad += 1
        if self.bad >= self.patience:
            self.stopped_epoch = self.epoch
            return True
        return False


LOSSES = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.70, 0.73, 0.68, 0.75]


def main() -> None:
    stopper = EarlyStopping(patience=3)
    eager = [bool(stopper(jnp.float32(loss))) for loss in LOSSES]
    print("eager:  ", eager, f"best={float(stopper.best):.2f}, stopped at epoch {int(stopper.stopped_epoch)}")

    state = EarlyStopping.init(patience=3)
    check = jax.jit(EarlyStopping.__call__)
    jitted = []
    for loss in LOSSES:
        stop, state = check(state, jnp.float32(loss))
        jitted.append(bool(stop))
    print("jax.jit:", jitted, f"best={float(state.best):.2f}, stopped at epoch {int(state.stopped_epoch)}")
    assert eager == jitted

    # Inside a jitted scan over epochs, the whole run is one program.
    def epoch(state, loss):
        stop, state = EarlyStopping.__call__(state, loss)
        return state, stop

    _, stops = jax.jit(lambda s, xs: jax.lax.scan(epoch, s, xs))(EarlyStopping.init(patience=3), jnp.array(LOSSES))
    print("lax.scan:", stops.tolist())


if __name__ == "__main__":
    main()
