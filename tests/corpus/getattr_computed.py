# purify bad-input corpus: getattr_computed
# expect: getattr(self, ...) with a computed attribute name cannot be made pure
# at: 14:16
# hint: write the attribute out (self.x), or keep the values in a dict field: self.table[name]
import purify


@purify.stateful
class Config:
    def __init__(self):
        self.lr = 0.1

    def get(self, name):
        return getattr(self, name)
