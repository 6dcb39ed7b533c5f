import purify


@purify.stateful
class Tally:
    def __init__(self):
        self.n = 0

    def tick(self):
        self.n += 1
        return self.n
