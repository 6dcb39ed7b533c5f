# purify bad-input corpus: state_written_in_nested_function
# expect: state is written inside a nested function or lambda
# at: 15:13
# hint: return the new value from the nested function and assign it to self in the method body
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self.n = 0

    def count(self):
        def bump():
            self.n += 1

        bump()
