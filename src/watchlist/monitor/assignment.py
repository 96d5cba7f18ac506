"""Who works on which alert and by when: assignment to a user or a team, "take next",
each alert's priority (from its score, lists and regimes), age and due date (from the
service level of its priority), the overdue ones, and the queue grouped by customer.

Priority and due date are computed from the review settings in force, so a changed
service level applies to the whole queue at once. An alert's clock starts when it was
raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from watchlist.monitor import schema as m
from watchlist.monitor.alerts import (
    AlertError,
    check_id,
    list_alerts,
    locked_alert,
    record_transition,
)
from watchlist.monitor.review import person
from watchlist.monitor.review_settings import PRIORITIES, ReviewSettings, load_settings
from watchlist.store.audit import begin_write
from watchlist.store.store import Store, now_iso

__all__ = ["TEAM", "UNASSIGNED", "WAITING", "annotate", "assign", "group_by_customer",
           "priority_of", "queue_counts", "review_queue", "take_next"]

TEAM = "team:"
#: The `assignee` filter for alerts nobody has.
UNASSIGNED = "-"
#: Statuses waiting for an analyst's decision ("take next" picks among them).
WAITING = ("new", "reopened", "escalated")
MAX_ASSIGNEE = 300
#: Orders of the queue: key -> label.
QUEUE_SORTS = {"due": "Due first", "newest": "Newest first", "oldest": "Oldest first",
               "score": "Highest score", "customer": "Customer", "party": "Listed party"}


def _parse(at: str) -> datetime:
    value = datetime.fromisoformat(at)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _regimes(designation: dict[str, Any]) -> list[str]:
    regime = designation.get("regime")
    if isinstance(regime, list):
        return [str(r) for r in regime]
    return [str(regime)] if regime else []


def priority_of(alert: dict[str, Any], settings: ReviewSettings) -> str:
    """The most urgent of: the score's band, the priority of a list that designates the
    party, and that of a regime named in a designation (matched as a substring)."""
    ranks = [PRIORITIES.index("low")]
    for name in PRIORITIES:
        band = settings.score_bands.get(name)
        if band is not None and float(alert["score"]) >= band:
            ranks.append(PRIORITIES.index(name))
    for d in alert.get("designations") or []:
        listed = settings.list_priority.get(str(d.get("source")))
        if listed:
            ranks.append(PRIORITIES.index(listed))
        for regime in _regimes(d):
            folded = regime.casefold()
            ranks.extend(PRIORITIES.index(p) for key, p in settings.regime_priority.items()
                         if key in folded)
    return PRIORITIES[min(ranks)]


def annotate(alerts: Iterable[dict[str, Any]], settings: ReviewSettings,
             now: datetime | None = None) -> list[dict[str, Any]]:
    """The alerts with `priority`, `due_at`, `age_days` and `overdue` (open and past due)."""
    now = now or datetime.now(UTC)
    found = []
    for alert in alerts:
        priority = priority_of(alert, settings)
        raised = _parse(alert["created_at"])
        due = raised + timedelta(days=settings.service_days[priority])
        found.append({**alert, "priority": priority,
                      "due_at": due.isoformat(timespec="seconds"),
                      "age_days": round((now - raised).total_seconds() / 86400, 1),
                      "overdue": alert["status"] in m.OPEN_STATUSES and now > due})
    return found


def _mine(alert: dict[str, Any], me: str, teams: tuple[str, ...]) -> bool:
    owner = alert.get("assignee")
    return owner == me or owner in {TEAM + t for t in teams}


def _sort_key(sort: str) -> Any:
    if sort == "score":
        return lambda a: (-float(a["score"]), -int(a["id"]))
    if sort == "customer":
        return lambda a: (str(a["customer_id"]).casefold(), -int(a["id"]))
    if sort == "party":
        return lambda a: (str(a["caption"]).casefold(), -int(a["id"]))
    if sort == "oldest":
        return lambda a: int(a["id"])
    if sort == "due":
        return lambda a: (a["due_at"], PRIORITIES.index(a["priority"]), int(a["id"]))
    return lambda a: -int(a["id"])


def review_queue(store: Store, status: str | None = "open", customer: str | None = None,
                 assignee: str | None = None, mine: str | None = None,
                 overdue: bool = False, sort: str = "due", limit: int | None = None,
                 offset: int = 0, settings: ReviewSettings | None = None,
                 now: datetime | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of the queue with priorities and due dates, and how many alerts it holds.
    `assignee` is a user, `team:<name>` or `-` (nobody); `mine` a person, whose alerts
    are theirs and their teams'; `overdue` keeps the alerts past due."""
    if sort not in QUEUE_SORTS:
        raise AlertError(f"unknown sort {sort!r}; use {', '.join(QUEUE_SORTS)}")
    settings = settings or load_settings()
    if sort == "newest" and assignee is None and mine is None and not overdue:
        rows, total = list_alerts(store, status, customer, limit, offset)  # paged in SQL
        return annotate(rows, settings, now), total
    rows, _total = list_alerts(store, status, customer)
    found = annotate(rows, settings, now)
    if assignee is not None:
        wanted = None if assignee == UNASSIGNED else assignee
        found = [a for a in found if a.get("assignee") == wanted]
    if mine is not None:
        me = person(mine)
        teams = settings.teams_of(me)
        found = [a for a in found if _mine(a, me, teams)]
    if overdue:
        found = [a for a in found if a["overdue"]]
    found.sort(key=_sort_key(sort))
    end = None if limit is None else offset + limit
    return found[offset:end], len(found)


