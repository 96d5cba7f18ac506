"""The command line, one face of the core: a module per command group, `common` for what
they share, and the root command assembled in `root`. Nothing outside this package imports it."""

from watchlist.cli.root import app

__all__ = ["app"]
