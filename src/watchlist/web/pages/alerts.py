"""The alerts pages: the review queue (sortable, filterable, by status, priority, due
date, assignee, grouped by customer, with bulk selection) and one alert with the customer
beside the listed party, the explanation, past decisions, and the decision form (proposed
for approval under four-eyes; see pages/review.py for approving, assigning, bulk).

Built on the monitor's alerts, review and assignment (`watchlist.monitor`): listing,
reading and deciding (one transaction with its audit entry) are theirs; this only shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from watchlist.errors import StoreError
from watchlist.monitor import schema as m
from watchlist.monitor.alerts import (
    DECISIONS,
    MAX_ID,
    MAX_REASON,
    AlertError,
    AlertNotFound,
    StatusConflict,
    get_alert,
    list_alerts,
    status_filter,
)
from watchlist.monitor.assignment import (
    QUEUE_SORTS,
    annotate,
    group_by_customer,
    queue_counts,
    review_queue,
)
from watchlist.monitor.review import MAX_BULK, person, propose
from watchlist.monitor.review_settings import ReviewSettings, ReviewSettingsError, load_settings
from watchlist.monitor.schema import PENDING
from watchlist.screening.readers import OTHER
from watchlist.store.store import Store
from watchlist.versions_header import use_versions
from watchlist.web.deps import CheckedForm, StoreDep, User, WebError, screener_of
from watchlist.web.explain import CUSTOMER, explain
from watchlist.web.profile_view import ProfileView, build_profile
from watchlist.web.render import PREFIX, country_name, page, redirect, url

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: The queue's tabs: (status filter, label).
TABS = (("open", "Open"), ("new", "New"), ("reopened", "Reopened"),
        ("escalated", "Escalated"), ("pending-approval", "Awaiting approval"),
        ("match", "Confirmed matches"),
        ("closed", "Decided and closed"), ("all", "All"))
#: Orders the queue can be sorted in: key -> (label, sort key, newest first?).
SORTS = QUEUE_SORTS
#: Decisions as the form offers them: (value, label, shortcut key).
CHOICES = (("match", "Match (true hit)", "m"), ("false-positive", "False positive", "f"),
           ("escalate", "Escalate", "e"))
PAGE_SIZE = 50
#: An alert's number in an address: 1 to the largest a store holds, else the page is a 422.
AlertId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: Alerts sorted or searched in memory at most; beyond, the queue is shown newest first.
MAX_SORTED = 20000
#: Customer fields shown beside the party, in this order (others follow).
CUSTOMER_FIELDS = (("name", "Name"), ("schema", "Kind"), ("birth_date", "Birth date"),
                   ("country", "Country"), ("identifier", "Identifier"))


def customer_names(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The names of these customers in the book ({} for ids no longer in it)."""
    wanted = sorted(set(ids))
    found: dict[str, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for row in conn.execute(select(m.customers.c.id, m.customers.c.data)
                                    .where(m.customers.c.id.in_(chunk))):
                name = json.loads(row.data).get("name")
                if name:
                    found[row.id] = str(name)
    return found


def _matches(alert: dict[str, Any], text: str, publisher: str, names: dict[str, str]
             ) -> bool:
    if publisher and not any(d.get("source") == publisher for d in alert["designations"]):
        return False
    if text:
        needle = text.casefold()
        return any(needle in value.casefold() for value in (
            str(alert["customer_id"]), str(alert["caption"]),
            names.get(alert["customer_id"], "")))
    return True


def queue(store: Store, status: str, sort: str, text: str, publisher: str, page_no: int,
          mine: str | None = None, overdue: bool = False,
          settings: ReviewSettings | None = None) -> tuple[list[dict[str, Any]], int, bool]:
    """One page of the queue (with priorities and due dates), how many alerts it holds in
    all, and whether the sort and filters could be applied (False for a queue too large to
    sort in memory: then newest first)."""
    settings = settings or load_settings()
    _none, total = list_alerts(store, status, limit=0)
    if total > MAX_SORTED:
        rows, total = list_alerts(store, status, limit=PAGE_SIZE,
                                  offset=(page_no - 1) * PAGE_SIZE)
        return annotate(rows, settings), total, False
    rows, _total = review_queue(store, status, mine=mine, overdue=overdue, sort=sort,
                                settings=settings)
    names = customer_names(store, (a["customer_id"] for a in rows)) if text else {}
    kept = [a for a in rows if _matches(a, text, publisher, names)]
    start = (page_no - 1) * PAGE_SIZE
    return kept[start:start + PAGE_SIZE], len(kept), True


def neighbours(store: Store, alert_id: int, status: str) -> tuple[int | None, int | None]:
    """The alerts after and before this one in its queue (newest first): (next, previous)."""
    wanted = status_filter(status)
    a = m.alerts
    query = select(a.c.id)
    if wanted is not None:
        query = query.where(a.c.status.in_(wanted))
    with store.engine.connect() as conn:
        older = conn.execute(query.where(a.c.id < alert_id).order_by(a.c.id.desc())
                             .limit(1)).scalar()
        newer = conn.execute(query.where(a.c.id > alert_id).order_by(a.c.id.asc())
                             .limit(1)).scalar()
    return older, newer


def _status(status: str) -> str:
    try:
        status_filter(status)
    except AlertError:
        raise WebError(422, f"Unknown alert status {status!r}.") from None
    return status


@router.get("/alerts")
def alerts(
    request: Request,
    store: StoreDep,
    user: User,
    status: Annotated[str, Query(max_length=30)] = "open",
    sort: Annotated[str, Query(max_length=20)] = "due",
    q: Annotated[str, Query(max_length=200)] = "",
    publisher: Annotated[str, Query(max_length=100)] = "",
    mine: Annotated[bool, Query()] = False,
    overdue: Annotated[bool, Query()] = False,
    group: Annotated[str, Query(max_length=20)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    status = _status(status)
    sort = sort if sort in SORTS else "due"
    settings = _settings()
    rows, total, sorted_ok = queue(store, status, sort, q.strip(), publisher, page_no,
                                   user.actor if mine else None, overdue, settings)
    counts = {key: list_alerts(store, key, limit=0)[1] for key, _label in TABS}
    serving = store.serving()
    use_versions(request, serving)
    names = customer_names(store, (a["customer_id"] for a in rows))
    groups = group_by_customer(
        {**a, "customer_name": names.get(a["customer_id"])} for a in rows
    ) if group == "customer" else None
    return page(request, "alerts.html", title="Alerts", versions=serving, rows=rows,
                names=names, total=total, groups=groups, group=group if groups else "",
                sorted_ok=sorted_ok, counts=counts, tabs=TABS, sorts=SORTS,
                queue_counts=queue_counts(store, user.actor, settings), mine=mine,
                overdue=overdue, status=status, sort=sort, q=q, publisher=publisher,
                page_no=page_no, pages=max(1, -(-total // PAGE_SIZE)),
                choices=CHOICES, reason_codes=settings.reason_codes, max_reason=MAX_REASON,
                max_bulk=MAX_BULK, sources=sorted(v.source for v in serving), nav="alerts")


def _settings() -> ReviewSettings:
    try:
        return load_settings()
    except ReviewSettingsError as exc:
        raise WebError(503, f"The review settings cannot be read: {exc}") from None


def _party(request: Request, store: Store, alert: dict[str, Any]) -> ProfileView | None:
    try:
        return build_profile(store, screener_of(request), str(alert["entity_id"]))
    except StoreError:
        return None  # delisted since: the alert keeps what it was raised on


def _customer_rows(customer: dict[str, Any] | None) -> list[tuple[str, str]]:
    if not customer:
        return []
    rows = []
    known = {key for key, _label in CUSTOMER_FIELDS} | {"id", "version", "removed_at"}
    for key, label in CUSTOMER_FIELDS:
        value = customer.get(key)
        if value in (None, "", []):
            continue
        values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if key == "country":
            values = [country_name(v) for v in values]
        rows.append((label, ", ".join(values)))
    for key, value in customer.items():
        if key not in known | {OTHER} and value not in (None, "", []):
            rows.append((key.replace("_", " ").capitalize(), str(value)))
    other = customer.get(OTHER)
    if isinstance(other, dict):  # the book's own columns, named as the book names them
        rows.extend((str(column), str(value)) for column, value in other.items())
    return rows


def alert_page(request: Request, store: Store, alert_id: int, status: str,
               error: str | None = None, reason: str = "", code: int = 200) -> Response:
    try:
        alert = get_alert(store, alert_id)
    except AlertNotFound:
        raise WebError(404, f"No alert {alert_id}.") from None
    customer = alert.get("customer")
    older, newer = neighbours(store, alert_id, status)
    party = _party(request, store, alert)
    versions = party.versions if party else alert.get("versions", [])
    use_versions(request, versions)
    settings = _settings()
    [timed] = annotate([alert], settings)
    user = request.state.web_user
    proposal = alert.get("proposal")
    own = bool(proposal) and person(proposal["user"] or "") == person(user.actor)
    return page(request, "alert.html", title=f"Alert {alert_id}: {alert['caption']}",
                versions=versions, alert=alert, customer=customer,
                customer_rows=_customer_rows(customer), party=party,
                aspects=explain(alert.get("explanation"), customer or {}, CUSTOMER),
                choices=CHOICES, status=status, older=older, newer=newer, error=error,
                reason=reason, max_reason=MAX_REASON, nav="alerts", status_code=code,
                timed=timed, reason_codes=settings.reason_codes, proposal=proposal,
                own_proposal=own, can_approve=user.allows("approve") and not own,
                four_eyes=[k for k, v in settings.four_eyes.items() if v],
                me=person(user.actor))


@router.get("/alerts/{alert_id}")
def alert(request: Request, alert_id: AlertId, store: StoreDep, user: User,
          status: Annotated[str, Query(max_length=30)] = "open") -> Response:
    return alert_page(request, store, alert_id, _status(status))


@router.post("/alerts/{alert_id}/decide", dependencies=[CheckedForm])
def decide_alert(
    request: Request,
    alert_id: AlertId,
    store: StoreDep,
    user: User,
    decision: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=MAX_REASON * 2)] = "",
    reason_code: Annotated[str, Form(max_length=60)] = "",
    expected_status: Annotated[str, Form(max_length=30)] = "",
    status: Annotated[str, Form(max_length=30)] = "open",
) -> Response:
    status = _status(status)
    if decision not in DECISIONS:
        return alert_page(request, store, alert_id, status, reason=reason, code=422,
                          error="Choose a decision: match, false positive or escalate.")
    try:
        done = propose(store, alert_id, decision, reason, user.actor, reason_code or None,
                       expected_status=expected_status or None, settings=_settings())
    except AlertNotFound:
        raise WebError(404, f"No alert {alert_id}.") from None
    except StatusConflict as exc:
        return alert_page(request, store, alert_id, status, reason=reason, code=409,
                          error=f"Not saved: {exc}. Look at the decision below and decide "
                                "again if you still disagree.")
    except AlertError as exc:
        return alert_page(request, store, alert_id, status, reason=reason, code=422,
                          error=f"Not saved: {str(exc).capitalize()}.")
    older, newer = neighbours(store, alert_id, status)
    label = dict((c[0], c[1]) for c in CHOICES)[decision]
    waiting = " and awaits approval by a second person" if done["status"] == PENDING else ""
    message = (f"Alert {alert_id}: {label.lower()} — saved{waiting} (audit entry "
               f"{done['audit_seq']}).")
    following = older or newer
    target = url(f"/alerts/{following}", status=status) if following else \
        url("/alerts", status=status)
    return redirect(request, target, message)
