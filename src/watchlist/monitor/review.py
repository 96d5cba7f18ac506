"""Four-eyes review of alert decisions (maker-checker): an analyst proposes, a second,
different person with the `approve` role approves or rejects.

A decision whose kind needs approval (`ReviewSettings.four_eyes`; by default match and
false positive) puts the alert in `pending-approval` with the proposal on it; one that does
not (escalate) takes effect at once. Approval gives the alert the proposed decision's status
(a false positive is then suppressed as before); rejection returns it to the status it was
proposed from, with the approver's reason. Each step is a decision row and an audit entry
written in one transaction under the store's write lock (`alerts.record_transition`).
Bulk decisions are so many single decisions, each in its own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from watchlist.monitor import schema as m
from watchlist.monitor.alerts import (
    DECISIONS,
    MAX_REASON,
    AlertError,
    StatusConflict,
    check_id,
    list_alerts,
    locked_alert,
    record_transition,
)
from watchlist.monitor.review_settings import ReviewSettings, load_settings
from watchlist.store.keys import role_allows
from watchlist.store.store import Store, now_iso

__all__ = ["MAX_BULK", "ApprovalRefused", "approve", "approve_many", "decide_many",
           "pending_for", "person", "propose", "reject"]

#: Alerts one bulk decision may name.
MAX_BULK = 500


class ApprovalRefused(AlertError):
    """This person may not approve or reject this proposal (role, or their own)."""


def person(actor: str) -> str:
    """Who an actor is, whatever face they used: `user:ann` (pages), `cli:ann` (the
    login) and `ann` (--user) are one person; a key (`key:<id>:<name>`) is itself."""
    for prefix in ("user:", "cli:"):
        if actor.startswith(prefix):
            return actor[len(prefix):]
    return actor


def _reason(reason: str | None, code: str | None, settings: ReviewSettings
            ) -> tuple[str, str | None]:
    """The reason text and code of a decision, checked: a known code (required when the
    settings say so), and a text, or the code's label when only a code is given."""
    code = (code or "").strip() or None
    text = (reason or "").strip()
    if code is not None and code not in settings.reason_codes:
        raise AlertError(f"unknown reason code {code!r}; use one of "
                         f"{', '.join(settings.reason_codes)} (see `watchlist alerts codes`)")
    if code is None and settings.require_reason_code:
        raise AlertError("a decision needs a reason code (see `watchlist alerts codes`)")
    if not text:
        if code is None:
            raise AlertError("a decision needs a reason")
        text = settings.reason_codes[code]
    if len(text) > MAX_REASON:
        raise AlertError(f"the reason is {len(text)} characters; at most {MAX_REASON}")
    return text, code


def _in_transaction(store: Store, alert_id: int, work: Any) -> dict[str, Any]:
    check_id(alert_id)
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        try:
            result = work(conn, locked_alert(conn, alert_id))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return result


def propose(store: Store, alert_id: int, decision: str, reason: str | None, actor: str,
            reason_code: str | None = None, expected_status: str | None = None,
            settings: ReviewSettings | None = None) -> dict[str, Any]:
    """An analyst's decision: proposed for approval when its kind needs four-eyes, else
    taken at once. Returns the decision row as `alerts.decide` does."""
    settings = settings or load_settings()
    if decision not in DECISIONS:
        raise AlertError(f"unknown decision {decision!r}; use {', '.join(DECISIONS)}")
    text, code = _reason(reason, reason_code, settings)
    if expected_status is not None and expected_status not in m.STATUSES:
        raise AlertError(f"unknown status {expected_status!r}; use one of "
                         f"{', '.join(m.STATUSES)}")

    def work(conn: Connection, row: Any) -> dict[str, Any]:
        if expected_status is not None and row.status != expected_status:
            raise StatusConflict(
                f"alert {alert_id} is {row.status}, not {expected_status}: it was decided "
                "meanwhile (see alerts show)", row.status)
        if row.status == m.PENDING:
            raise StatusConflict(
                f"alert {alert_id} awaits approval of {row.proposed_decision!r} proposed by "
                f"{row.proposed_by}: an approver approves or rejects it first", row.status)
        if not settings.needs_approval(decision):
            return record_transition(conn, row, decision, DECISIONS[decision], text, actor,
                                     decided=True, reason_code=code)
        proposal = {"proposed_decision": decision, "proposed_reason_code": code,
                    "proposed_reason": text, "proposed_by": actor,
                    "proposed_at": now_iso(), "proposed_from": row.status}
        return record_transition(conn, row, decision, m.PENDING, text, actor,
                                 values=proposal, reason_code=code)

    return _in_transaction(store, alert_id, work)


