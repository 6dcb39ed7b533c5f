"""Plain Python classes that mutate `self`, decorated with `@purify.stateful`: what a purify
user writes. One module per workload so that the decorate-time hook times one workload's classes."""
