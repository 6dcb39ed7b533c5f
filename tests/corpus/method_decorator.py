# purify bad-input corpus: method_decorator
# expect: method scale has a decorator purify cannot see through
# at: 15:6
# hint: apply the decorator (e.g. jax.jit) to the pure function Cls.method instead
import functools

import purify


@purify.stateful
class Model:
    def __init__(self):
        self.w = 1.0

    @functools.lru_cache
    def scale(self, x):
        return self.w * x
