"""Real library classes, as their authors wrote them, decorated with `@purify.stateful`.

Each module is the library's own file (its license kept at the top) with the decorator added,
NumPy swapped for `jax.numpy` where it touches traced values, and each line purify forces ending
in `# purify: why`. `python -m examples.ported.count` counts the edits against the installed
libraries; tests/test_ported.py runs each port against its library.
"""
