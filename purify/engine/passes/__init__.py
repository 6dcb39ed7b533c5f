"""Rewrite passes, run in this order on a copy of each method:

refusals (check only) -> reads -> calls -> writes -> returns.
"""
