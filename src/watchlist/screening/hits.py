"""Hits narrowed to the designations of chosen sources, as the API's `datasets` and the
search page's source filter ask."""

from __future__ import annotations

from watchlist.screener import Hit


def hit_sources(hit: Hit) -> list[str]:
    return sorted({d["source"] for d in hit.designations if d.get("source")})


def keep_hit(hit: Hit, sources: set[str] | None) -> Hit | None:
    """The hit with only the designations of `sources` (None: all), or None if none is left."""
    if not sources:
        return hit
    kept = [d for d in hit.designations if d.get("source") in sources]
    if not kept:
        return None
    return Hit(**{**{f: getattr(hit, f) for f in hit.__dataclass_fields__}, "designations": kept})
