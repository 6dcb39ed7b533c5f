# purify bad-input corpus: lambda_assigned_as_method
# expect: lambda assigned as method double: purify only rewrites methods written with def
# at: 13:14
# hint: write `def double(self): return ...` (or wrap it: double = staticmethod(lambda ...))
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    double = lambda self: self.n * 2
