"""Alerts of the monitored customer book: GET /alerts, GET /alerts/{id},
POST /alerts/{id}/decision; and GET /diff/{source}, what changed between list versions.

Any key (role `screen`, `approve` or `admin`) may read alerts and decide them: analysts
screen and decide with the same keys. Under four-eyes (by default a match and a false
positive) a decision is proposed: the alert reads `pending-approval` until a key of another
with the approve role approves or rejects it (routers/review.py). A decision is recorded as
the key (`key:<id>:<name>`), in the alert's history and in the audit log, in one
transaction; two decisions on one alert at once are serialised, the second seeing the first
(`previous_status`). Send `expected_status` to be refused (409) rather than decide over
someone else's decision.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import error_responses
from watchlist.errors import StoreError
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor.alerts import MAX_ID, MAX_OFFSET, AlertError, AlertNotFound, StatusConflict
from watchlist.monitor.assignment import queue_counts, review_queue
from watchlist.monitor.review import propose
from watchlist.monitor.review_settings import ReviewSettingsError
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Monitoring"])

#: An alert's status, as `expected_status` names it.
Status = Literal["new", "reopened", "escalated", "match", "pending-approval", "false-positive",
                 "delisted", "closed"]
#: What the list may be filtered by: open, closed, all, or one status.
StatusFilter = Literal["open", "closed", "all", "new", "reopened", "escalated", "match",
                       "pending-approval", "false-positive", "delisted"]
Sort = Literal["newest", "due", "oldest", "score", "customer", "party"]
#: A version of a list in a query: its number, or a date (the version serving then).
VERSION_SPEC: dict[str, Any] = {"pattern": "^([0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2})$"}
AlertId = Annotated[int, Path(ge=1, le=MAX_ID, description="The alert id (1 to 2^63-1; "
                                                           "another number is a 422).")]


class DecisionRequest(BaseModel):
    """An analyst's decision on an alert."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["match", "false-positive", "escalate"] = Field(
        description="match (confirmed: stays open for action), false-positive (suppressed "
        "until the customer or the listing changes), escalate.")
    reason: str = Field(default="", max_length=alerts_mod.MAX_REASON,
                        description="Why, in words; kept in the audit log. May be left out "
                        "with a reason_code, whose label is then the reason.")
    reason_code: str | None = Field(default=None, max_length=60,
                                    description="One of GET /review/settings' reason codes.")
    expected_status: Status | None = Field(
        default=None, description="Refuse with 409 if the alert's status is no longer this "
        "one (someone decided meanwhile).")


class AlertList(BaseModel):
    total: int = Field(description="Alerts matching the filters.")
    limit: int
    offset: int
    alerts: list[dict[str, Any]] = Field(description="In the order asked (newest first by "
                                         "default): id, customer_id, customer_name, "
                                         "profile_id, entity_id, caption, score, status, "
                                         "priority, due_at, age_days, overdue, assignee, "
                                         "proposal, designations, explanation, versions...")
    counts: dict[str, Any] = Field(description="Open alerts: open, overdue, "
                                   "pending_approval, unassigned, by_priority, mine.")


class Decision(BaseModel):
    id: int
    alert_id: int
    decision: str
    previous_status: str = Field(description="The status the decision found.")
    status: str = Field(description="The alert's status after it.")
    reason: str
    reason_code: str | None = None
    proposal: str | None = Field(default=None, description="For an approval or rejection: "
                                 "the decision proposed.")
    user: str
    at: str
    audit_seq: int | None = Field(description="Its entry in the audit log.")


class DecisionResponse(BaseModel):
    decision: Decision
    alert: dict[str, Any]


@router.get("/alerts", response_model=AlertList, summary="List alerts",
            responses=error_responses(401, 403, 422))
