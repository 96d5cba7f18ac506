"""Payment screening: POST /scan/payment (an MT103 or a pacs.008, raw or wrapped in JSON)."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import Caller, ScreenCaller
from watchlist.api.bodies import is_json, json_body
from watchlist.api.deps import SettingsDep
from watchlist.api.errors import ApiError
from watchlist.api.models import ErrorResponse, VersionRef, error_responses
from watchlist.screener import Screener
from watchlist.screening.holder import ScreenerHolder
from watchlist.service_settings import Settings
from watchlist.store.labels import version_ref
from watchlist.text.payments import Payment, PaymentError, read_payments
from watchlist.text.payments.screen import audit_item, screen_payment
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Payments"])

_ERRORS = error_responses(400, 401, 403, 413, 422, 503)
RAW_TYPES = ("text/plain", "application/xml", "text/xml", "application/octet-stream")
_SCANNERS_LOCK = threading.Lock()


class PaymentRequest(BaseModel):
    """A payment message wrapped in JSON."""

    message: str = Field(min_length=1, description="The message: an MT103 (full message or "
                         "block 4 text; several split at {1: or $) or a pacs.008 document.")
    format: Literal["mt103", "pacs008", "auto"] = Field(
        default="auto", description="The format; auto tells it by content.")


class PaymentScanResponse(BaseModel):
    """Every message of the request, screened."""

    messages: list[dict[str, Any]] = Field(description=(
        "Per message: `message` (source, format, reference, end_to_end_ids, transactions), "
        "`hit_count`, `hits` (every hit flat, with message, field, role, path, offsets for "
        "text), `parties` (each with its query and hits), `texts` (each with its mentions)."))
    hit_count: int = Field(description="Hits over all messages (parties and text).")
    matcher: dict[str, Any]
    versions: list[VersionRef]


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PaymentRequest.model_json_schema()},
            "text/plain": {"schema": {"type": "string"}},
            "application/xml": {"schema": {"type": "string"}},
        },
    }
}


def _body(raw: bytes, content_type: str, format_: str | None) -> tuple[bytes | str, str]:
    """The message and its format, from a JSON body or a raw one."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if is_json(kind):
        body = json_body(raw, PaymentRequest)
        return body.message, format_ or body.format
    if kind and kind not in RAW_TYPES and not kind.endswith("+xml"):
        raise ApiError(415, f"Content-Type {kind!r} is not accepted; send the message as "
                       "text/plain or application/xml, or JSON {\"message\", \"format\"}")
    if not raw.strip():
        raise ApiError(422, "body: the request holds no message")
    return raw, format_ or "auto"


def _scanner(request: Request, screener: Screener, threshold: float | None) -> Any:
    """The text scanner over the screener's index (built once per index, then reused)."""
    from watchlist.text import Scanner

    state = request.app.state
    with _SCANNERS_LOCK:
        found = getattr(state, "payment_scanner", None)
        if found is None or found.index is not screener.index:
            found = Scanner(screener.index, store=state.store)
            state.payment_scanner = found
    if threshold is None or threshold == found.threshold:
        return found
    return Scanner(screener.index, found.automaton, threshold)


def _screen(request: Request, settings: Settings, caller: Caller, message: bytes | str,
            format_: str, threshold: float | None) -> tuple[dict[str, Any], list[Any]]:
    """Read and screen the messages: the response body, and the audit items to write."""
    items = list(read_payments(message, "request", format_))
    errors = [i for i in items if isinstance(i, PaymentError)]
    if errors:
        first = errors[0]
        raise ApiError(422, str(first), errors=[e.to_dict() for e in errors])
    payments = [i for i in items if isinstance(i, Payment)]
    if len(payments) > settings.max_batch:
        raise ApiError(422, f"body: {len(payments)} messages in one request; at most "
                       f"{settings.max_batch}")
    holder: ScreenerHolder = request.app.state.screener
    screener = holder.get()
    scanner = _scanner(request, screener, threshold)
    results = [screen_payment(screener, scanner, payment, threshold) for payment in payments]
    use_versions(request, screener.index.versions)
    limit = screener.threshold if threshold is None else threshold
    body = {"messages": [r.to_dict() for r in results],
            "hit_count": sum(r.hit_count for r in results),
            "matcher": {"algorithm": screener.algorithm.NAME, "threshold": limit},
            "versions": [version_ref(v) for v in screener.index.versions]}
    return body, [audit_item(caller.actor, r) for r in results]


@router.post("/scan/payment", response_model=PaymentScanResponse, summary="Screen a payment",
             responses={**_ERRORS, 415: {"model": ErrorResponse,
                                         "description": "An unsupported Content-Type."}},
             openapi_extra=_BODY_DOC)
async def scan_payment(
    request: Request,
    settings: SettingsDep,
    caller: ScreenCaller,
    threshold: Annotated[float | None, Query(
        ge=0.0, le=1.0, description="Lowest score reported, 0 to 1 (default: the "
        "screener's).")] = None,
    format_: Annotated[Literal["mt103", "pacs008", "auto"] | None, Query(
        alias="format", description="The message format (default: the JSON body's, else "
        "auto).")] = None,
) -> dict[str, Any]:
    """Screen a payment message: every party (ordering customer or debtor, beneficiary or
    creditor, ultimate parties, banks) as a structured query (name, kind, country, BIC,
    birth date), and every free-text field (remittance information, instructions) scanned
    for listed names, with offsets into the field.

    Send the raw message as text/plain or application/xml, or JSON {"message", "format"}.
    A malformed message is a 422 naming the field. Every message screened is written to
    the audit log with its reference, the list versions used and the hits; the answer
    comes once the entries are committed."""
    raw = await request.body()
    message, kind = _body(raw, request.headers.get("content-type", ""), format_)
    body, log = await run_in_threadpool(_screen, request, settings, caller, message, kind,
                                        threshold)
    writer: AuditWriter = request.app.state.audit
    await writer.append(log)
    return body
