# purify bad-input corpus: argument_mutated_item
# expect: argument `buf` is mutated in place; the caller would see a change that the pure function
# at: 14:9
# hint: copy it first (`buf = list(buf)` or `buf = buf.copy()`), or build and return a new value
import purify


@purify.stateful
class Filler:
    def __init__(self):
        self.value = 1.0

    def fill(self, buf):
        buf[0] = self.value
