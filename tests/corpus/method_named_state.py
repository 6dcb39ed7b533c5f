# purify bad-input corpus: method_named_state
# expect: a @stateful class cannot define `State`: Cls.State is part of its pure API
# at: 13:5
# hint: rename the method (e.g. State_)
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def State(self):
        return self.n
