"""The service's settings (`watchlist serve`: the API and the analysts' pages), in one place:
limits and defaults, overridable from the environment, and how `serve` tells its workers
where they listen.

| variable                        | default   | meaning                                      |
|---------------------------------|-----------|----------------------------------------------|
| WATCHLIST_API_MAX_BODY          | 1048576   | largest request body, bytes (413 above)      |
| WATCHLIST_API_MAX_BATCH         | 100       | most queries in one /match request           |
| WATCHLIST_API_MAX_LIMIT         | 500       | largest `limit` a client may ask for         |
| WATCHLIST_API_DEFAULT_LIMIT     | 5         | results per query when `limit` is not given  |
| WATCHLIST_API_SEARCH_THRESHOLD  | 0.5       | lowest score /search shows by default (/match|
|                                 |           | uses the screener's threshold)               |
| WATCHLIST_API_UPDATE_STALE      | 21600     | seconds after which a "running" update that  |
|                                 |           | never finished (a killed worker) is ignored  |
| WATCHLIST_API_VERSION_CHECK     | 1.0       | seconds between two looks for new list       |
|                                 |           | versions (0: on every request)               |
| WATCHLIST_API_KEY_CACHE         | 5.0       | seconds a verified API key is trusted before |
|                                 |           | the store is asked again (a revocation takes |
|                                 |           | effect within that time)                     |
| WATCHLIST_API_ANCHOR_SECONDS    | 300       | with WATCHLIST_AUDIT_ANCHORS set: seconds    |
|                                 |           | between two audit checkpoints while the log  |
|                                 |           | grows (0.01 to 86400)                        |
| WATCHLIST_API_ANCHOR_ENTRIES    | 1000      | ... or sooner, once this many entries were   |
|                                 |           | added since the last checkpoint              |
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, fields, replace
from typing import Any

from watchlist.errors import WatchlistError

TITLE = "watchlist"
DESCRIPTION = (
    "Sanctions screening against the official lists. Send your key as "
    "`Authorization: ApiKey KEY` or `X-API-Key: KEY`. Every response names the list "
    "versions that answered it in the `X-Watchlist-Versions` header "
    "(`source=version, ...`) and, for JSON bodies, in a `versions` field. A version "
    "imported from the snapshots bundled with watchlist (an old copy, for a machine that "
    "could not reach the publishers) is marked `;bundled=DATE` there, carries `bundled` "
    "and `notice` in `versions`, and is named in an `X-Watchlist-Notice` header."
)
LOOPBACK = ("127.0.0.1", "::1", "localhost")

#: Set by `watchlist serve` for its worker processes (see `watchlist.service.serve_app`).
ENV_NO_AUTH = "WATCHLIST_SERVE_NO_AUTH"
ENV_HOST = "WATCHLIST_SERVE_HOST"
ENV_ACCESS_LOG = "WATCHLIST_SERVE_ACCESS_LOG"


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

_ENV = {
    "max_body_bytes": "WATCHLIST_API_MAX_BODY",
    "max_batch": "WATCHLIST_API_MAX_BATCH",
    "max_limit": "WATCHLIST_API_MAX_LIMIT",
    "default_limit": "WATCHLIST_API_DEFAULT_LIMIT",
    "search_threshold": "WATCHLIST_API_SEARCH_THRESHOLD",
    "update_stale_seconds": "WATCHLIST_API_UPDATE_STALE",
    "version_check_seconds": "WATCHLIST_API_VERSION_CHECK",
    "key_cache_seconds": "WATCHLIST_API_KEY_CACHE",
    "anchor_seconds": "WATCHLIST_API_ANCHOR_SECONDS",
    "anchor_entries": "WATCHLIST_API_ANCHOR_ENTRIES",
}
#: Settings that are durations: zero is allowed, negative is not.
_SECONDS = ("version_check_seconds", "key_cache_seconds")


@dataclass(frozen=True)
class Settings:
    """Limits and defaults of one API app."""

    max_body_bytes: int = 1024 * 1024
    max_batch: int = 100
    max_limit: int = 500
    default_limit: int = 5
    search_threshold: float = 0.5
    update_stale_seconds: int = 6 * 3600
    version_check_seconds: float = 1.0
    key_cache_seconds: float = 5.0
    anchor_seconds: float = 300.0
    anchor_entries: int = 1000

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then WATCHLIST_API_* variables, then explicit overrides."""
        values: dict[str, Any] = {}
        for name, var in _ENV.items():
            raw = os.environ.get(var)
            if raw:
                kind = type(getattr(cls, name))
                try:
                    values[name] = kind(raw)
                except ValueError:
                    raise WatchlistError(f"{var}={raw!r} is not a {kind.__name__}") from None
        settings = replace(cls(), **values, **overrides)
        for f in fields(settings):
            value = getattr(settings, f.name)
            if f.name == "search_threshold":
                if not 0.0 <= value <= 1.0:
                    raise WatchlistError("API setting search_threshold must be within 0 to 1")
            elif f.name == "anchor_seconds":
                if not 0.01 <= value <= 86400.0:
                    raise WatchlistError("API setting anchor_seconds must be within 0.01 to "
                                         "86400")
            elif f.name in _SECONDS:
                if not 0.0 <= value <= 3600.0:
                    raise WatchlistError(f"API setting {f.name} must be within 0 to 3600")
            elif value < 1:
                raise WatchlistError(f"API setting {f.name} must be at least 1")
        if settings.default_limit > settings.max_limit:
            raise WatchlistError("API setting default_limit is above max_limit")
        return settings
