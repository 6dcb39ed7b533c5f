# purify bad-input corpus: state_changing_bound_method_as_value
# expect: self.bump is used as a value, but bump changes the state, and a bound method that
# at: 17:16
# hint: call it directly (self.bump(...)), or use purify.grad/value_and_grad(self.bump)
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1

    def callbacks(self):
        fns = [self.bump]
        return len(fns)
