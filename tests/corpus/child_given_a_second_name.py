# purify bad-input corpus: child_given_a_second_name
# expect: `enc = self.encoder` gives @stateful objects a second name: purify threads their state through self.encoder
# at: 25:9
# hint: use self.encoder directly
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
