"""The review of alerts beyond one decision: four-eyes (POST /alerts/{id}/approval and
/rejection, GET /approvals: the approver's queue), bulk decisions (POST /review/decisions),
assignment (POST /alerts/{id}/assignment, POST /review/next: take the next), and the
review settings and decisions by reason code (GET /review/settings, /review/reason-codes).

Approving and rejecting need a key with the approve role (or admin) other than the key
that proposed the decision. The work is the core's (`watchlist.monitor.review`,
`assignment`, `reason_codes`); each step is recorded in the alert's history and the audit
log as the calling key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from watchlist.api.auth import ApproveCaller, ScreenCaller
from watchlist.api.deps import StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import error_responses
from watchlist.api.routers.alerts import AlertId, Decision
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import assignment, review
from watchlist.monitor.alerts import AlertError, AlertNotFound, StatusConflict
from watchlist.monitor.reason_codes import decisions_by_code
from watchlist.monitor.review_settings import ReviewSettingsError, load_settings
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Monitoring"])

#: A date, or a time (ISO 8601) that starts with one.
DATE = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"


class ApprovalRequest(BaseModel):
    """An approver's approval of the decision proposed on an alert."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=alerts_mod.MAX_REASON,
                        description="A note (optional).")
    expected_decision: Literal["match", "false-positive", "escalate"] | None = Field(
        default=None, description="Refuse with 409 unless this is the decision proposed.")


class RejectionRequest(BaseModel):
    """An approver's rejection: the alert returns to the queue with this reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=alerts_mod.MAX_REASON,
                        description="What the analyst should look at again.")


class BulkDecisionRequest(BaseModel):
    """One decision on several alerts: each its own decision and audit entry."""

    model_config = ConfigDict(extra="forbid")

    alert_ids: list[Annotated[int, Field(ge=1, le=alerts_mod.MAX_ID)]] = Field(
        min_length=1, max_length=review.MAX_BULK)
    decision: Literal["match", "false-positive", "escalate"]
    reason: str = Field(default="", max_length=alerts_mod.MAX_REASON)
    reason_code: str | None = Field(default=None, max_length=60)


class BulkResult(BaseModel):
    decided: list[Decision]
    failed: list[dict[str, Any]] = Field(description="{alert_id, error} for each alert that "
                                         "could not take the decision.")


class AssignmentRequest(BaseModel):
    """Who works on an alert."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(max_length=assignment.MAX_ASSIGNEE, description="A user "
                                 "name, team:NAME, or null (or -) for nobody.")


class StepResponse(BaseModel):
    decision: Decision
    alert: dict[str, Any]


def _failed(exc: Exception) -> ApiError:
    if isinstance(exc, AlertNotFound):
        return ApiError(404, str(exc))
    if isinstance(exc, StatusConflict):
        return ApiError(409, str(exc), status_now=exc.current)
    if isinstance(exc, review.ApprovalRefused):
        return ApiError(403, str(exc))
    if isinstance(exc, ReviewSettingsError):
        return ApiError(503, f"review settings: {exc}")
    return ApiError(422, str(exc))


def _step(request: Request, store: Any, alert_id: int, decision: dict[str, Any]
          ) -> dict[str, Any]:
    use_versions(request, store.serving())
    return {"decision": decision, "alert": alerts_mod.get_alert(store, alert_id)}


@router.post("/alerts/{alert_id}/approval", response_model=StepResponse,
             summary="Approve the decision proposed on an alert",
             responses=error_responses(400, 401, 403, 404, 409, 413, 422))
def approve(request: Request, store: StoreDep, caller: ApproveCaller, alert_id: AlertId,
            body: ApprovalRequest) -> dict[str, Any]:
    """The proposed decision takes effect. Needs an approve (or admin) key other than the
    one that proposed it (403 otherwise); 409 when no decision awaits approval."""
    try:
        done = review.approve(store, alert_id, caller.actor, caller.role, body.reason,
                              body.expected_decision)
    except AlertError as exc:
        raise _failed(exc) from None
    return _step(request, store, alert_id, done)


