"""Alerts and the decisions on them: list, show, decide; every decision audited.

An alert is one (customer, designated party) hit with its score, explanation and the list
versions that raised it. Its status is `new` until an analyst decides:

* `match` (confirmed: stays open for action), `escalate` (status `escalated`, open),
* `false-positive`: closed, and suppressed on later runs until the customer's record or
  the listing changes; then the monitor reopens it (`reopened`) with the change shown.

The monitor itself moves alerts to `delisted` (the party left every list), `reopened`,
and `closed` (the customer left the book), each recorded like a decision (by
`system:monitor`).

A decision is one transaction: it takes the store's write lock (SQLite BEGIN IMMEDIATE;
PostgreSQL the audit log's advisory lock and SELECT ... FOR UPDATE on the alert row),
re-reads the alert, records the decision with the status it saw, updates the alert and
appends the audit entry, so two analysts deciding at once are serialised, the second sees
the first, and no decision is ever stored without its audit entry, nor the reverse.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from watchlist.errors import WatchlistError
from watchlist.metrics import ALERTS_DECIDED
from watchlist.monitor import schema as m
from watchlist.store.audit import append_audit_in, begin_write
from watchlist.store.store import Store, now_iso

__all__ = [
    "DECISIONS",
    "MAX_ID",
    "MAX_OFFSET",
    "AlertError",
    "AlertNotFound",
    "StatusConflict",
    "alert_dict",
    "close_customer_alerts",
    "customer_names",
    "decide",
    "get_alert",
    "list_alerts",
    "status_filter",
]

#: Decision -> the status it gives the alert.
DECISIONS = {"match": "match", "false-positive": "false-positive", "escalate": "escalated"}
SYSTEM = "system:monitor"
#: The columns of a proposal awaiting approval (`proposed_<name>` on alerts).
PROPOSAL_FIELDS = ("decision", "reason_code", "reason", "by", "at", "from")
MAX_REASON = 4000
#: The largest id a store can hold (a signed 64-bit integer): a larger one names no alert.
MAX_ID = 2**63 - 1
#: The furthest a page of alerts may start (the API's `offset`): more than any book raises.
MAX_OFFSET = 1_000_000_000


class AlertError(WatchlistError):
    """A decision or query on alerts that cannot be done."""


class AlertNotFound(AlertError):
    """No alert with that id."""


class StatusConflict(AlertError):
    """The alert's status is not the one the caller expected (someone decided first)."""

    def __init__(self, message: str, current: str) -> None:
        super().__init__(message)
        self.current = current


def _loads(text: str | None, default: Any = None) -> Any:
    return json.loads(text) if text else default


