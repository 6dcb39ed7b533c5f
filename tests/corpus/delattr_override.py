# purify bad-input corpus: delattr_override
# expect: a @stateful class cannot define __delattr__
# at: 13:5
# hint: remove it: the structure of the state is fixed after __init__
import purify


@purify.stateful
class Tracked:
    def __init__(self):
        self.n = 0

    def __delattr__(self, name):
        pass
