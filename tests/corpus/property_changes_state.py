# purify bad-input corpus: property_changes_state
# expect: property next changes the state
# at: 14:5
# hint: make it a method: properties are read-only pure functions
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    @property
    def next(self):
        self.n += 1
        return self.n
