# purify bad-input corpus: del_attribute
# expect: `del` on an attribute of self cannot be made pure
# at: 14:13
# hint: the state's structure is fixed after __init__; assign a neutral value instead (e.g.
import purify


@purify.stateful
class Cache:
    def __init__(self):
        self.value = 0

    def clear(self):
        del self.value
