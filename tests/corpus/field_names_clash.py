# purify bad-input corpus: field_names_clash
# expect: attributes self._n and self.n_ map to the same state field 'n_'
# at: 12:9
# hint: rename one of them (state fields move leading underscores to the end)
import purify


@purify.stateful
class Counter:
    def __init__(self):
        self._n = 0
        self.n_ = 1
