"""Decisions reported by reason code: how many of each kind were proposed, took effect
(approved, or not needing approval) and were rejected, per code, over a period."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from watchlist.monitor import schema as m
from watchlist.monitor.alerts import DECISIONS
from watchlist.monitor.review_settings import ReviewSettings, load_settings
from watchlist.store.store import Store

__all__ = ["NO_CODE", "decisions_by_code"]

#: How decisions without a code are reported.
NO_CODE = "(none)"


def decisions_by_code(store: Store, since: str | None = None, until: str | None = None,
                      settings: ReviewSettings | None = None) -> list[dict[str, Any]]:
    """One row per (reason code, decision kind): its label and the counts `proposed`,
    `effective` and `rejected` of decisions made from `since` to before `until` (ISO
    dates or times, UTC), most effective first."""
    settings = settings or load_settings()
    m.ensure_tables(store.engine)
    d = m.alert_decisions
    query = select(d.c.decision, d.c.status, d.c.reason_code, d.c.proposal).where(
        d.c.decision.in_([*DECISIONS, "approve", "reject"]))
    if since:
        query = query.where(d.c.at >= since)
    if until:
        query = query.where(d.c.at < until)
    counts: dict[tuple[str, str], dict[str, int]] = {}

    def bump(code: str | None, kind: str | None, what: str) -> None:
        key = (code or NO_CODE, kind or "")
        row = counts.setdefault(key, {"proposed": 0, "effective": 0, "rejected": 0})
        row[what] += 1

    with store.engine.connect() as conn:
        for row in conn.execute(query):
            if row.decision == "approve":
                bump(row.reason_code, row.proposal, "effective")
            elif row.decision == "reject":
                bump(row.reason_code, row.proposal, "rejected")
            elif row.status == m.PENDING:
                bump(row.reason_code, row.decision, "proposed")
            else:
                bump(row.reason_code, row.decision, "effective")
    rows = [{"reason_code": code, "label": settings.reason_codes.get(code, ""),
             "decision": kind, **values} for (code, kind), values in counts.items()]
    return sorted(rows, key=lambda r: (-r["effective"], r["reason_code"], r["decision"]))
