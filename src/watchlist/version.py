"""The package's version, in a module of its own so that any module can name it without
importing the package's `__init__` (which offers the screener)."""

__version__ = "0.1.0"
