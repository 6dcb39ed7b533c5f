# purify bad-input corpus: child_called_through_alias
# expect: `enc` is the child self.encoder: calling it through another name changes self.encoder
# at: 26:16
# hint: call it through self: self.encoder(...)
import jax.numpy as jnp
import purify


@purify.stateful
class Encoder:
    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return jnp.tanh(x)


@purify.stateful
class Model:
    def __init__(self):
        self.encoder = Encoder()

    def __call__(self, x):
        enc = self.encoder
        return enc(x)
