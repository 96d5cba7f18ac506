"""The scan page: paste a text or upload a file (text, HTML or PDF); the listed parties it
names come back highlighted, with their designations beside the text.

Built on `watchlist.text`: `extract` reads the file and the API's scanner (one per app,
over the screener's index) finds the names. A scan is written to the audit log as the
CLI and the API write it (the text's name, length and SHA-256, not the text).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchlist.store.audit import append_audit
from watchlist.store.store import Store
from watchlist.text.audit_entry import audit_items
from watchlist.text.extract import ExtractError, TooLargeError, extract
from watchlist.text.shared_scanner import shared_scanner
from watchlist.versions_header import use_versions
from watchlist.web.deps import CheckedForm, StoreDep, User, screener_of
from watchlist.web.highlight import pieces
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
#: Longest text scanned, in characters (the request body limit applies to uploads too).
MAX_CHARS = 200_000


def _form(request: Request, **context: Any) -> Response:
    defaults: dict[str, Any] = dict(
        text="", result=None, mentions=[], error=None, filename=None, max_chars=MAX_CHARS,
        max_bytes=request.app.state.settings.max_body_bytes, nav="scan")
    defaults.update(context)
    return page(request, "scan.html", title="Scan a text", **defaults)


@router.get("/scan")
def scan_form(request: Request, user: User) -> Response:
    screener = screener_of(request)
    return _form(request, versions=screener.index.versions if screener else [],
                 empty_store=screener is None)


@router.post("/scan", dependencies=[CheckedForm])
async def scan(request: Request, store: StoreDep, user: User,
               text: Annotated[str, Form()] = "",
               upload: Annotated[UploadFile | None, File()] = None) -> Response:
    filename, fmt = None, "text"
    if upload is not None and upload.filename:
        filename = upload.filename
        data = await upload.read()
        try:
            document = await run_in_threadpool(extract, data, filename)
            text, fmt = document.text, document.format
        except ExtractError as exc:
            return _form(request, error=f"{exc}.", empty_store=False,
                         status_code=413 if isinstance(exc, TooLargeError) else 422)
    return await run_in_threadpool(_scan, request, store, user, text, filename, fmt)


def _scan(request: Request, store: Store, user: Any, text: str, filename: str | None,
          fmt: str) -> Response:
    screener = screener_of(request)
    if screener is None:
        return _form(request, text=text, empty_store=True)
    versions = screener.index.versions
    text = text.replace("\r\n", "\n")
    if not text.strip():
        return _form(request, versions=versions, empty_store=False, status_code=422,
                     error="Paste a text or choose a file to scan.")
    if len(text) > MAX_CHARS:
        return _form(request, text=text[:MAX_CHARS], versions=versions, empty_store=False,
                     status_code=413, error=f"The text has {len(text):,} characters; at most "
                                            f"{MAX_CHARS:,} are scanned at once.")

    mentions = shared_scanner(request.app.state, screener, None).scan(text)
    actor, action, query, refs, hits = audit_items(user.actor, filename or "pasted text",
                                                   fmt, text, mentions, versions)
    append_audit(store, actor, action, {**query, "via": "web"}, refs, hits)
    use_versions(request, versions)
    return _form(request, text=text, result=pieces(text, mentions), mentions=mentions,
                 filename=filename, versions=versions, empty_store=False)
