"""Durations as people write them in options and settings: `6h`, `30m`, `1d`, `0.5s`, `90`."""

from __future__ import annotations

import re

from watchlist.errors import WatchlistError

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(raw: str, where: str) -> float:
    """Seconds of a duration (`6h`, `30m`, `2d`, `0.5s`; a bare number is seconds), above
    zero; `where` names the option or variable in the error."""
    found = _PATTERN.match(raw or "")
    seconds = float(found.group(1)) * _UNITS[found.group(2).lower() or "s"] if found else 0.0
    if seconds <= 0:
        raise WatchlistError(f"{where}={raw!r} is not a duration above zero: write a number "
                             "with s, m, h, d or w (e.g. 6h, 30m, 1d, 0.5s)")
    return seconds


def describe(seconds: float) -> str:
    """A duration in its largest whole unit: 21600 -> `6h`, 90 -> `90s`, 0.5 -> `0.5s`."""
    for unit in ("w", "d", "h", "m"):
        size = _UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
