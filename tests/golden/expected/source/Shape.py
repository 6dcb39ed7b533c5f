class ShapeState(NamedTuple):
    """State of Shape."""
    size: Any
    grown: Any


class Shape:
    State = ShapeState
    SIDES = 4

    @staticmethod
    def init(size) -> ShapeState:
        return ShapeState(size=jnp.asarray(size), grown=0)

    @staticmethod
    def area_of(s):
        return s * s

    @classmethod
    def sides(cls):
        return cls.SIDES

    def area(self: ShapeState):
        return Shape.area_of(self.size)

    def grow(self: ShapeState, d) -> tuple[Any, ShapeState]:
        self = self._replace(size=self.size + d)
        self = self._replace(grown=self.grown + 1)
        return Shape.area(self) + Shape.area_of(d) + Shape.sides(), self


ShapeState._cls = Shape
ShapeState._params = ()
