"""watchlist: sanctions screening from the official lists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from watchlist.version import __version__

__all__ = ["Screener", "__version__"]

if TYPE_CHECKING:
    from watchlist.screener import Screener


def __getattr__(name: str) -> Any:
    """`from watchlist import Screener` without loading the matcher on every import."""
    if name == "Screener":
        from watchlist.screener import Screener

        return Screener
    raise AttributeError(f"module 'watchlist' has no attribute {name!r}")
