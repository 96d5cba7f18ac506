"""How often each list is checked for a new version and when it counts as stale.

The defaults follow the publishers (docs in ../shared/data/lists/SOURCES.md): OFAC, the UK,
the EU and Australia publish with each action, often several times a week (checked every
2 h, as OpenSanctions does); Canada every 3 h and the UN every 4 h. A list is stale when its
last successful check is older than `fetch_stale` (four missed checks by default), or its
publisher's own date is older than `published_stale` (longer for lists that change
rarely). Every figure can be set per source from the environment:

| variable                                  | meaning                                       |
|-------------------------------------------|-----------------------------------------------|
| WATCHLIST_UPDATE_EVERY                    | check every list this often (`6h`)            |
| WATCHLIST_UPDATE_EVERY_<SOURCE>           | ... this list (e.g. ..._UN_SC_SANCTIONS=12h)  |
| WATCHLIST_STALE_FETCHED[_<SOURCE>]        | stale when not fetched for this long          |
| WATCHLIST_STALE_PUBLISHED[_<SOURCE>]      | stale when the publisher's date is this old   |
| WATCHLIST_UPDATE_JITTER                   | share of the interval added at random (0.1)   |
| WATCHLIST_UPDATE_RETRY                    | first wait after a failure (`5m`), doubling   |
|                                           | at each failure up to the interval            |
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from watchlist.errors import WatchlistError
from watchlist.operations.durations import parse_duration

HOUR = 3600.0
DAY = 86400.0

#: (check every, published date stale after) per publisher.
_DEFAULTS: dict[str, tuple[float, float]] = {
    "us_ofac_sdn": (2 * HOUR, 30 * DAY),
    "us_ofac_cons": (2 * HOUR, 90 * DAY),
    "gb_fcdo_sanctions": (2 * HOUR, 30 * DAY),
    "eu_fsf": (2 * HOUR, 60 * DAY),
    "un_sc_sanctions": (4 * HOUR, 120 * DAY),
    "ca_dfatd_sema_sanctions": (3 * HOUR, 180 * DAY),
    "au_dfat_sanctions": (2 * HOUR, 90 * DAY),
}
#: Lists without a publisher cadence (a user's own list, a retired one): checked daily,
#: never stale by their own date.
_OTHER = (24 * HOUR, 0.0)
#: Missed checks after which a list is stale by its last successful fetch.
MISSED_CHECKS = 4


@dataclass(frozen=True)
class Cadence:
    """One list's schedule and staleness thresholds, in seconds (0: no such threshold)."""

    source: str
    every: float
    fetch_stale: float
    published_stale: float
    jitter: float = 0.1
    retry: float = 300.0

    def retry_after(self, failures: int) -> float:
        """The wait before checking again after `failures` failures in a row: `retry`,
        doubling with each failure, never longer than the interval."""
        if failures <= 0:
            return self.every
        return min(self.every, self.retry * 2 ** (failures - 1))


def _env_key(source: str) -> str:
    return re.sub(r"\W", "_", source.upper())


def _setting(var: str, source: str) -> tuple[str, str] | None:
    for name in (f"{var}_{_env_key(source)}", var):
        raw = os.environ.get(name, "").strip()
        if raw:
            return name, raw
    return None


def _seconds(var: str, source: str, default: float) -> float:
    found = _setting(var, source)
    return parse_duration(found[1], found[0]) if found else default


def cadence(source: str, every: float | None = None) -> Cadence:
    """The cadence of a list: `every` (`serve --update-every`) over the environment's
    setting over the publisher's default."""
    default_every, published = _DEFAULTS.get(source, _OTHER)
    interval = every or _seconds("WATCHLIST_UPDATE_EVERY", source, default_every)
    jitter_raw = os.environ.get("WATCHLIST_UPDATE_JITTER", "").strip()
    try:
        jitter = float(jitter_raw) if jitter_raw else 0.1
    except ValueError:
        jitter = -1.0
    if not 0 <= jitter <= 1:
        raise WatchlistError(f"WATCHLIST_UPDATE_JITTER={jitter_raw!r} is not a share from 0 "
                             "to 1 of the interval")
    return Cadence(
        source=source, every=interval,
        fetch_stale=_seconds("WATCHLIST_STALE_FETCHED", source, MISSED_CHECKS * interval),
        published_stale=_seconds("WATCHLIST_STALE_PUBLISHED", source, published),
        jitter=jitter,
        retry=min(interval, _seconds("WATCHLIST_UPDATE_RETRY", source, 300.0)))
