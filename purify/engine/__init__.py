"""The one engine: source -> parse -> analyse -> rewrite -> emit.

Nothing here imports JAX: the engine works on syntax alone, so `purify convert`
never needs to import the user's code.
"""
