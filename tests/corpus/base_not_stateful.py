# purify bad-input corpus: base_not_stateful
# expect: base class Plain is not @stateful
# at: 13:15
# hint: decorate the base class with @purify.stateful too, or make it a plain attribute
import purify


class Plain:
    pass


@purify.stateful
class Counter(Plain):
    def __init__(self):
        self.n = 0
