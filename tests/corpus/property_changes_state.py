# purify bad-input corpus: property_changes_state
# expect: this read of self.next, a property that caches into the state, changes the state inside a nested function
# at: 19:17
# hint: read it in a statement of its own first (v = self.prop) and use the value
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    @property
    def next(self):
        self.n += 1
        return self.n

    def twice(self):
        return [self.next for _ in range(2)]
