# purify bad-input corpus: unknown_attribute_read
# expect: self.m is neither an attribute set in __init__ nor a method of Counter
# at: 14:16
# hint: set self.m in __init__ (or check the spelling)
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        return self.m + 1
