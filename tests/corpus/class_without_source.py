# purify bad-input corpus: class_without_source
# expect: cannot find the source of class 'Counter' (defined in <string>), so purify cannot rewrite
# at: 10:1
# convert: skip (no @purify.stateful class in the file: convert has nothing to check)
# hint: define the class in a .py file or a notebook cell; classes typed into a plain Python REPL
import purify

namespace = {}
exec("class Counter:\n    def __init__(self):\n        self.n = 0\n", namespace)
purify.stateful(namespace["Counter"])
