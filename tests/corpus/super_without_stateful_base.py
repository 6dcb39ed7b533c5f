# purify bad-input corpus: super_without_stateful_base
# expect: super().count() has no @stateful base class to call
# at: 14:16
# hint: remove the call, or decorate the base class with @purify.stateful
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        return super().count()
