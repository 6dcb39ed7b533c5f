# purify bad-input corpus: self_passed_to_function
# expect: `self` is passed to a function, so purify cannot track its state
# at: 18:23
# hint: pass the attributes the function needs (self.x), or make the function a method
import purify


def helper(obj):
    return obj.n


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def peek(self):
        return helper(self)

    @property  # (a plain method's self.peek() would run it on the instance)
    def total(self):
        return self.peek() + 1
