"""The review pages beyond one decision: the approver's queue (decisions awaiting a second
person, approved or rejected one by one or in bulk), approving and rejecting from an alert,
assigning an alert, "take next", and one decision on several alerts of the queue.

The work is the core's (`watchlist.monitor.review` and `assignment`): each step is its own
transaction with its audit entry; this reads the forms and says what was done.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchlist.monitor.alerts import MAX_REASON, AlertError, AlertNotFound, StatusConflict
from watchlist.monitor.assignment import annotate, take_next
from watchlist.monitor.assignment import assign as assign_alert
from watchlist.monitor.review import (
    MAX_BULK,
    ApprovalRefused,
    approve,
    decide_many,
    pending_for,
    reject,
)
from watchlist.monitor.review_settings import ReviewSettingsError, load_settings
from watchlist.versions_header import use_versions
from watchlist.web.deps import CheckedForm, StoreDep, User, WebError
from watchlist.web.pages.alerts import AlertId
from watchlist.web.render import PREFIX, page, redirect, url

router = APIRouter(prefix=PREFIX, include_in_schema=False)

#: Where a form may send the browser back to: the queue, the approver's queue, the alert.
BACK = ("alerts", "approvals", "alert")


def _approver(user: Any) -> None:
    if not user.allows("approve"):
        raise WebError(403, "Approving decisions needs the approve role; your role is "
                            f"{user.role}.")


def _back(to: str, alert_id: int | None = None, status: str = "open") -> str:
    if to == "approvals":
        return url("/approvals")
    if to == "alert" and alert_id is not None:
        return url(f"/alerts/{alert_id}", status=status)
    return url("/alerts", status=status)


def _ids(values: list[str]) -> list[int]:
    found = []
    for value in values:
        try:
            number = int(value)
        except ValueError:
            raise WebError(422, f"{value!r} is not an alert number.") from None
        if number >= 1:
            found.append(number)
    return found


def _summary(what: str, result: dict[str, Any]) -> str:
    done = len(result["decided"])
    text = f"{what}: {done} alert{'s' if done != 1 else ''}"
    if result["decided"]:
        first, last = result["decided"][0]["audit_seq"], result["decided"][-1]["audit_seq"]
        text += f" (audit entries {first}–{last})" if done > 1 else f" (audit entry {first})"
    if result["failed"]:
        text += "; not done: " + "; ".join(f"#{f['alert_id']}: {f['error']}"
                                           for f in result["failed"][:5])
    return text + "."


@router.get("/approvals")
def approvals(request: Request, store: StoreDep, user: User) -> Response:
    _approver(user)
    try:
        settings = load_settings()
    except ReviewSettingsError as exc:
        raise WebError(503, f"The review settings cannot be read: {exc}") from None
    rows = annotate(pending_for(store, user.actor), settings)
    serving = store.serving()
    use_versions(request, serving)
    return page(request, "approvals.html", title="Approvals", versions=serving, rows=rows,
                reason_codes=settings.reason_codes, max_reason=MAX_REASON, max_bulk=MAX_BULK,
                nav="approvals")


@router.post("/approvals", dependencies=[CheckedForm])
def approve_selected(
    request: Request,
    store: StoreDep,
    user: User,
    alert_id: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006 - FastAPI's form list
    action: Annotated[str, Form(max_length=20)] = "approve",
    reason: Annotated[str, Form(max_length=MAX_REASON * 2)] = "",
) -> Response:
    _approver(user)
    ids = _ids(alert_id)
    if not ids:
        return redirect(request, url("/approvals"), "Nothing done: select the decisions "
                        "to approve or reject first.")
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for number in ids:
        try:
            if action == "reject":
                done.append(reject(store, number, user.actor, user.role, reason))
            else:
                done.append(approve(store, number, user.actor, user.role, reason))
        except AlertError as exc:
            failed.append({"alert_id": number, "error": str(exc)})
    what = "Rejected" if action == "reject" else "Approved"
    return redirect(request, url("/approvals"), _summary(what, {"decided": done,
                                                                "failed": failed}))


@router.post("/alerts/{alert_id}/approve", dependencies=[CheckedForm])
def approve_one(
    request: Request,
    alert_id: AlertId,
    store: StoreDep,
    user: User,
    action: Annotated[str, Form(max_length=20)] = "approve",
    reason: Annotated[str, Form(max_length=MAX_REASON * 2)] = "",
    expected_decision: Annotated[str, Form(max_length=30)] = "",
    back: Annotated[str, Form(max_length=20)] = "approvals",
    status: Annotated[str, Form(max_length=30)] = "open",
) -> Response:
    _approver(user)
    try:
        if action == "reject":
            done = reject(store, alert_id, user.actor, user.role, reason)
            message = (f"Alert {alert_id}: {done['proposal']} rejected; back to "
                       f"{done['status']} (audit entry {done['audit_seq']}).")
        else:
            done = approve(store, alert_id, user.actor, user.role, reason,
                           expected_decision or None)
            message = (f"Alert {alert_id}: {done['proposal']} approved; now "
                       f"{done['status']} (audit entry {done['audit_seq']}).")
    except AlertNotFound:
        raise WebError(404, f"No alert {alert_id}.") from None
    except ApprovalRefused as exc:
        raise WebError(403, f"Not done: {exc}.") from None
    except (StatusConflict, AlertError) as exc:
        return redirect(request, url(f"/alerts/{alert_id}", status=status),
                        f"Not done: {exc}.")
    return redirect(request, _back(back if back in BACK else "approvals", alert_id, status),
                    message)


@router.post("/alerts/{alert_id}/assign", dependencies=[CheckedForm])
def assign(
    request: Request,
    alert_id: AlertId,
    store: StoreDep,
    user: User,
    assignee: Annotated[str, Form(max_length=400)] = "",
    status: Annotated[str, Form(max_length=30)] = "open",
) -> Response:
    target = user.actor if assignee.strip() == "me" else assignee
    try:
        done = assign_alert(store, alert_id, target, user.actor)
    except AlertNotFound:
        raise WebError(404, f"No alert {alert_id}.") from None
    except (AlertError, ReviewSettingsError) as exc:
        return redirect(request, url(f"/alerts/{alert_id}", status=status), f"Not done: {exc}.")
    return redirect(request, url(f"/alerts/{alert_id}", status=status),
                    f"Alert {alert_id}: {done['reason']} (audit entry {done['audit_seq']}).")


@router.post("/alerts/next", dependencies=[CheckedForm])
def next_alert(request: Request, store: StoreDep, user: User) -> Response:
    try:
        taken = take_next(store, user.actor)
    except ReviewSettingsError as exc:
        raise WebError(503, f"The review settings cannot be read: {exc}") from None
    if taken is None:
        return redirect(request, url("/alerts"), "Nothing waits for a decision: the queue "
                        "is clear.")
    return redirect(request, url(f"/alerts/{taken['id']}"),
                    f"Alert {taken['id']} is yours: {taken['priority']} priority, due "
                    f"{taken['due_at'][:16].replace('T', ' ')}.")


@router.post("/alerts/bulk", dependencies=[CheckedForm])
def bulk(
    request: Request,
    store: StoreDep,
    user: User,
    alert_id: Annotated[list[str], Form(max_length=MAX_BULK)] = [],  # noqa: B006 - FastAPI's form list
    decision: Annotated[str, Form(max_length=30)] = "",
    reason_code: Annotated[str, Form(max_length=60)] = "",
    reason: Annotated[str, Form(max_length=MAX_REASON * 2)] = "",
    status: Annotated[str, Form(max_length=30)] = "open",
) -> Response:
    back = url("/alerts", status=status)
    ids = _ids(alert_id)
    try:
        result = decide_many(store, ids, decision, reason, user.actor, reason_code or None)
    except (AlertError, ReviewSettingsError) as exc:
        return redirect(request, back, f"Nothing decided: {exc}.")
    return redirect(request, back, _summary(f"Decided {decision}", result))
