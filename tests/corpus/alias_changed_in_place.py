# purify bad-input corpus: alias_changed_in_place
# expect: `hist` is self.history: this changes self.history in place, which the pure method cannot follow
# at: 16:9
# hint: write through self (self.history['loss'] = ...), or change a copy: hist = self.history.copy()
import jax.numpy as jnp
import purify


@purify.stateful
class Logger:
    def __init__(self):
        self.history = {"loss": jnp.zeros(())}

    def log(self, loss):
        hist = self.history
        hist["loss"] = loss
