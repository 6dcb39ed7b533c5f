# purify bad-input corpus: nested_container_mutation
# expect: self.buckets[0].append(...) mutates an attribute in place, which purify cannot track
# at: 14:9
# hint: assign a new value instead: self.buckets[0] = self.buckets[0] + [x]
import purify


@purify.stateful
class Buckets:
    def __init__(self):
        self.buckets = [[], []]

    def put(self, x):
        self.buckets[0].append(x)
