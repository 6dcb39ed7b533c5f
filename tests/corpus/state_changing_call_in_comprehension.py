# purify bad-input corpus: state_changing_call_in_comprehension
# expect: this call changes the state inside a nested function (a lambda, comprehension,
# at: 18:17
# hint: call it in a statement of its own first (r = self.method(...)) and use the result
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1
        return self.n

    def many(self):
        return [self.bump() for _ in range(3)]
