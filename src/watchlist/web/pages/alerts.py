"""The alerts pages: the review queue (sortable, filterable, by status) and one alert with
the customer beside the listed party, the explanation, past decisions, and the decision form.

Built on the monitor's alerts (`watchlist.monitor.alerts`): listing, reading and deciding
(one transaction with its audit entry) are theirs; this only shows them.
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
    decide,
    get_alert,
    list_alerts,
    status_filter,
)
from watchlist.store.store import Store
from watchlist.versions_header import use_versions
from watchlist.web.deps import CheckedForm, StoreDep, User, WebError, screener_of
from watchlist.web.explain import CUSTOMER, explain
from watchlist.web.profile_view import ProfileView, build_profile
from watchlist.web.render import PREFIX, country_name, page, redirect, url

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: The queue's tabs: (status filter, label).
TABS = (("open", "Open"), ("new", "New"), ("reopened", "Reopened"),
        ("escalated", "Escalated"), ("match", "Confirmed matches"),
        ("closed", "Decided and closed"), ("all", "All"))
#: Orders the queue can be sorted in: key -> (label, sort key, newest first?).
SORTS = {
    "newest": "Newest first", "oldest": "Oldest first", "score": "Highest score",
    "customer": "Customer", "party": "Listed party",
}
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


def _sort_key(sort: str) -> Any:
    if sort == "score":
        return lambda a: (-float(a["score"]), -int(a["id"]))
    if sort == "customer":
        return lambda a: (str(a["customer_id"]).casefold(), -int(a["id"]))
    if sort == "party":
        return lambda a: (str(a["caption"]).casefold(), -int(a["id"]))
    if sort == "oldest":
        return lambda a: int(a["id"])
    return lambda a: -int(a["id"])


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


def queue(store: Store, status: str, sort: str, text: str, publisher: str, page_no: int
          ) -> tuple[list[dict[str, Any]], int, bool]:
    """One page of the queue, how many alerts it holds in all, and whether the sort and
    filters could be applied (False for a queue too large to sort in memory)."""
    if sort == "newest" and not text and not publisher:
        rows, total = list_alerts(store, status, limit=PAGE_SIZE,
                                  offset=(page_no - 1) * PAGE_SIZE)
        return rows, total, True
    _none, total = list_alerts(store, status, limit=0)
    if total > MAX_SORTED:
        rows, total = list_alerts(store, status, limit=PAGE_SIZE,
                                  offset=(page_no - 1) * PAGE_SIZE)
        return rows, total, False
    rows, _total = list_alerts(store, status)
    names = customer_names(store, (a["customer_id"] for a in rows)) if text else {}
    kept = sorted((a for a in rows if _matches(a, text, publisher, names)),
                  key=_sort_key(sort))
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
    sort: Annotated[str, Query(max_length=20)] = "newest",
    q: Annotated[str, Query(max_length=200)] = "",
    publisher: Annotated[str, Query(max_length=100)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    status = _status(status)
    sort = sort if sort in SORTS else "newest"
    rows, total, sorted_ok = queue(store, status, sort, q.strip(), publisher, page_no)
    counts = {key: list_alerts(store, key, limit=0)[1] for key, _label in TABS}
    serving = store.serving()
    use_versions(request, serving)
    return page(request, "alerts.html", title="Alerts", versions=serving, rows=rows,
                names=customer_names(store, (a["customer_id"] for a in rows)), total=total,
                sorted_ok=sorted_ok, counts=counts, tabs=TABS, sorts=SORTS,
                status=status, sort=sort, q=q, publisher=publisher, page_no=page_no,
                pages=max(1, -(-total // PAGE_SIZE)),
                sources=sorted(v.source for v in serving), nav="alerts")


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
        if key not in known and value not in (None, "", []):
            rows.append((key.replace("_", " ").capitalize(), str(value)))
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
    return page(request, "alert.html", title=f"Alert {alert_id}: {alert['caption']}",
                versions=versions, alert=alert, customer=customer,
                customer_rows=_customer_rows(customer), party=party,
                aspects=explain(alert.get("explanation"), customer or {}, CUSTOMER),
                choices=CHOICES, status=status, older=older, newer=newer, error=error,
                reason=reason, max_reason=MAX_REASON, nav="alerts", status_code=code)


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
    expected_status: Annotated[str, Form(max_length=30)] = "",
    status: Annotated[str, Form(max_length=30)] = "open",
) -> Response:
    status = _status(status)
    if decision not in DECISIONS:
        return alert_page(request, store, alert_id, status, reason=reason, code=422,
                          error="Choose a decision: match, false positive or escalate.")
    try:
        done = decide(store, alert_id, decision, reason, user.actor,
                      expected_status=expected_status or None)
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
    message = f"Alert {alert_id}: {label.lower()} — saved (audit entry {done['audit_seq']})."
    following = older or newer
    target = url(f"/alerts/{following}", status=status) if following else \
        url("/alerts", status=status)
    return redirect(request, target, message)
