# purify bad-input corpus: self_reassigned
# expect: `self` is reassigned
# at: 14:9
# hint: assign to a new local name; `self` stands for the object's state
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def reset(self, other):
        self = other
        return self.n
