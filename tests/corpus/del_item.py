# purify bad-input corpus: del_item
# expect: `del` on an attribute of self cannot be made pure
# at: 14:13
# hint: the state's structure is fixed after __init__; assign a neutral value instead (e.g.
import purify


@purify.stateful
class Cache:
    def __init__(self):
        self.table = {"a": 1}

    def drop(self):
        del self.table["a"]
