"""Text scanning: POST /scan (every mention of a listed party in a text)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import Caller, ScreenCaller
from watchlist.api.bodies import is_json, json_body
from watchlist.api.errors import ApiError
from watchlist.api.models import ErrorResponse, VersionRef, error_responses
from watchlist.screening.holder import ScreenerHolder
from watchlist.store.labels import version_ref
from watchlist.text.audit_entry import audit_items
from watchlist.text.shared_scanner import shared_scanner
from watchlist.versions_header import use_versions

router = APIRouter(tags=["Text"])

_ERRORS = error_responses(400, 401, 403, 413, 422, 503)
#: Raw bodies accepted besides JSON, and the format each is read as.
RAW_TYPES = {"text/plain": "text", "text/html": "html", "application/xhtml+xml": "html",
             "application/pdf": "pdf"}


class ScanRequest(BaseModel):
    """A text to scan, wrapped in JSON."""

    text: str = Field(description="The text: plain text, or HTML when format is html.")
    format: str = Field(default="text", pattern="^(text|html)$",
                        description="text (default) or html (its visible text is scanned).")


class MentionBody(BaseModel):
    """One mention of a listed party."""

    start: int = Field(description="Offset of the first character (Python string index, "
                       "i.e. Unicode code points) in the text scanned.")
    end: int = Field(description="Offset just past the last character.")
    text: str = Field(description="The text of the mention, as written.")
    entity_id: str = Field(description="The listed party (the lead record of its profile).")
    caption: str
    score: float = Field(description="1.0 for a name in full; 0.5-0.7 for a surname alone "
                         "never introduced; a surname referring to an earlier full mention "
                         "takes that mention's score.")
    schema_: str = Field(alias="schema", default="")
    profile_id: str = ""
    entity_ids: list[str] = Field(default_factory=list)
    designations: list[dict[str, Any]]
    evidence: dict[str, Any] = Field(description="How it was found: kind (name, surname, "
                                     "surname only, one-word name), the listed name matched "
                                     "and the score explained, or the earlier mention "
                                     "referred to.")


class ScanResponse(BaseModel):
    """Every mention in the text, in order."""

    mentions: list[MentionBody]
    format: str = Field(description="How the body was read: text, html or pdf.")
    chars: int = Field(description="Characters of the text scanned (offsets refer to it).")
    text: str | None = Field(default=None, description="The text scanned, when it was "
                             "extracted from HTML or PDF (offsets refer to it).")
    versions: list[VersionRef]


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ScanRequest.model_json_schema()},
            # Any text but none at all is a text to scan (no `type`: every body is text).
            "text/plain": {"schema": {"minLength": 1, "description": "The text."}},
            "text/html": {"schema": {"minLength": 1, "description": "The HTML document."}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _body(raw: bytes, content_type: str) -> tuple[bytes | str, str]:
    """The document and its format, from a JSON body or a raw one."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if not raw:
        # Nothing sent is not a text found clean: most likely the body was forgotten.
        raise ApiError(422, "body: the request holds no text; send JSON {\"text\"} or the "
                       "document itself")
    if is_json(kind):
        body = json_body(raw, ScanRequest)
        return body.text, body.format
    if kind in RAW_TYPES:
        return raw, RAW_TYPES[kind]
    if not kind:
        return raw, "text"
    raise ApiError(415, f"Content-Type {kind!r} is not accepted; send JSON {{\"text\"}}, or "
                   "the document as text/plain, text/html or application/pdf")


def _scan(request: Request, caller: Caller, raw: bytes | str, fmt: str,
          threshold: float | None, min_score: float) -> tuple[dict[str, Any], list[Any]]:
    from watchlist.text.extract import Document, ExtractError, TooLargeError, extract, html_text

    try:
        if isinstance(raw, str):
            document = Document("request body", fmt, raw if fmt == "text" else html_text(raw))
        else:
            document = extract(raw, "request body", fmt)
    except ExtractError as exc:
        raise ApiError(413 if isinstance(exc, TooLargeError) else 422, str(exc)) from None
    holder: ScreenerHolder = request.app.state.screener
    screener = holder.get()
    scanner = shared_scanner(request.app.state, screener, threshold)
    mentions = [m for m in scanner.scan(document.text) if m.score >= min_score]
    versions = screener.index.versions
    use_versions(request, versions)
    body = {"mentions": [m.to_dict() for m in mentions], "format": document.format,
            "chars": len(document.text),
            "text": document.text if document.format != "text" else None,
            "versions": [version_ref(v) for v in versions]}
    item = audit_items(caller.actor, "request body", document.format, document.text,
                       mentions, versions)
    return body, [item]


@router.post("/scan", response_model=ScanResponse, response_model_by_alias=True,
             summary="Find listed parties in a text",
             responses={**_ERRORS, 413: {"model": ErrorResponse,
                                         "description": "Request body too large, or a PDF "
                                         "that inflates beyond the limits."},
                        415: {"model": ErrorResponse,
                              "description": "An unsupported Content-Type."}},
             openapi_extra=_BODY_DOC)
async def scan(
    request: Request,
    caller: ScreenCaller,
    threshold: Annotated[float | None, Query(
        ge=0.0, le=1.0, description="Lowest score of a name in full (default 0.80).")] = None,
    min_score: Annotated[float, Query(
        ge=0.0, le=1.0, description="Leave out mentions scoring lower (a surname alone "
        "never introduced scores 0.5-0.7).")] = 0.0,
) -> dict[str, Any]:
    """Every mention of a listed party in a text (news, a report, a payment instruction),
    in any language and script: where it is (character offsets), the listed party, the
    score, its designations and the evidence. Send JSON `{"text": "..."}`, or the
    document itself as text/plain, text/html or application/pdf. A PDF that inflates beyond
    the limits when decompressed is answered 413; an unreadable document, or HTML nested
    deeper than the parser reads, 422 (the README lists the limits).

    Each scan is written to the audit log (the text's size and SHA-256, the list versions
    used and the mentions) before it is answered."""
    raw = await request.body()
    data, fmt = _body(raw, request.headers.get("content-type", ""))
    body, log = await run_in_threadpool(_scan, request, caller, data, fmt, threshold,
                                        min_score)
    writer: AuditWriter = request.app.state.audit
    await writer.append(log)
    return body
