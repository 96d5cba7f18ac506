"""What the matrix says: gaps between jurisdictions, who listed first and by how long, and
designations over time. Pure functions over the rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import combinations
from statistics import median
from typing import Any

from watchlist.compare.model import PUBLISHER, Row

__all__ = ["gaps", "lead_lag", "select_rows", "timeline"]


def select_rows(rows: Sequence[Row], by: Sequence[str] = (), not_by: Sequence[str] = ()
                ) -> list[Row]:
    """The parties listed now by every jurisdiction of `by` and by none of `not_by`
    ("designated by the US and the EU but not the UK")."""
    return [r for r in rows if all(r.listed_by(j) for j in by)
            and not any(r.listed_by(j) for j in not_by)]


def _party(row: Row, jurisdiction: str) -> dict[str, Any]:
    cell = row.cells[jurisdiction]
    return {"profile_id": row.profile_id, "caption": row.caption,
            "listed": cell.listed, "basis": cell.basis}


def gaps(rows: Sequence[Row], jurisdictions: Sequence[str]) -> list[dict[str, Any]]:
    """Per ordered pair of jurisdictions: the parties the first lists now and the second
    does not (never did, or delisted them)."""
    found = []
    for listed_by in jurisdictions:
        for not_by in jurisdictions:
            if listed_by == not_by:
                continue
            parties = [_party(r, listed_by) for r in select_rows(rows, [listed_by], [not_by])]
            found.append({"listed_by": listed_by, "not_listed_by": not_by,
                          "count": len(parties), "parties": parties})
    return found


def _days(a: str, b: str) -> int | None:
    try:
        return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days
    except ValueError:  # a date given to the month or year only
        return None


def lead_lag(rows: Sequence[Row], jurisdictions: Sequence[str]) -> list[dict[str, Any]]:
    """Per pair of jurisdictions (a, b): of the parties both list or listed, how many each
    listed first, on the same day, and the median days between (`median_days`, and signed,
    `median_b_after_a`); over the publishers' dates only: a pair where either date is only
    "first seen" in the store is counted in `first_seen` and left out of the rest."""
    found = []
    for a, b in combinations(jurisdictions, 2):
        both = first_seen = a_first = b_first = same = 0
        diffs: list[int] = []
        for row in rows:
            ca, cb = row.cells[a], row.cells[b]
            if not (ca.listed and cb.listed):
                continue
            both += 1
            if ca.basis != PUBLISHER or cb.basis != PUBLISHER:
                first_seen += 1
                continue
            diff = _days(ca.listed, cb.listed)
            if diff is None:
                first_seen += 1
                continue
            diffs.append(diff)
            a_first += diff > 0
            b_first += diff < 0
            same += diff == 0
        found.append({
            "a": a, "b": b, "both": both, "dated": len(diffs), "first_seen": first_seen,
            "a_first": a_first, "b_first": b_first, "same_day": same,
            "median_days": median(abs(d) for d in diffs) if diffs else None,
            "median_b_after_a": median(diffs) if diffs else None})
    return found


def timeline(rows: Sequence[Row], jurisdictions: Sequence[str]) -> dict[str, Any]:
    """Cumulative designations per jurisdiction: for each, (day, count so far) at every day
    a party was listed, and how many of those days are only "first seen"."""
    series: dict[str, Any] = {}
    for code in jurisdictions:
        days = sorted((r.cells[code].listed or "", r.cells[code].basis)
                      for r in rows if r.cells[code].listed)
        points: list[dict[str, Any]] = []
        for count, (day, _basis) in enumerate(days, start=1):
            if points and points[-1]["date"] == day:
                points[-1]["count"] = count
            else:
                points.append({"date": day, "count": count})
        series[code] = {"points": points,
                        "first_seen": sum(1 for _d, b in days if b != PUBLISHER)}
    return series
