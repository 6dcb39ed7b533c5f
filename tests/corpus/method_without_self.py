# purify bad-input corpus: method_without_self
# expect: method helper takes no self argument
# at: 13:5
# hint: add self as the first parameter, or mark it @staticmethod
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def helper():
        return 1
