"""watchlist: sanctions screening from the official lists."""

__version__ = "0.1.0"
