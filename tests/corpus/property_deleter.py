# purify bad-input corpus: property_deleter
# expect: property celsius has a deleter, which would remove state
# at: 17:6
# hint: the state's structure is fixed after __init__: drop the deleter, or write a method that assigns a neutral value (def reset_celsius(self): ...)
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
