"""The report buttons: a screening certificate of a search, an alert's case file and a
list's changes, downloaded as PDF or CSV. Forms (POST, with the CSRF token), since each
report writes its audit entry under the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from watchlist.errors import StoreError
from watchlist.monitor.alerts import MAX_ID, AlertNotFound
from watchlist.monitor.diff import VersionNotFound
from watchlist.reports.document import FORMATS, Document, ReportError
from watchlist.reports.render import render
from watchlist.web.deps import CheckedForm, StoreDep, User, WebError, screener_of
from watchlist.web.render import PREFIX

router = APIRouter(prefix=PREFIX + "/reports", include_in_schema=False)
Format = Annotated[str, Form(max_length=10)]


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise WebError(422, f"Unknown report format {fmt!r}: use pdf or csv.")
    return fmt


def _file(document: Document, fmt: str) -> Response:
    return Response(render(document, fmt), media_type=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{document.filename}.{fmt}"'})


@router.post("/check", dependencies=[CheckedForm])
def check_report(
    request: Request,
    store: StoreDep,
    user: User,
    name: Annotated[str, Form(max_length=500)] = "",
    birth_date: Annotated[str, Form(max_length=100)] = "",
    country: Annotated[str, Form(max_length=100)] = "",
    kind: Annotated[str, Form(alias="schema", max_length=50)] = "",
    identifier: Annotated[str, Form(max_length=100)] = "",
    threshold: Annotated[float | None, Form(ge=0.0, le=1.0)] = None,
    format: Format = "pdf",  # noqa: A002
) -> Response:
    from watchlist.reports.certificate import certificate_query, screening_certificate

    fmt = _format(format)
    screener = screener_of(request)
    if screener is None:
        raise WebError(503, "No list is loaded yet: there is nothing to screen against.")
    try:
        query = certificate_query(name, birth_date, country, kind, identifier)
        document = screening_certificate(store, screener, query, user.actor, "web", fmt,
                                         threshold)
    except ReportError as exc:
        raise WebError(422, f"No certificate: {exc}.") from None
    return _file(document, fmt)


@router.post("/alerts/{alert_id}", dependencies=[CheckedForm])
def alert_report(request: Request, store: StoreDep, user: User,
                 alert_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                 format: Format = "pdf") -> Response:  # noqa: A002
    from watchlist.reports.case_file import alert_case_file

    fmt = _format(format)
    try:
        document = alert_case_file(store, alert_id, user.actor, "web", fmt)
    except AlertNotFound:
        raise WebError(404, f"No alert {alert_id}.") from None
    return _file(document, fmt)


@router.post("/changes/{source}", dependencies=[CheckedForm])
def changes_report(
    request: Request,
    store: StoreDep,
    user: User,
    source: Annotated[str, Path(max_length=100)],
    old: Annotated[str, Form(alias="from", max_length=20)] = "",
    new: Annotated[str, Form(alias="to", max_length=20)] = "",
    format: Format = "pdf",  # noqa: A002
) -> Response:
    from watchlist.reports.changes import list_changes

    fmt = _format(format)
    try:
        document = list_changes(store, source, user.actor, "web", fmt, old or None,
                                new or None)
    except VersionNotFound as exc:
        raise WebError(404, f"{exc}.") from None
    except StoreError as exc:
        raise WebError(422, f"{exc}.") from None
    return _file(document, fmt)