@router.post("/alerts/{alert_id}/rejection", response_model=StepResponse,
             summary="Reject the decision proposed on an alert",
             responses=error_responses(400, 401, 403, 404, 409, 413, 422))
def reject(request: Request, store: StoreDep, caller: ApproveCaller, alert_id: AlertId,
           body: RejectionRequest) -> dict[str, Any]:
    """The alert returns to the status it was proposed from, with the reason."""
    try:
        done = review.reject(store, alert_id, caller.actor, caller.role, body.reason)
    except AlertError as exc:
        raise _failed(exc) from None
    return _step(request, store, alert_id, done)


@router.get("/approvals", summary="The approver's queue",
            responses=error_responses(401, 403))
def approvals(request: Request, store: StoreDep, caller: ApproveCaller) -> dict[str, Any]:
    """Alerts whose decision awaits approval, oldest proposal first; `own` marks those the
    calling key proposed (another approver must take them)."""
    found = review.pending_for(store, caller.actor)
    use_versions(request, store.serving())
    return {"total": len(found), "alerts": found}


@router.post("/review/decisions", response_model=BulkResult,
             summary="One decision on several alerts",
             responses=error_responses(400, 401, 403, 413, 422))
def decide_many(request: Request, store: StoreDep, caller: ScreenCaller,
                body: BulkDecisionRequest) -> dict[str, Any]:
    """Each alert gets its own decision (proposed under four-eyes) and audit entry; those
    that cannot take it are listed in `failed`, the others are decided."""
    try:
        result = review.decide_many(store, body.alert_ids, body.decision, body.reason,
                                    caller.actor, body.reason_code)
    except AlertError as exc:
        raise _failed(exc) from None
    use_versions(request, store.serving())
    return result


@router.post("/alerts/{alert_id}/assignment", response_model=StepResponse,
             summary="Assign an alert", responses=error_responses(400, 401, 403, 404, 422))
def assign(request: Request, store: StoreDep, caller: ScreenCaller, alert_id: AlertId,
           body: AssignmentRequest) -> dict[str, Any]:
    """Give the alert to a user or a team (or nobody); recorded in its history."""
    try:
        done = assignment.assign(store, alert_id, body.assignee, caller.actor)
    except AlertError as exc:
        raise _failed(exc) from None
    return _step(request, store, alert_id, done)


@router.post("/review/next", summary="Take the next alert",
             responses=error_responses(401, 403, 404))
def take_next(request: Request, store: StoreDep, caller: ScreenCaller) -> dict[str, Any]:
    """Assign to the calling key the most urgent alert waiting for a decision that is
    nobody's or its team's (its own first); 404 when none waits."""
    try:
        taken = assignment.take_next(store, caller.actor)
    except ReviewSettingsError as exc:
        raise _failed(exc) from None
    if taken is None:
        raise ApiError(404, "no alert waits for a decision")
    use_versions(request, store.serving())
    return alerts_mod.get_alert(store, taken["id"]) | {
        k: taken[k] for k in ("priority", "due_at", "age_days", "overdue")}


@router.get("/review/settings", summary="The review settings in force",
            responses=error_responses(401, 403))
def settings(_caller: ScreenCaller) -> dict[str, Any]:
    """Reason codes, which decisions need four-eyes, service levels per priority, how
    priority is set, and the teams."""
    try:
        return load_settings().to_dict()
    except ReviewSettingsError as exc:
        raise _failed(exc) from None


@router.get("/review/reason-codes", summary="Decisions by reason code",
            responses=error_responses(401, 403, 422))
def by_reason_code(
    _caller: ScreenCaller,
    store: StoreDep,
    since: Annotated[str | None, Query(description="From (YYYY-MM-DD).", pattern=DATE,
                                       max_length=40)] = None,
    until: Annotated[str | None, Query(description="Before (YYYY-MM-DD).", pattern=DATE,
                                       max_length=40)] = None,
) -> dict[str, Any]:
    """Per reason code and decision kind: how many were proposed, took effect (approved,
    or needing no approval) and were rejected."""
    try:
        rows = decisions_by_code(store, since, until)
    except ReviewSettingsError as exc:
        raise _failed(exc) from None
    return {"since": since, "until": until, "rows": rows}
