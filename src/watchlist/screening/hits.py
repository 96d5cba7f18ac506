"""Hits narrowed to the designations of chosen sources, as the API's `datasets` and the
search page's source filter ask."""

from __future__ import annotations

from watchlist.ownership.rules import RULES
from watchlist.screener import Hit


def hit_sources(hit: Hit) -> list[str]:
    return sorted({d["source"] for d in hit.designations if d.get("source")})


def keep_hit(hit: Hit, sources: set[str] | None) -> Hit | None:
    """The hit with only the designations of `sources` (None: all), or None if none is left."""
    if not sources:
        return hit
    if hit.basis == "ownership":  # kept when its rule's designations come from `sources`
        rule = RULES.get(str((hit.ownership or {}).get("rule")))
        return hit if rule is not None and sources & set(rule.lists) else None
    kept = [d for d in hit.designations if d.get("source") in sources]
    if not kept:
        return None
    return Hit(**{**{f: getattr(hit, f) for f in hit.__dataclass_fields__}, "designations": kept})
