# purify bad-input corpus: property_built_with_call
# expect: property doubled is built with property(...), which purify cannot rewrite
# at: 13:15
# hint: write it with the decorator: `@property` above `def doubled(self): return ...`
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    doubled = property(lambda self: self.n * 2)
