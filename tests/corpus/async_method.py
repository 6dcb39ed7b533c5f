# purify bad-input corpus: async_method
# expect: async method fetch cannot be made pure
# at: 13:5
# hint: write a plain def; JAX traces synchronous code
import purify


@purify.stateful
class Client:
    def __init__(self):
        self.calls = 0

    async def fetch(self):
        self.calls += 1
