# purify bad-input corpus: setattr_computed
# expect: setattr(self, ...) with a computed attribute name cannot be made pure
# at: 14:9
# hint: write the attribute out (self.x), or keep the values in a dict field: self.table[name]
import purify


@purify.stateful
class Config:
    def __init__(self):
        self.lr = 0.1

    def set(self, name, value):
        setattr(self, name, value)
