"""Per-framework glue: turn a workload's model, written in that framework's idiom, into rows.

Each module imports its framework inside functions, so a missing peer only skips its rows.
"""
