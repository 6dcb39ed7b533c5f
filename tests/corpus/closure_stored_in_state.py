# purify bad-input corpus: closure_stored_in_state
# expect: a function that reads `self` is stored in an attribute of self, so it outlives the call:
# at: 12:21
# hint: return the values it computes instead (call it here), or make it a method and call it
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0
        self.read = lambda: self.n
