# purify bad-input corpus: augmented_item_update_during_call
# expect: this call changes self.table while `self.table['a'] += ...` updates it: Python fetched
# at: 18:28
# hint: call it in a statement of its own first (r = self.method(...)), then update the item with
import purify


@purify.stateful
class Table:
    def __init__(self):
        self.table = {"a": 0, "b": 0}

    def reset(self):
        self.table = {"a": 0, "b": 0}
        return 1

    def add(self):
        self.table["a"] += self.reset()
