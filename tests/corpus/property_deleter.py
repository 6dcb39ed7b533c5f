# purify bad-input corpus: property_deleter
# expect: property celsius has a setter or deleter
# at: 17:6
# hint: write a method instead, e.g. def set_celsius(self, value): ...
import purify


@purify.stateful
class Temperature:
    def __init__(self):
        self.kelvin = 0.0

    @property
    def celsius(self):
        return self.kelvin - 273.15

    @celsius.deleter
    def celsius(self):
        pass
