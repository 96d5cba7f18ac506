"""Where watchlist keeps its data (WATCHLIST_HOME, else the user's data directory), and the
store's settings read from the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import user_data_dir

from watchlist.errors import WatchlistError


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


#: The share of a list's targets a new version may remove and still become current at once.
DEFAULT_SHRINK_LIMIT = 0.20
SHRINK_LIMIT_ENV = "WATCHLIST_SHRINK_LIMIT"


def parse_shrink_limit(raw: str, where: str) -> float:
    """A shrink limit written as a percentage (`20`, `20%`, `12.5`) as a share (0.2);
    100 lets every shrink through. `where` names the setting in the error."""
    text = raw.strip().removesuffix("%").strip()
    try:
        percent = float(text)
    except ValueError:
        percent = float("nan")
    if not 0 <= percent <= 100:  # also refuses NaN
        raise WatchlistError(f"{where}={raw!r} is not a percentage from 0 to 100 (the share "
                             "of a list's targets a new version may remove before it is held)")
    return percent / 100


def shrink_limit(source: str) -> float:
    """The shrink limit of a source: WATCHLIST_SHRINK_LIMIT_<SOURCE> (e.g.
    WATCHLIST_SHRINK_LIMIT_UN_SC_SANCTIONS), else WATCHLIST_SHRINK_LIMIT, else 20%."""
    own = re.sub(r"\W", "_", source.upper())
    for var in (f"{SHRINK_LIMIT_ENV}_{own}", SHRINK_LIMIT_ENV):
        raw = os.environ.get(var, "").strip()
        if raw:
            return parse_shrink_limit(raw, var)
    return DEFAULT_SHRINK_LIMIT
