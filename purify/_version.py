"""The one source of purify's version (read by pyproject.toml, `purify.__version__` and `purify --version`)."""

__version__ = "0.2.0.dev0"
