"""The StateHolder of seed 001 ("why in-place mutation breaks jit"), written as a plain class.

The seed mutates `state_obj.value` inside a jitted function; the compiled function then runs on
a stale trace. With `@purify.stateful` the same update is a method, and under
`purify.jit(holder.update)` (or the pure API under `jax.jit`) it prints what the eager code
prints: 15.0, 15.0, 18.0, 18.0.

Run (after `pip install -e .`, or with PYTHONPATH=. from the repository root):
    python examples/state_holder.py
"""

import jax
import jax.numpy as jnp
import purify


@purify.stateful
class StateHolder:
    def __init__(self, value):
        self.value = jnp.array(value)

    def update(self, increment):
        """Adds `increment` to the held value and returns the new value."""
        self.value = self.value + increment
        return self.value


def main() -> None:
    my_state = StateHolder(10.0)
    # Without JIT, this works as expected by mutation
    print("Without JIT:")
    print(my_state.update(5.0))  # 15.0
    print(my_state.value)  # 15.0
    print(my_state.update(3.0))  # 18.0
    print(my_state.value)  # 18.0

    # Reset state and try with JIT: the compiled method threads the state
    my_state_jit = StateHolder(10.0)
    jitted_update = purify.jit(my_state_jit.update)
    print("\nWith purify.jit:")
    print(jitted_update(5.0))  # 15.0
    print(my_state_jit.value)  # 15.0
    print(jitted_update(3.0))  # 18.0, not a stale trace
    print(my_state_jit.value)  # 18.0

    # The seed's pattern, jax.jit of the instance's method, is refused instead of going stale
    print("\nWith jax.jit(my_state.update):")
    try:
        jax.jit(StateHolder(10.0).update)(5.0)
    except purify.PurifyError as e:
        print(f"JIT attempt encountered an issue: {e}")

    # The pure API: state in, (value, new state) out
    print("\nPure API under jax.jit:")
    state = StateHolder.init(10.0)
    pure_update = jax.jit(StateHolder.update)
    value, state = pure_update(state, 5.0)
    print(value)  # 15.0
    value, state = pure_update(state, 3.0)
    print(value)  # 18.0
    print(state.value)  # 18.0


if __name__ == "__main__":
    main()
