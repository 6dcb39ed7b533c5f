# purify bad-input corpus: two_fields_one_object
# expect: self.best = self.scores makes two attributes one object
# at: 16:9
# hint: store a copy (self.best = self.scores.copy()), or give each attribute its own object
import numpy as np
import purify


@purify.stateful
class Tracker:
    def __init__(self):
        self.scores = np.zeros(3)
        self.best = np.zeros(3)

    def snapshot(self):
        self.best = self.scores

    def record(self, i, v):
        self.scores[i] = v
