# purify bad-input corpus: child_static_field_written
# expect: self.layer.width is assigned in widen, but Layer keeps self.width as static configuration
# at: 25:9
# hint: make it state in Layer: set it with jnp.asarray(...) in __init__, or assign it in a
import purify


@purify.stateful
class Layer:
    def __init__(self, width=3):
        self.width = width
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return x * self.width


@purify.stateful
class Model:
    def __init__(self):
        self.layer = Layer()

    def widen(self):
        self.layer.width = 4