def _check_approver(row: Any, actor: str, role: str, what: str) -> None:
    if row.status != m.PENDING or not row.proposed_decision:
        raise StatusConflict(f"alert {row.id} is {row.status}: no decision awaits approval",
                             row.status)
    if not role_allows(role, "approve"):
        raise ApprovalRefused(f"to {what} a decision needs the approve role; {actor} has the "
                              f"{role} role")
    if person(actor) == person(row.proposed_by or ""):
        raise ApprovalRefused(f"nobody may {what} their own decision: {row.proposed_by} "
                              f"proposed {row.proposed_decision!r} on alert {row.id}; another "
                              "approver must")


def approve(store: Store, alert_id: int, actor: str, role: str, reason: str | None = None,
            expected_decision: str | None = None) -> dict[str, Any]:
    """Approve the decision proposed on an alert: it takes effect, recorded as `approve`
    by `actor` (whose role must allow approving, and who did not propose it)."""
    note = (reason or "").strip()
    if len(note) > MAX_REASON:
        raise AlertError(f"the reason is {len(note)} characters; at most {MAX_REASON}")

    def work(conn: Connection, row: Any) -> dict[str, Any]:
        _check_approver(row, actor, role, "approve")
        if expected_decision is not None and row.proposed_decision != expected_decision:
            raise StatusConflict(f"alert {alert_id}'s proposal is {row.proposed_decision!r}, "
                                 f"not {expected_decision!r}", row.status)
        decision = row.proposed_decision
        text = note or f"approved {decision}: {row.proposed_reason}"
        return record_transition(conn, row, "approve", DECISIONS[decision], text, actor,
                                 decided=True, reason_code=row.proposed_reason_code,
                                 proposal=decision)

    return _in_transaction(store, alert_id, work)


def reject(store: Store, alert_id: int, actor: str, role: str, reason: str) -> dict[str, Any]:
    """Reject the decision proposed on an alert: it returns to the status it was proposed
    from, with the approver's reason, for the analyst to decide again."""
    text = (reason or "").strip()
    if not text:
        raise AlertError("a rejection needs a reason (what the analyst should look at)")
    if len(text) > MAX_REASON:
        raise AlertError(f"the reason is {len(text)} characters; at most {MAX_REASON}")

    def work(conn: Connection, row: Any) -> dict[str, Any]:
        _check_approver(row, actor, role, "reject")
        back = row.proposed_from if row.proposed_from in m.STATUSES else "new"
        return record_transition(conn, row, "reject", back, text, actor,
                                 reason_code=row.proposed_reason_code,
                                 proposal=row.proposed_decision)

    return _in_transaction(store, alert_id, work)


def decide_many(store: Store, alert_ids: Iterable[int], decision: str, reason: str | None,
                actor: str, reason_code: str | None = None,
                settings: ReviewSettings | None = None) -> dict[str, Any]:
    """One decision on several alerts, each its own proposal (or decision) with its own
    audit entry; an alert that cannot take it is reported and the others go on."""
    ids = list(dict.fromkeys(int(i) for i in alert_ids))
    if not ids:
        raise AlertError("choose at least one alert")
    if len(ids) > MAX_BULK:
        raise AlertError(f"{len(ids)} alerts at once; at most {MAX_BULK}")
    settings = settings or load_settings()
    _reason(reason, reason_code, settings)  # refuse a bad reason before touching any alert
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for alert_id in ids:
        try:
            done.append(propose(store, alert_id, decision, reason, actor, reason_code,
                                settings=settings))
        except AlertError as exc:
            failed.append({"alert_id": alert_id, "error": str(exc)})
    return {"decided": done, "failed": failed}


def approve_many(store: Store, alert_ids: Iterable[int], actor: str, role: str
                 ) -> dict[str, Any]:
    """Approve several proposals, each in its own transaction with its own audit entry."""
    ids = list(dict.fromkeys(int(i) for i in alert_ids))
    if len(ids) > MAX_BULK:
        raise AlertError(f"{len(ids)} alerts at once; at most {MAX_BULK}")
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for alert_id in ids:
        try:
            done.append(approve(store, alert_id, actor, role))
        except AlertError as exc:
            failed.append({"alert_id": alert_id, "error": str(exc)})
    return {"decided": done, "failed": failed}


def pending_for(store: Store, actor: str) -> list[dict[str, Any]]:
    """The approver's queue: alerts awaiting approval, oldest proposal first, each marked
    `own` when this person proposed it (they may not approve it)."""
    rows, _total = list_alerts(store, m.PENDING)
    me = person(actor)
    found = [{**a, "own": person(a["proposal"]["user"] or "") == me}
             for a in rows if a["proposal"] is not None]
    return sorted(found, key=lambda a: (a["proposal"]["at"] or "", a["id"]))
