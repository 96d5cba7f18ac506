"""Alerts of the monitored customer book: GET /alerts, GET /alerts/{id},
POST /alerts/{id}/decision; and GET /diff/{source}, what changed between list versions.

Any key (role `screen` or `admin`) may read alerts and decide them: analysts screen and
decide with the same keys. A decision is recorded as the key (`key:<id>:<name>`), in the
alert's history and in the audit log, in one transaction; two decisions on one alert at
once are serialised, the second seeing the first (`previous_status`). Send
`expected_status` to be refused (409) rather than decide over someone else's decision.
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
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Monitoring"])

#: An alert's status, as `expected_status` names it.
Status = Literal["new", "reopened", "escalated", "match", "false-positive", "delisted", "closed"]
#: What the list may be filtered by: open, closed, all, or one status.
StatusFilter = Literal["open", "closed", "all", "new", "reopened", "escalated", "match",
                       "false-positive", "delisted"]
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
    reason: str = Field(min_length=1, max_length=alerts_mod.MAX_REASON,
                        description="Why; kept in the audit log.")
    expected_status: Status | None = Field(
        default=None, description="Refuse with 409 if the alert's status is no longer this "
        "one (someone decided meanwhile).")


class AlertList(BaseModel):
    total: int = Field(description="Alerts matching the filters.")
    limit: int
    offset: int
    alerts: list[dict[str, Any]] = Field(description="Newest first: id, customer_id, "
                                         "customer_name, profile_id, entity_id, caption, "
                                         "score, status, designations, explanation, "
                                         "versions...")


class Decision(BaseModel):
    id: int
    alert_id: int
    decision: str
    previous_status: str = Field(description="The status the decision found.")
    status: str = Field(description="The alert's status after it.")
    reason: str
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
    _caller: ScreenCaller,
    status: Annotated[StatusFilter, Query(description="open (needing action: new, reopened, "
                                          "escalated, match), closed, all, or one status.")]
    = "open",
    customer: Annotated[str | None, Query(description="One customer's alerts.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Alerts to skip (at most "
                                 "1,000,000,000).")] = 0,
) -> dict[str, Any]:
    """Alerts raised by `watchlist monitor`, newest first; each names the customer and the
    listed party, with the score, its explanation and the list versions."""
    try:
        found, total = alerts_mod.list_alerts(store, status, customer, limit, offset)
    except AlertError as exc:
        raise ApiError(422, f"status: {exc}") from None
    use_versions(request, store.serving())
    return {"total": total, "limit": limit, "offset": offset, "alerts": found}


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
             summary="Decide an alert", responses=error_responses(400, 401, 403, 404, 409,
                                                                   413, 422))
def decide(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    alert_id: AlertId,
    body: DecisionRequest,
) -> dict[str, Any]:
    """Record a decision (by the calling key) and answer with it and the alert after it."""
    try:
        decision = alerts_mod.decide(store, alert_id, body.decision, body.reason,
                                     caller.actor, body.expected_status)
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
