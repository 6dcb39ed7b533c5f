# purify bad-input corpus: nested_function_returned
# expect: a function that reads `self` is returned, so it outlives the call: it would keep seeing
# at: 17:16
# hint: return the values it computes instead (call it here), or make it a method and call it
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def reader(self):
        def read():
            return self.n

        return read
