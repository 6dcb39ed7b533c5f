# purify bad-input corpus: getattr_override
# expect: a @stateful class cannot define __getattr__
# at: 13:5
# hint: remove it: purify reads attributes from the state itself
import purify


@purify.stateful
class Proxy:
    def __init__(self):
        self.data = {}

    def __getattr__(self, name):
        return self.data[name]
