# purify bad-input corpus: method_named_init
# expect: a @stateful class cannot define `init`: Cls.init is part of its pure API
# at: 13:5
# hint: rename the method (e.g. init_)
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def init(self):
        self.n = 0
