# purify bad-input corpus: alias_read_after_change
# expect: `before` is self.buffer, which line 18 changes in place: in Python `before` sees that change
# at: 19:16
# hint: read self.buffer again after the change, or bind a copy: before = self.buffer.copy()
import numpy as np
import purify


@purify.stateful
class Ring:
    def __init__(self):
        self.buffer = np.zeros(4)
        self.pos = 0

    def push(self, x):
        before = self.buffer
        self.pos = (self.pos + 1) % 4
        self.buffer[self.pos] = x
        return before.sum()