def list_alerts(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    status: Annotated[StatusFilter, Query(description="open (needing action: new, reopened, "
                                          "escalated, match, pending-approval), closed, all, "
                                          "or one status.")] = "open",
    customer: Annotated[str | None, Query(description="One customer's alerts.")] = None,
    assignee: Annotated[str | None, Query(max_length=300, description="A user's, a team's "
                                          "(team:NAME), or - for nobody's.")] = None,
    mine: Annotated[bool, Query(description="The calling key's and its teams'.")] = False,
    overdue: Annotated[bool, Query(description="Only those past their due date.")] = False,
    sort: Annotated[Sort, Query(description="newest (default), due (most urgent first), "
                                "oldest, score, customer, party.")] = "newest",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Alerts to skip (at most "
                                 "1,000,000,000).")] = 0,
) -> dict[str, Any]:
    """Alerts raised by `watchlist monitor`; each names the customer and the listed party,
    with the score, its explanation, the list versions, its priority, due date and
    assignee; with the queue's counts (overdue among them)."""
    try:
        found, total = review_queue(store, status, customer, assignee,
                                    caller.actor if mine else None, overdue, sort, limit,
                                    offset)
        counts = queue_counts(store, caller.actor)
    except ReviewSettingsError as exc:
        raise ApiError(503, f"review settings: {exc}") from None
    except AlertError as exc:
        raise ApiError(422, f"status: {exc}") from None
    use_versions(request, store.serving())
    return {"total": total, "limit": limit, "offset": offset, "alerts": found,
            "counts": counts}


@router.get("/alerts/{alert_id}", summary="An alert with its decisions",
            responses=error_responses(401, 403, 404, 422))
def get_alert(
    request: Request,
    store: StoreDep,
    _caller: ScreenCaller,
    alert_id: AlertId,
) -> dict[str, Any]:
    """One alert: customer record, listed party, score and explanation, list versions,
    what changed when it reopened, and every decision (oldest first)."""
    try:
        alert = alerts_mod.get_alert(store, alert_id)
    except AlertNotFound as exc:
        raise ApiError(404, str(exc)) from None
    use_versions(request, store.serving())
    return alert


@router.post("/alerts/{alert_id}/decision", response_model=DecisionResponse,
             summary="Decide an alert (proposed under four-eyes)",
             responses=error_responses(400, 401, 403, 404, 409, 413, 422))
def decide(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    alert_id: AlertId,
    body: DecisionRequest,
) -> dict[str, Any]:
    """Record a decision (by the calling key) and answer with it and the alert after it.
    When its kind needs four-eyes the alert is `pending-approval` until approved."""
    try:
        decision = propose(store, alert_id, body.decision, body.reason, caller.actor,
                           body.reason_code, body.expected_status)
    except ReviewSettingsError as exc:
        raise ApiError(503, f"review settings: {exc}") from None
    except AlertNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except StatusConflict as exc:
        raise ApiError(409, str(exc), status_now=exc.current) from None
    except AlertError as exc:
        raise ApiError(422, str(exc)) from None
    use_versions(request, store.serving())
    return {"decision": decision, "alert": alerts_mod.get_alert(store, alert_id)}


@router.get("/diff/{source}", summary="What changed between two versions of a list",
            responses=error_responses(401, 403, 404, 422))
def diff(
    request: Request,
    store: StoreDep,
    _caller: ScreenCaller,
    source: Annotated[str, Path(description="The source id, e.g. us_ofac_sdn.")],
    from_: Annotated[str | None, Query(alias="from", description="Older version: number or "
                                       "date (YYYY-MM-DD). Default: the one before `to`.",
                                       json_schema_extra=VERSION_SPEC)] = None,
    to: Annotated[str | None, Query(description="Newer version: number or date. Default: "
                                    "the current one.", json_schema_extra=VERSION_SPEC)]
    = None,
) -> dict[str, Any]:
    """Targets added, removed, and changed field by field, as `watchlist diff --json`."""
    from watchlist.monitor.diff import VersionNotFound, default_pair, diff_versions

    if not store.versions(source):
        raise ApiError(404, f"no stored version of source {source!r}")
    try:
        old, new = default_pair(store, source, from_, to)
    except VersionNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except StoreError as exc:
        raise ApiError(422, str(exc)) from None
    use_versions(request, [new])
    return diff_versions(store, old, new).to_dict()
