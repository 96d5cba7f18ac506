"""The changes page: what the last update of each list added, removed and changed, with
links to the profiles; any two versions of a list can be compared, page by page.

Built on the monitor's diff (`watchlist.monitor.diff`), computed in the background by the
app's `DiffCache`: a page waits at most `WAIT_SECONDS` for the diffs it shows and says
which are still being compared (reloading itself until they are done).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from watchlist.errors import StoreError
from watchlist.monitor.diff import (
    VersionDiff,
    default_pair,
    substantive_first,
    whole_field_notes,
)
from watchlist.store.store import Store, Version
from watchlist.versions_header import use_versions
from watchlist.web.deps import StoreDep, User, WebError
from watchlist.web.history import Change, changes_of
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
#: Parties listed per kind of change on the overview before "show all".
OVERVIEW_ROWS = 25
#: Parties listed per kind on one list's page, and per page when one kind is shown.
SOURCE_ROWS = 100
PAGE_ROWS = 200
#: How long a page waits for diffs still being computed before showing them in progress.
WAIT_SECONDS = 2.0
#: Seconds before a page with diffs in progress reloads itself.
RELOAD_SECONDS = 3
KINDS = ("added", "removed", "changed")


@dataclass
class SourceChanges:
    """One list's last update (or the chosen pair of versions) on the page."""

    source: str
    new: Version
    old: Version | None
    diff: VersionDiff | None
    changed: list[tuple[dict[str, Any], list[Change]]]  # the rows shown, with their fields
    start: int = 0  # the first row shown of each kind
    rows: int = OVERVIEW_ROWS  # rows shown of each kind
    notes: list[str] = field(default_factory=list)  # fields missing from a whole version

    @property
    def pending(self) -> bool:
        """Still being compared (the page shows it in progress)."""
        return self.old is not None and self.diff is None


def source_changes(request: Request, store: Store, source: str, old_spec: str | None = None,
                   new_spec: str | None = None, rows: int = OVERVIEW_ROWS, start: int = 0,
                   deadline: float = 0.0) -> SourceChanges:
    try:
        old, new = default_pair(store, source, old_spec, new_spec)
    except StoreError:
        current = next((v for v in store.versions(source) if v.current), None)
        if current is None or old_spec or new_spec:
            raise
        return SourceChanges(source, current, None, None, [])
    diff = request.app.state.web.diffs.get(store, old, new, deadline - time.monotonic())
    if diff is None:
        return SourceChanges(source, new, old, None, [])
    shown = substantive_first(diff)[start:start + rows]
    changed = [(row, changes_of(row.get("fields", {}))) for row in shown]
    return SourceChanges(source, new, old, diff, changed, start, rows, whole_field_notes(diff))


@router.get("/changes")
def changes(
    request: Request,
    store: StoreDep,
    user: User,
    source: Annotated[str, Query(max_length=100)] = "",
    old: Annotated[str, Query(alias="from", max_length=20)] = "",
    new: Annotated[str, Query(alias="to", max_length=20)] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1,
) -> Response:
    serving = store.serving()
    use_versions(request, serving)
    deadline = time.monotonic() + WAIT_SECONDS
    kind = kind if kind in KINDS else ""
    if source:
        if source not in {v.source for v in store.versions()}:
            raise WebError(404, f"No stored version of the list {source!r}.")
        rows, start = (PAGE_ROWS, (page_no - 1) * PAGE_ROWS) if kind else (SOURCE_ROWS, 0)
        try:
            found = [source_changes(request, store, source, old or None, new or None,
                                    rows=rows, start=start, deadline=deadline)]
        except StoreError as exc:
            raise WebError(422, f"{exc}.") from None
        versions = store.versions(source)
    else:
        for v in serving:  # every list's diff under way at once, then wait for them
            try:
                request.app.state.web.diffs.start(store, *default_pair(store, v.source))
            except StoreError:
                pass
        found = [source_changes(request, store, v.source, deadline=deadline)
                 for v in serving]
        versions = []
    found.sort(key=lambda c: (c.old is not None, c.new.fetched_at, c.source), reverse=True)
    pending = [c for c in found if c.pending]
    return page(request, "changes.html", title="Changes", versions=serving, found=found,
                source=source, old=old, new=new, kind=kind, page_no=page_no,
                page_rows=PAGE_ROWS, all_versions=versions, pending=pending,
                reload_seconds=RELOAD_SECONDS, nav="changes")
