# purify bad-input corpus: state_changing_call_in_while_condition
# expect: this call changes the state where Python may not evaluate it (a lambda, comprehension,
# at: 18:15
# hint: call it in a statement of its own first (r = self.method(...)) and use the result
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def bump(self):
        self.n += 1
        return self.n

    def until(self, limit):
        while self.bump() < limit:
            pass
