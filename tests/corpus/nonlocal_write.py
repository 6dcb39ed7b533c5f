# purify bad-input corpus: nonlocal_write
# expect: `nonlocal` in a method makes it impure: purify cannot thread that variable
# at: 17:13
# hint: keep the value in an attribute of self (set it in __init__) and assign it there
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        seen = 0

        def bump():
            nonlocal seen
            seen += 1

        bump()
        return seen
