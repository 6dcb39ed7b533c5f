# purify bad-input corpus: other_class_decorator
# expect: a @stateful class cannot take other class decorators
# at: 11:2
# hint: apply @purify.stateful alone (dataclass-generated methods have no source to rewrite)
import dataclasses

import purify


@purify.stateful
@dataclasses.dataclass
class Point:
    x: float = 0.0