def queue_counts(store: Store, me: str | None = None, settings: ReviewSettings | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Open alerts: in all, overdue, awaiting approval, unassigned, by priority (open and
    overdue), and the person's own when `me` is given."""
    settings = settings or load_settings()
    rows = annotate(list_alerts(store, "open")[0], settings, now)
    counts: dict[str, Any] = {
        "open": len(rows), "overdue": sum(a["overdue"] for a in rows),
        "pending_approval": sum(a["status"] == m.PENDING for a in rows),
        "unassigned": sum(not a.get("assignee") for a in rows),
        "by_priority": {p: {"open": sum(a["priority"] == p for a in rows),
                            "overdue": sum(a["priority"] == p and a["overdue"] for a in rows)}
                        for p in PRIORITIES},
    }
    if me is not None:
        who = person(me)
        teams = settings.teams_of(who)
        counts["mine"] = sum(_mine(a, who, teams) for a in rows)
    return counts


def _check_assignee(assignee: str | None, settings: ReviewSettings) -> str | None:
    if assignee is None or assignee.strip() in ("", UNASSIGNED):
        return None
    assignee = assignee.strip()
    if len(assignee) > MAX_ASSIGNEE:
        raise AlertError(f"an assignee is at most {MAX_ASSIGNEE} characters")
    if assignee.startswith(TEAM):
        team = assignee[len(TEAM):]
        if team not in settings.teams:
            known = ", ".join(settings.teams) or "none configured (review settings [teams])"
            raise AlertError(f"unknown team {team!r}; teams: {known}")
        return assignee
    return person(assignee)


def _assign_row(conn: Connection, row: Any, assignee: str | None, actor: str
                ) -> dict[str, Any]:
    what = f"assigned to {assignee}" if assignee else "unassigned"
    return record_transition(conn, row, "assign", row.status, what, actor,
                             values={"assignee": assignee,
                                     "assigned_at": now_iso() if assignee else None})


def assign(store: Store, alert_id: int, assignee: str | None, actor: str,
           settings: ReviewSettings | None = None) -> dict[str, Any]:
    """Give an alert to a user or `team:<name>` (None or `-`: to nobody); recorded in its
    history and the audit log like a decision."""
    target = _check_assignee(assignee, settings or load_settings())
    check_id(alert_id)
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        try:
            row = locked_alert(conn, alert_id)
            result = _assign_row(conn, row, target, actor)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return result


def take_next(store: Store, actor: str, settings: ReviewSettings | None = None,
              now: datetime | None = None) -> dict[str, Any] | None:
    """Assign to this person the most urgent alert waiting for a decision that is nobody's
    or their team's (due first, then priority, then oldest); None when there is none. Their
    own alerts already waiting come first."""
    settings = settings or load_settings()
    me = person(actor)
    teams = tuple(TEAM + t for t in settings.teams_of(me))
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            a = m.alerts
            rows = conn.execute(select(a).where(a.c.status.in_(WAITING))).all()
            candidates = [r for r in rows if r.assignee in (None, me, *teams)]
            if not candidates:
                conn.rollback()
                return None
            listed = {r.id: r for r in candidates}
            ranked = annotate(({"id": r.id, "score": r.score, "status": r.status,
                                "created_at": r.created_at, "designations":
                                _designations(r.designations)} for r in candidates),
                              settings, now)
            ranked.sort(key=lambda x: (listed[x["id"]].assignee != me, x["due_at"],
                                       PRIORITIES.index(x["priority"]), x["id"]))
            row = conn.execute(select(a).where(a.c.id == ranked[0]["id"])
                               .with_for_update()).first()
            if row.assignee != me:
                _assign_row(conn, row, me, actor)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return {**ranked[0], "assignee": me}


def _designations(text: str | None) -> list[dict[str, Any]]:
    return json.loads(text) if text else []


def group_by_customer(alerts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The alerts by customer, in the order their first alert comes: each group with the
    customer's id and name, its alerts, the highest score and how many are overdue."""
    groups: dict[str, dict[str, Any]] = {}
    for alert in alerts:
        group = groups.setdefault(alert["customer_id"], {
            "customer_id": alert["customer_id"], "customer_name": alert.get("customer_name"),
            "alerts": [], "top_score": 0.0, "overdue": 0})
        group["alerts"].append(alert)
        group["top_score"] = max(group["top_score"], float(alert["score"]))
        group["overdue"] += bool(alert.get("overdue"))
    return list(groups.values())

