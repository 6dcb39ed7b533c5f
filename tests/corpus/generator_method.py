# purify bad-input corpus: generator_method
# expect: generator method items cannot be made pure
# at: 16:13
# hint: return a list or array instead of yielding
import purify


@purify.stateful
class Stream:
    def __init__(self):
        self.i = 0

    def items(self):
        for k in range(3):
            self.i += 1
            yield k
