# purify bad-input corpus: return_in_try_with_state_changing_finally
# expect: this return leaves a `try` whose `finally` changes the state; the state handed back would
# at: 15:13
# hint: assign the result to a local (result = ...) and return it after the try statement
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def step(self, x):
        try:
            return x * 2
        finally:
            self.n += 1
