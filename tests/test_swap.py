"""A double buffer swapped every step (issue 14): `self.cur, self.nxt = self.nxt, self.cur`
trades two distinct objects, so no object gets a second name; it was refused as "makes two
attributes one object". Real sharing stays refused."""

from __future__ import annotations

import purify
import pytest

from tests.conftest import compare_three, line_in, load_module

DOUBLE_BUFFER = """
@purify.stateful
class Life:
    def __init__(self, n):
        self.cur = np.zeros(n)
        self.nxt = np.zeros(n)
        for i in range(n):
            self.cur[i] = 1.0 + i

    def step(self):
        self.nxt[:] = self.cur * 2          # written in place, then the buffers trade places
        self.nxt[0] = self.cur[-1]
        self.cur, self.nxt = self.nxt, self.cur
        return self.cur.sum() + self.nxt[0]
"""


def test_a_double_buffer_swap_is_accepted_and_agrees_with_plain_python():
    compare_three(DOUBLE_BUFFER, "Life", (3,), [("step", ())] * 4)


def test_the_swap_through_purify_jit_agrees_too():
    obj = load_module(DOUBLE_BUFFER).Life(3)
    plain = load_module(DOUBLE_BUFFER.replace("@purify.stateful\n", "")).Life(3)
    fast = purify.jit(obj.step)
    assert [float(fast()) for _ in range(3)] == [float(plain.step()) for _ in range(3)]


@pytest.mark.parametrize("swap", ["self.cur, self.nxt = self.nxt, self.nxt", "self.cur, self.nxt = self.nxt, self.nxt.copy()"])
def test_a_tuple_assignment_that_shares_one_object_is_still_refused(swap):
    source = DOUBLE_BUFFER.replace("self.cur, self.nxt = self.nxt, self.cur", swap)
    with pytest.raises(purify.PurifyError) as info:
        load_module(source)
    assert "makes two attributes one object" in info.value.bare_msg
    assert info.value.lineno == line_in(source, swap)
