# purify bad-input corpus: attribute_not_created_in_init
# expect: self.total is assigned in count but __init__ never creates it
# at: 14:9
# hint: add `self.total = <initial value>` to __init__: the state's structure is fixed once
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        self.total = self.n + 1
