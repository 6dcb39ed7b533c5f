# purify bad-input corpus: slots
# expect: a @stateful class cannot define __slots__
# at: 10:5
# hint: remove __slots__: instances keep their state in one State tuple
import purify


@purify.stateful
class Point:
    __slots__ = ("x", "y")

    def __init__(self):
        self.x = 0.0
        self.y = 0.0
