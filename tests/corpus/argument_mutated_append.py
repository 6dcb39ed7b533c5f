# purify bad-input corpus: argument_mutated_append
# expect: argument `out` is mutated in place; the caller would see a change that the pure function
# at: 14:9
# hint: copy it first (`out = list(out)` or `out = out.copy()`), or build and return a new value
import purify


@purify.stateful
class Recorder:
    def __init__(self):
        self.n = 0

    def record(self, out):
        out.append(self.n)
