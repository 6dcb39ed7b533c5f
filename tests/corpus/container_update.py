# purify bad-input corpus: container_update
# expect: self.table.update(...) mutates an attribute in place, which purify cannot track
# at: 14:9
# hint: assign a new value instead: self.table = {**self.table, **other}
import purify


@purify.stateful
class Table:
    def __init__(self):
        self.table = {"a": 0}

    def merge(self, other):
        self.table.update(other)
