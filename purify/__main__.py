"""`python -m purify convert ...`: the same as the `purify` console script."""

from .cli import main

raise SystemExit(main())
