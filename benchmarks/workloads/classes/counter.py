"""W1 as a purify user writes it: the seed's Counter."""

import purify


@purify.stateful
class Counter:
    """Counts calls."""

    def __init__(self):
        self.n = 0

    def count(self):
        self.n += 1
        return self.n
