# purify bad-input corpus: metaclass
# expect: a @stateful class cannot have a metaclass
# at: 11:13
# hint: drop the metaclass; purify builds the class's pure API itself
import abc

import purify


@purify.stateful
class Model(metaclass=abc.ABCMeta):
    def __init__(self):
        self.w = 0.0
