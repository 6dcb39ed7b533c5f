# purify bad-input corpus: self_returned
# expect: `self` is returned, so its state would escape
# at: 15:16
# hint: return the attributes you need, or use purify.state_of(obj) outside the class
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    @property
    def me(self):
        return self
