# purify bad-input corpus: param_marker_two_values
# expect: purify.param() takes exactly one value
# at: 13:18
# hint: write purify.param(value)
import jax.numpy as jnp

import purify


@purify.stateful
class Linear:
    def __init__(self):
        self.w = purify.param(jnp.zeros(3), jnp.ones(3))
