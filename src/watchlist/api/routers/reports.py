"""Evidence reports as PDF or CSV files: GET /reports/check (a screening certificate),
GET /reports/alerts/{id} (an alert's case file), GET /reports/changes/{source} (a list's
changes). Each is written to the audit log under the calling key, as `watchlist report` does
under the command line's user; the certificate's screening is that entry."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from watchlist.api.auth import ScreenCaller
from watchlist.api.deps import StoreDep
from watchlist.api.errors import ApiError
from watchlist.api.models import error_responses
from watchlist.errors import StoreError
from watchlist.monitor.alerts import MAX_ID, AlertNotFound
from watchlist.monitor.diff import VersionNotFound
from watchlist.reports.document import FORMATS, Document, ReportError
from watchlist.reports.render import render
from watchlist.screening.holder import ScreenerHolder
from watchlist.versions_header import use_versions

router = APIRouter(prefix="/reports", tags=["Reports"])

Format = Annotated[Literal["pdf", "csv"], Query(description="pdf (default) or csv.")]
_FILES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report, as a file to save.",
          "content": {FORMATS["pdf"]: {"schema": {"type": "string", "format": "binary"}},
                      FORMATS["csv"]: {"schema": {"type": "string"}}}}}
#: A version of a list in a query: its number, or a date (the version serving then).
VERSION_SPEC: dict[str, Any] = {"pattern": "^([0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2})$"}


def _file(document: Document, fmt: str) -> Response:
    return Response(render(document, fmt), media_type=FORMATS[fmt], headers={
        "Content-Disposition": f'attachment; filename="{document.filename}.{fmt}"',
        "X-Audit-Seq": str(document.audit_seq)})


@router.get("/check", summary="A screening certificate", response_class=Response,
            responses={**_FILES, **error_responses(401, 403, 422, 503)})
def check_report(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    name: Annotated[str, Query(min_length=1, max_length=500, description="The name.")],
    birth_date: Annotated[str | None, Query(max_length=100)] = None,
    country: Annotated[str | None, Query(max_length=100)] = None,
    schema: Annotated[str | None, Query(max_length=50)] = None,
    identifier: Annotated[str | None, Query(max_length=100)] = None,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0, description="Lowest score "
                                             "reported (default: the alert threshold).")]
    = None,
    format: Format = "pdf",  # noqa: A002
) -> Response:
    """Screen one name now and answer with its certificate: the query, time, key, every list
    version with its publisher date and SHA-256, the result ("no match" too) and the audit
    entry of the screening (its sequence number in `X-Audit-Seq`)."""
    from watchlist.reports.certificate import certificate_query, screening_certificate

    holder: ScreenerHolder = request.app.state.screener
    screener = holder.get()
    try:
        query = certificate_query(name, birth_date, country, schema, identifier)
        document = screening_certificate(store, screener, query, caller.actor, "api", format,
                                         threshold)
    except ReportError as exc:
        raise ApiError(422, str(exc)) from None
    use_versions(request, screener.index.versions)
    return _file(document, format)


@router.get("/alerts/{alert_id}", summary="An alert's case file", response_class=Response,
            responses={**_FILES, **error_responses(401, 403, 404, 422)})
def alert_report(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    alert_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The alert id.")],
    format: Format = "pdf",  # noqa: A002
) -> Response:
    """The alert's case file: the customer beside the listed party, why they matched, the
    designations, every decision and approval, the list versions that raised it."""
    from watchlist.reports.case_file import alert_case_file

    try:
        document = alert_case_file(store, alert_id, caller.actor, "api", format)
    except AlertNotFound as exc:
        raise ApiError(404, str(exc)) from None
    use_versions(request, store.serving())
    return _file(document, format)


@router.get("/changes/{source}", summary="A list's changes", response_class=Response,
            responses={**_FILES, **error_responses(401, 403, 404, 422)})
def changes_report(
    request: Request,
    store: StoreDep,
    caller: ScreenCaller,
    source: Annotated[str, Path(max_length=100, description="The source id, e.g. "
                                "us_ofac_sdn.")],
    from_: Annotated[str | None, Query(alias="from", description="Older version: number or "
                                       "date. Default: the one before `to`.",
                                       json_schema_extra=VERSION_SPEC)] = None,
    to: Annotated[str | None, Query(description="Newer version: number or date. Default: "
                                    "the current one.", json_schema_extra=VERSION_SPEC)]
    = None,
    format: Format = "pdf",  # noqa: A002
) -> Response:
    """Parties added and removed (with regime and listing date) and changed, field by
    field, between two versions of a list."""
    from watchlist.reports.changes import list_changes

    try:
        document = list_changes(store, source, caller.actor, "api", format, from_, to)
    except VersionNotFound as exc:
        raise ApiError(404, str(exc)) from None
    except StoreError as exc:
        raise ApiError(422, str(exc)) from None
    use_versions(request, store.serving())
    return _file(document, format)
