"""The changes page: what the last update of each list added, removed and changed, with
links to the profiles; any two versions of a list can be compared.

Built on the monitor's diff (`watchlist.monitor.diff`). Versions never change once stored,
so each pair's diff is computed once per process and kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from watchlist.api.deps import use_versions
from watchlist.errors import StoreError
from watchlist.monitor.diff import (
    VersionDiff,
    default_pair,
    diff_versions,
    substantive_first,
    whole_field_notes,
)
from watchlist.store.store import Store, Version
from watchlist.web.deps import StoreDep, User, WebError
from watchlist.web.history import Change, changes_of
from watchlist.web.render import PREFIX, page

router = APIRouter(prefix=PREFIX, include_in_schema=False)
#: Diffs kept per process (each pair of versions, computed once).
MAX_CACHED = 64
#: Parties listed per kind of change on the overview before "show all".
OVERVIEW_ROWS = 25


@dataclass
class SourceChanges:
    """One list's last update (or the chosen pair of versions) on the page."""

    source: str
    new: Version
    old: Version | None
    diff: VersionDiff | None
    changed: list[tuple[dict[str, Any], list[Change]]]  # the rows shown, with their fields
    notes: list[str] = field(default_factory=list)  # fields missing from a whole version


def cached_diff(request: Request, store: Store, old: Version, new: Version) -> VersionDiff:
    cache: dict[Any, Any] = request.app.state.web.cache.setdefault("diffs", {})
    key = (old.id, new.id)
    found = cache.get(key)
    if found is None:
        found = diff_versions(store, old, new)
        if len(cache) >= MAX_CACHED:
            cache.pop(next(iter(cache)))
        cache[key] = found
    return found


def source_changes(request: Request, store: Store, source: str, old_spec: str | None = None,
                   new_spec: str | None = None, limit: int | None = None) -> SourceChanges:
    try:
        old, new = default_pair(store, source, old_spec, new_spec)
    except StoreError:
        current = next((v for v in store.versions(source) if v.current), None)
        if current is None or old_spec or new_spec:
            raise
        return SourceChanges(source, current, None, None, [])
    diff = cached_diff(request, store, old, new)
    ordered = substantive_first(diff)
    shown = ordered if limit is None else ordered[:limit]
    changed = [(row, changes_of(row.get("fields", {}))) for row in shown]
    return SourceChanges(source, new, old, diff, changed, whole_field_notes(diff))


@router.get("/changes")
def changes(
    request: Request,
    store: StoreDep,
    user: User,
    source: Annotated[str, Query(max_length=100)] = "",
    old: Annotated[str, Query(alias="from", max_length=20)] = "",
    new: Annotated[str, Query(alias="to", max_length=20)] = "",
) -> Response:
    serving = store.serving()
    use_versions(request, serving)
    sources = [v.source for v in serving]
    if source:
        if source not in {v.source for v in store.versions()}:
            raise WebError(404, f"No stored version of the list {source!r}.")
        try:
            found = [source_changes(request, store, source, old or None, new or None)]
        except StoreError as exc:
            raise WebError(422, f"{exc}.") from None
        versions = store.versions(source)
    else:
        found = [source_changes(request, store, s, limit=OVERVIEW_ROWS) for s in sources]
        versions = []
    found.sort(key=lambda c: (c.diff is not None, c.new.fetched_at, c.source), reverse=True)
    return page(request, "changes.html", title="Changes", versions=serving, found=found,
                source=source, old=old, new=new, all_versions=versions,
                limit=None if source else OVERVIEW_ROWS, nav="changes")
