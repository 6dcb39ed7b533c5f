# purify bad-input corpus: global_write
# expect: `global` in a method makes it impure: purify cannot thread that variable
# at: 16:9
# hint: keep the value in an attribute of self (set it in __init__) and assign it there
import purify

CALLS = 0


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        global CALLS
        CALLS += 1
        self.n += 1
