"""The audit page: the hash-chained log of screenings and decisions, newest first, filtered
by who, what and when, with the result of verifying the whole chain (see AUTO_VERIFY)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import and_, func, select

from watchlist.errors import StoreError
from watchlist.store.audit import (
    AuditEntry,
    Verification,
    audit_head,
    audit_log,
    ensure_tables,
    since_bound,
    verify_audit,
)
from watchlist.store.store import Store, now_iso
from watchlist.web.deps import Admin, StoreDep
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PAGE_SIZE = 50
#: Logs up to this long are verified on every visit; longer ones when asked (walking the
#: chain costs about a quarter of a millisecond per entry), the result kept until then.
AUTO_VERIFY = 5000


@dataclass
class Checked:
    """The last verification of the chain: its result, how long it took, and when."""

    result: Verification
    seconds: float
    at: str
    head_seq: int


def head_seq(store: Store) -> int:
    ensure_tables(store)
    with store.engine.connect() as conn:
        return int(conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1))
                   .scalar() or 0)


def verification(request: Request, store: Store, force: bool) -> tuple[Checked | None, int]:
    """The chain's verification (run now when the log is short or when asked, else the
    last one this process ran) and how many entries the log holds."""
    cache = request.app.state.web.cache
    entries = head_seq(store)
    last: Checked | None = cache.get("audit-verified")
    if force or entries <= AUTO_VERIFY or (last is not None and not last.result.ok):
        started = time.perf_counter()
        result = verify_audit(store)
        last = Checked(result, time.perf_counter() - started, now_iso(), entries)
        cache["audit-verified"] = last
    return last, entries


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(seq=row.seq, at=row.at, actor=row.actor, action=row.action,
                      query=json.loads(row.query), versions=json.loads(row.versions),
                      hits=json.loads(row.hits), prev_hash=row.prev_hash, hash=row.hash)


def _next_day(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day[:10]) + timedelta(days=1)).isoformat()


def find_entries(store: Store, actor: str = "", action: str = "", since: str = "",
                 until: str = "", text: str = "", page_no: int = 1,
                 size: int = PAGE_SIZE) -> tuple[list[AuditEntry], int]:
    """One page of matching entries, newest first, and how many match in all."""
    ensure_tables(store)
    where = []
    if actor:
        where.append(func.lower(audit_log.c.actor).contains(actor.lower(), autoescape=True))
    if action:
        where.append(audit_log.c.action == action)
    if since:
        where.append(audit_log.c.at >= since_bound(since))
    if until:
        where.append(audit_log.c.at < since_bound(_next_day(until)))
    if text:
        needle = text.lower()
        where.append(func.lower(audit_log.c.query).contains(needle, autoescape=True)
                     | func.lower(audit_log.c.hits).contains(needle, autoescape=True))
    condition = and_(*where) if where else None
    count = select(func.count()).select_from(audit_log)
    rows = select(audit_log).order_by(audit_log.c.seq.desc()).limit(size) \
        .offset((page_no - 1) * size)
    if condition is not None:
        count, rows = count.where(condition), rows.where(condition)
    with store.engine.connect() as conn:
        total = int(conn.execute(count).scalar() or 0)
        entries = [_entry(r) for r in conn.execute(rows)]
    return entries, total


def _count(items: Any, one: str, many: str) -> str:
    n = len(items) if isinstance(items, list | dict) else 0
    return f"{n:,} {one if n == 1 else many}"


def _monitor_summary(query: dict[str, Any]) -> str:
    new = query.get("new_alerts") or []
    errors = query.get("errors") or {}
    text = (f"Monitoring run {query.get('run_id', '?')} ({query.get('mode') or 'run'}): "
            f"{_count(query.get('full'), 'customer', 'customers')} screened in full, "
            f"{_count(query.get('delta'), 'customer', 'customers')} against the lists' "
            f"changes only; {_count(new, 'new alert', 'new alerts')}")
    if new:
        shown = ", ".join(f"#{a.get('alert_id')} for {a.get('customer_id')}" for a in new[:5]
                          if isinstance(a, dict))
        text += f" ({shown}{', …' if len(new) > 5 else ''})"
    if errors:
        text += f"; {_count(errors, 'customer', 'customers')} could not be screened"
    return text + "."


_SIGN_IN = {
    "sign-in": "Signed in", "sign-out": "Signed out",
    "sign-in-failed": "Sign-in refused", "sign-in-lockout": "Account locked after too many "
    "wrong passwords", "sign-in-locked": "Sign-in refused: the account is locked",
    "sign-in-throttled": "Sign-in refused: too many failures from this address"}


def summary(entry: AuditEntry) -> str | None:
    """An entry in words where its query is not a screening's (monitor runs, sign-ins,
    profile views, report exports); None to show its fields as they are."""
    query = entry.query if isinstance(entry.query, dict) else {}
    if entry.action == "monitor":
        return _monitor_summary(query)
    if entry.action in _SIGN_IN:
        details = [f"with {'an API key' if query.get('method') == 'key' else 'a password'}"
                   if query.get("method") in ("key", "password") else "",
                   f"from {query['address']}" if query.get("address") else "",
                   f"({query['reason']})" if query.get("reason") else "",
                   f"until {query['until']} UTC" if query.get("until") else ""]
        return " ".join([_SIGN_IN[entry.action], *[d for d in details if d]]) + "."
    if entry.action == "profile-view":
        return f"Viewed the profile {query.get('entity_id')} (via {query.get('via', '?')})."
    if entry.action == "report-export":
        what = {"alert": f"the case file of alert {query.get('alert_id')}",
                "changes": f"the changes to {query.get('source')}, version "
                           f"{query.get('from')} to {query.get('to')}"
                }.get(str(query.get("report")), f"a {query.get('report')} report")
        return f"Exported {what} as {str(query.get('format', '')).upper()} " \
               f"(via {query.get('via', '?')})."
    return None


def actors(store: Store) -> list[str]:
    """Everyone in the log (for the Who filter's suggestions), at most a thousand."""
    ensure_tables(store)
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(audit_log.c.actor).distinct().limit(1000)).scalars())


def actions(store: Store) -> list[str]:
    ensure_tables(store)
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(audit_log.c.action).distinct()).scalars())


@router.get("/audit")
def audit(
    request: Request,
    store: StoreDep,
    user: Admin,
    actor: Annotated[str, Query(max_length=300)] = "",
    action: Annotated[str, Query(max_length=50)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
    verify: Annotated[bool, Query()] = False,
) -> Response:
    error = None
    try:
        if until:
            since_bound(until)
        entries, total = find_entries(store, actor, action, since, until, q, page_no)
    except (StoreError, ValueError) as exc:
        error, entries, total = f"{exc}.", [], 0
    checked, log_size = verification(request, store, verify)
    serving = store.serving()
    return page(request, "audit.html", title="Audit log", versions=serving, entries=entries,
                total=total, page_no=page_no, pages=max(1, -(-total // PAGE_SIZE)),
                filters={"actor": actor, "action": action, "since": since, "until": until,
                         "q": q},
                actions=actions(store), actors=actors(store), checked=checked,
                summaries={e.seq: summary(e) for e in entries}, log_entries=log_size,
                error=error, nav="audit",
                status_code=422 if error else 200)
