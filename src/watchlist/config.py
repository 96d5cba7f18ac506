"""Where watchlist keeps its data: WATCHLIST_HOME, else the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def home() -> Path:
    """The directory holding the store; created on first use."""
    path = Path(os.environ.get("WATCHLIST_HOME") or user_data_dir("watchlist", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """The store's SQLAlchemy URL: WATCHLIST_DATABASE_URL, else SQLite in the home directory."""
    url = os.environ.get("WATCHLIST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{home() / 'store.sqlite'}"
