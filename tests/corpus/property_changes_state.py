# purify bad-input corpus: property_changes_state
# expect: self.next reads a property that changes the state (a cache), which purify threads only where the object is read from outside the class
# at: 19:16
# hint: move its body into a method and call that: `def compute_next(self): ...`, then `self.compute_next()` here and `return self.compute_next()` in the property
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
        return self.next * 2
