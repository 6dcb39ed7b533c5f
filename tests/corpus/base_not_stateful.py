# purify bad-input corpus: base_not_stateful
# expect: base class dict is not @stateful, and purify cannot read its source
# at: 9:15
# hint: decorate the base class with @purify.stateful too, or make it a plain attribute
import purify


@purify.stateful
class Counter(dict):
    def __init__(self):
        self.n = 0
