# purify bad-input corpus: syntax_error (purify convert only: importing it fails in Python itself)
# expect: invalid Python: expected ':'
# at: 13:20
# hint: fix the syntax first
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self)
        self.n += 1