def alert_dict(row: Any, decisions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An alert row as JSON: customer, party, score, explanation, versions, status..."""
    data = {
        "id": row.id, "customer_id": row.customer_id, "profile_id": row.profile_id,
        "entity_id": row.entity_id, "entity_ids": _loads(row.entity_ids, []),
        "matched_entity_id": row.matched_entity_id, "caption": row.caption,
        "schema": row.schema, "score": row.score, "status": row.status,
        "open": row.status in m.OPEN_STATUSES, "cause": row.cause,
        "designations": _loads(row.designations, []),
        "explanation": _loads(row.explanation, {}), "versions": _loads(row.versions, []),
        "created_at": row.created_at, "updated_at": row.updated_at, "run_id": row.run_id,
        "last_seen_run": row.last_seen_run, "changes": _loads(row.changes),
        "assignee": row.assignee, "assigned_at": row.assigned_at,
        "proposal": ({"decision": row.proposed_decision, "reason_code":
                      row.proposed_reason_code, "reason": row.proposed_reason,
                      "user": row.proposed_by, "at": row.proposed_at,
                      "from_status": row.proposed_from}
                     if row.status == m.PENDING and row.proposed_decision else None),
    }
    if decisions is not None:
        data["decisions"] = decisions
    return data


def _decision_dict(row: Any) -> dict[str, Any]:
    return {"id": row.id, "alert_id": row.alert_id, "decision": row.decision,
            "previous_status": row.previous_status, "status": row.status,
            "reason": row.reason, "reason_code": row.reason_code, "proposal": row.proposal,
            "user": row.actor, "at": row.at, "audit_seq": row.audit_seq}


def status_filter(status: str | None) -> tuple[str, ...] | None:
    """The statuses a `--status` filter means: `open` (needing action), `closed`, or one
    status; None for all."""
    if status is None or status == "all":
        return None
    if status == "open":
        return m.OPEN_STATUSES
    if status == "closed":
        return m.CLOSED_STATUSES
    if status in m.STATUSES:
        return (status,)
    raise AlertError(f"unknown status {status!r}; use open, closed, all or one of "
                     f"{', '.join(m.STATUSES)}")


def list_alerts(store: Store, status: str | None = None, customer: str | None = None,
                limit: int | None = None, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """A page of alerts (newest first) and how many match the filters."""
    if not 0 <= offset <= MAX_OFFSET:
        raise AlertError(f"offset {offset} is out of range: 0 to {MAX_OFFSET}")
    m.ensure_tables(store.engine)
    a = m.alerts
    wanted = status_filter(status)
    conditions: list[Any] = []
    if wanted is not None:
        conditions.append(a.c.status.in_(wanted))
    if customer is not None:
        conditions.append(a.c.customer_id == customer)
    query = select(a).where(*conditions).order_by(a.c.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
        total = conn.execute(select(func.count()).select_from(a).where(*conditions)).scalar()
        names = customer_names(conn, sorted({r.customer_id for r in rows}))
    return ([{**alert_dict(r), "customer_name": names.get(r.customer_id)} for r in rows],
            int(total or 0))


def customer_names(conn: Connection, customer_ids: list[str]) -> dict[str, str]:
    """{customer id: its name as the book has it now (several joined by " / ")}."""
    c = m.customers
    names: dict[str, str] = {}
    for start in range(0, len(customer_ids), 500):
        for row in conn.execute(select(c.c.id, c.c.data).where(
                c.c.id.in_(customer_ids[start:start + 500]))):
            name = json.loads(row.data).get("name")
            names[row.id] = " / ".join(name) if isinstance(name, list) else str(name or "")
    return names


def check_id(alert_id: int) -> None:
    """AlertNotFound for an id no store can hold (the database would overflow on it)."""
    if not 1 <= alert_id <= MAX_ID:
        raise AlertNotFound(f"no alert {alert_id}")


def get_alert(store: Store, alert_id: int) -> dict[str, Any]:
    """One alert with its decisions (oldest first) and the customer record, or AlertNotFound."""
    check_id(alert_id)
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        row = conn.execute(select(m.alerts).where(m.alerts.c.id == alert_id)).first()
        if row is None:
            raise AlertNotFound(f"no alert {alert_id}")
        decisions = [_decision_dict(d) for d in conn.execute(
            select(m.alert_decisions).where(m.alert_decisions.c.alert_id == alert_id)
            .order_by(m.alert_decisions.c.id))]
        customer = conn.execute(select(m.customers).where(
            m.customers.c.id == row.customer_id)).first()
    data = alert_dict(row, decisions)
    if customer is not None:
        data["customer"] = {"id": customer.id, **json.loads(customer.data),
                            "version": customer.version, "removed_at": customer.removed_at}
    return data



def locked_alert(conn: Connection, alert_id: int) -> Any:
    """Begin a write and read alert `alert_id` locked for it (PostgreSQL: FOR UPDATE), or
    AlertNotFound: what every change of one alert starts with."""
    begin_write(conn)
    row = conn.execute(select(m.alerts).where(m.alerts.c.id == alert_id)
                       .with_for_update()).first()
    if row is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return row


def decide(store: Store, alert_id: int, decision: str, reason: str, actor: str,
           expected_status: str | None = None) -> dict[str, Any]:
    """Record an analyst's decision on an alert (see the module docstring); returns the
    decision, with the status it found (`previous_status`) and its audit entry's seq."""
    if decision not in DECISIONS:
        raise AlertError(f"unknown decision {decision!r}; use {', '.join(DECISIONS)}")
    reason = (reason or "").strip()
    if not reason:
        raise AlertError("a decision needs a reason")
    if len(reason) > MAX_REASON:
        raise AlertError(f"the reason is {len(reason)} characters; at most {MAX_REASON}")
    if expected_status is not None and expected_status not in m.STATUSES:
        raise AlertError(f"unknown status {expected_status!r}; use one of "
                         f"{', '.join(m.STATUSES)}")
    check_id(alert_id)
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        try:
            row = locked_alert(conn, alert_id)
            if expected_status is not None and row.status != expected_status:
                raise StatusConflict(
                    f"alert {alert_id} is {row.status}, not {expected_status}: it was decided "
                    "meanwhile (see alerts show)", row.status)
            result = record_transition(conn, row, decision, DECISIONS[decision], reason, actor,
                                       decided=True)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    ALERTS_DECIDED.labels(decision).inc()
    return result


def record_transition(conn: Connection, row: Any, decision: str, status: str, reason: str,
                      actor: str, decided: bool = False, changes: Any = None,
                      values: dict[str, Any] | None = None, reason_code: str | None = None,
                      proposal: str | None = None) -> dict[str, Any]:
    """Move an alert (a row read under the write lock) to `status`: the decision row, the
    alert update and the audit entry, in the caller's transaction. Leaving
    `pending-approval` clears the proposal."""
    now = now_iso()
    update_values: dict[str, Any] = {"status": status, "updated_at": now}
    if row.status == m.PENDING and status != m.PENDING:
        update_values.update({f"proposed_{k}": None for k in PROPOSAL_FIELDS})
    update_values.update(values or {})
    if decided:  # what the analyst saw: the suppression lasts until one of these changes
        update_values.update(decided_customer_hash=row.customer_hash,
                             decided_listing_hash=row.listing_hash,
                             decided_versions=row.versions)
    if changes is not None:
        update_values["changes"] = json.dumps(changes, ensure_ascii=False)
    conn.execute(update(m.alerts).where(m.alerts.c.id == row.id).values(**update_values))
    versions = _loads(row.versions, [])
    audit_query = {"alert_id": row.id, "customer_id": row.customer_id,
                   "profile_id": row.profile_id, "decision": decision, "reason": reason,
                   "previous_status": row.status, "status": status}
    if reason_code is not None:
        audit_query["reason_code"] = reason_code
    if proposal is not None:
        audit_query["proposal"] = proposal
    if changes is not None:
        audit_query["changes"] = changes
    [entry] = append_audit_in(conn, [(actor, f"alert-{decision}", audit_query, versions,
                                      [{"entity_id": row.entity_id, "profile_id": row.profile_id,
                                        "caption": row.caption, "score": row.score}])])
    seq = entry.seq
    decision_id = new_id(conn.execute(insert(m.alert_decisions).values(
        alert_id=row.id, decision=decision, previous_status=row.status, status=status,
        reason=reason, actor=actor, at=now, customer_hash=row.customer_hash,
        listing_hash=row.listing_hash, audit_seq=seq, reason_code=reason_code,
        proposal=proposal)))
    return {"id": decision_id, "alert_id": row.id, "decision": decision,
            "previous_status": row.status, "status": status, "reason": reason,
            "reason_code": reason_code, "proposal": proposal, "user": actor, "at": now,
            "audit_seq": seq}


def new_id(result: Any) -> int:
    """The primary key an INSERT made."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise AlertError("the database returned no key for a new row")
    return int(key[0])


def close_customer_alerts(conn: Connection, customer_id: str, actor: str, reason: str) -> int:
    """Close the open alerts of a customer leaving the book (in the caller's transaction)."""
    rows = conn.execute(select(m.alerts).where(m.alerts.c.customer_id == customer_id,
                                               m.alerts.c.status.in_(m.OPEN_STATUSES))
                        .with_for_update()).all()
    for row in rows:
        record_transition(conn, row, "closed", "closed", reason, actor)
    return len(rows)


def versions_json(versions: list[dict[str, Any]]) -> str:
    """The list versions an alert names, with their store ids (to diff against later)."""
    keep = ("id", "source", "version", "published", "sha256")
    return json.dumps([{k: v.get(k) for k in keep} for v in versions], ensure_ascii=False)
