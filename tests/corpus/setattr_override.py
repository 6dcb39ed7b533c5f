# purify bad-input corpus: setattr_override
# expect: a @stateful class cannot define __setattr__
# at: 13:5
# hint: remove it: purify writes attributes into the state itself
import purify


@purify.stateful
class Tracked:
    def __init__(self):
        self.n = 0

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
