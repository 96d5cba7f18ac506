"""How stale each serving list is: its age since the publisher's date and since its last
successful fetch, against its cadence's thresholds, and whether its last check failed or
was held. Pure: given the versions, the checks and the time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from watchlist.operations.cadence import Cadence, cadence
from watchlist.operations.checks import Check
from watchlist.operations.durations import describe


@dataclass(frozen=True)
class SourceHealth:
    """One serving list: its version, ages in seconds (None: unknown), last check, and the
    reasons it is degraded (none: healthy)."""

    source: str
    version: int
    published: str | None
    published_age: float | None
    fetch_age: float | None
    outcome: str | None
    failures: int
    reasons: list[str] = field(default_factory=list)

    @property
    def stale(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version, "published": self.published,
                "published_age_seconds": _round(self.published_age),
                "fetch_age_seconds": _round(self.fetch_age), "last_outcome": self.outcome,
                "failures": self.failures, "stale": self.stale, "reasons": self.reasons}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def parse_time(text: str | None) -> float | None:
    """Unix seconds of an ISO date or time (a date's start, a year's or month's first day
    for a partial date); None when absent or unreadable."""
    if not text:
        return None
    value = text.strip()
    if len(value) == 4 and value.isdigit():
        value += "-01-01"
    elif len(value) == 7:
        value += "-01"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def assess(versions: Iterable[Any], checks: dict[str, Check], now: float,
           cadence_of: Callable[[str], Cadence] = cadence) -> list[SourceHealth]:
    """The health of each serving version (`Store.serving()`), by source."""
    found = []
    for v in versions:
        cad = cadence_of(v.source)
        check = checks.get(v.source)
        published_at = parse_time(v.published)
        fetched = [t for t in (parse_time(v.fetched_at),
                               parse_time(check.last_success_at if check else None)) if t]
        published_age = now - published_at if published_at is not None else None
        fetch_age = now - max(fetched) if fetched else None
        reasons = []
        if cad.published_stale and published_age is not None \
                and published_age > cad.published_stale:
            reasons.append(f"{v.source}: the publisher's date {v.published} is "
                           f"{describe_age(published_age)} old (stale after "
                           f"{describe(cad.published_stale)})")
        if fetch_age is not None and fetch_age > cad.fetch_stale:
            reasons.append(f"{v.source}: last fetched successfully {describe_age(fetch_age)} "
                           f"ago (stale after {describe(cad.fetch_stale)})")
        if check is not None and check.outcome == "failed":
            reasons.append(f"{v.source}: the last {check.failures} update(s) failed: "
                           f"{check.message}")
        elif check is not None and check.outcome == "held":
            reasons.append(f"{v.source}: a new version is held by the shrink guard "
                           "(`watchlist update --accept-shrink` serves it)")
        found.append(SourceHealth(v.source, v.version, v.published, published_age,
                                  fetch_age, check.outcome if check else None,
                                  check.failures if check else 0, reasons))
    return found


def describe_age(seconds: float) -> str:
    """An age in its largest sensible unit: `3 d`, `5 h`, `12 min`, `40 s`."""
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"
