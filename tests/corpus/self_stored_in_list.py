# purify bad-input corpus: self_stored_in_list
# expect: `self` is used as a value, so purify cannot track its state
# at: 14:18
# hint: read attributes (self.x) instead of the object itself
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def pair(self):
        items = [self, self.n]
        return items[1]

    @property  # (a plain method's self.pair() would run it on the instance)
    def twice(self):
        return self.pair() * 2
