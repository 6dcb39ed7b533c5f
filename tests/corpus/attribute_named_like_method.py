# purify bad-input corpus: attribute_named_like_method
# expect: attribute self.count has the name of a method
# at: 11:9
# hint: rename the attribute or the method
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.count = 0

    def count(self):
        return 1
