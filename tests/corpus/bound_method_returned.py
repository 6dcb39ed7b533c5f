# purify bad-input corpus: bound_method_returned
# expect: a function that reads `self` is returned, so it outlives the call: it would keep seeing
# at: 17:16
# hint: return the values it computes instead (call it here), or make it a method and call it
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def peek(self):
        return self.n

    def getter(self):
        return self.peek
