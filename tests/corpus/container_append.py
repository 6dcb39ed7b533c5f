# purify bad-input corpus: container_append
# expect: self.items.append(...) mutates an attribute in place, which purify cannot track
# at: 14:9
# hint: assign a new value instead: self.items = self.items + [x]
import purify


@purify.stateful
class Log:
    def __init__(self):
        self.items = []

    def add(self, x):
        self.items.append(x)
