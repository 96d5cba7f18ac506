"""The sources page: each list's serving version and how its last update went, and any
version the shrink guard holds; admins start an update here and watch it run (the same jobs
as POST /updatez), and accept a held version (a job too, which rebuilds the index)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from watchlist.sources.bundle import bundled_for
from watchlist.sources.registry import SOURCES
from watchlist.store import schema as t
from watchlist.store.audit import append_audit
from watchlist.store.shrink import Hold
from watchlist.store.store import Store, Version
from watchlist.updates import jobs
from watchlist.updates.pipeline import Report, Reporter, accept_held
from watchlist.versions_header import use_versions
from watchlist.web.deps import Admin, CheckedForm, StoreDep, User, WebError
from watchlist.web.render import PREFIX, page, redirect

router = APIRouter(prefix=PREFIX, include_in_schema=False)
RECENT_JOBS = 10


@dataclass
class SourceRow:
    """One list on the page."""

    id: str
    title: str
    publisher: str
    current: Version | None
    stored: int
    downloadable: bool
    retired: str | None
    last_check: dict[str, Any] | None
    last_outcome: dict[str, Any] | None
    has_bundle: bool = False
    held: Hold | None = None


def recent_jobs(store: Store, limit: int = RECENT_JOBS) -> list[dict[str, Any]]:
    jobs.ensure_tables(store)
    with store.engine.connect() as conn:
        rows = conn.execute(select(jobs.update_jobs)
                            .order_by(jobs.update_jobs.c.started_at.desc()).limit(limit)).all()
    return [jobs.job_dict(row, store) for row in rows]


def _fetch_states(store: Store) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as conn:
        return {row.url: dict(row._mapping) for row in conn.execute(select(t.fetch_state))}


def _last_outcomes(recent: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each source's own latest outcome: from the newest finished job that touched it, the
    last of its outcomes there (a job importing several files of a list has one per file),
    else its failure."""
    found: dict[str, dict[str, Any]] = {}
    for job in recent:  # newest first
        result = job.get("result") or {}
        in_job: dict[str, dict[str, Any]] = {}
        for outcome in result.get("outcomes", []):  # in the order written: the last is latest
            in_job[outcome["source"]] = {**outcome, "job": job["id"], "at": job["finished_at"]}
        for failure in result.get("failures", []):
            source = jobs.failure_subject(str(failure))
            in_job.setdefault(source, {"source": source, "status": "failed",
                                       "message": failure, "job": job["id"],
                                       "at": job["finished_at"]})
        for source, outcome in in_job.items():
            found.setdefault(source, outcome)
    return found


def source_rows(store: Store, recent: list[dict[str, Any]]) -> list[SourceRow]:
    versions = store.versions()
    serving = {v.source: v for v in versions if v.current}
    counts: dict[str, int] = {}
    for v in versions:
        counts[v.source] = counts.get(v.source, 0) + 1
    states = _fetch_states(store)
    outcomes = _last_outcomes(recent)
    held = {h.source: h for h in store.held()}
    ids = list(SOURCES) + sorted(s for s in counts if s not in SOURCES)
    rows = []
    for source_id in ids:
        info = SOURCES.get(source_id)
        if source_id == "ftm" and source_id not in counts:
            continue  # the placeholder for users' own lists, not a list
        checks = [states[d.url] for d in info.urls() if d.url in states] if info else []
        rows.append(SourceRow(
            id=source_id, title=info.title if info else source_id,
            publisher=info.publisher if info else "your own list",
            current=serving.get(source_id), stored=counts.get(source_id, 0),
            downloadable=bool(info and info.urls()), retired=info.retired if info else None,
            has_bundle=bundled_for(source_id) is not None,
            last_check=max(checks, key=lambda s: s["checked_at"]) if checks else None,
            last_outcome=outcomes.get(source_id), held=held.get(source_id)))
    return rows


@router.get("/sources")
def sources(request: Request, store: StoreDep, user: User) -> Response:
    recent = recent_jobs(store)
    serving = store.serving()
    use_versions(request, serving)
    return page(request, "sources.html", title="Sources", versions=serving,
                rows=source_rows(store, recent), jobs=recent, nav="sources")


@router.post("/sources/update", dependencies=[CheckedForm])
def start_update(request: Request, store: StoreDep, user: Admin,
                 source: Annotated[list[str] | None, Form()] = None) -> Response:
    chosen = sorted({s for s in source or [] if s})
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown:
        raise WebError(422, f"Unknown source {', '.join(unknown)}.")
    settings = request.app.state.settings
    wanted = chosen or None
    row, created = jobs.start_job(store, user.actor, wanted, settings.update_stale_seconds)
    if not created:
        return redirect(request, f"{PREFIX}/sources/jobs/{row.id}",
                        f"An update is already running (started by {row.requested_by}).")
    append_audit(store, user.actor, "update", {"sources": wanted, "job": row.id, "via": "web"},
                 store.serving(), [])
    jobs.run_in_background(store, row.id, wanted, request.app.state.updater)
    return redirect(request, f"{PREFIX}/sources/jobs/{row.id}", "Update started.")


@router.post("/sources/accept-shrink", dependencies=[CheckedForm])
def accept_shrink(request: Request, store: StoreDep, user: Admin,
                  source: Annotated[str, Form()]) -> Response:
    """Make the version the shrink guard holds current, as a job that then rebuilds the
    screening index (the acceptance is audit-logged under the admin's name)."""
    if source not in {h.source for h in store.held()}:
        raise WebError(422, f"No version of {source!r} is held by the shrink guard.")
    settings = request.app.state.settings
    row, created = jobs.start_job(store, user.actor, [source], settings.update_stale_seconds)
    if not created:
        return redirect(request, f"{PREFIX}/sources/jobs/{row.id}",
                        f"An update is already running (started by {row.requested_by}); "
                        "accept the held version when it has finished.")

    def accept(job_store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        return accept_held(job_store, sources, user.actor, reporter)

    jobs.run_in_background(store, row.id, [source], accept)
    return redirect(request, f"{PREFIX}/sources/jobs/{row.id}",
                    f"Accepting the held version of {source}.")


@router.get("/sources/jobs/{job_id}")
def job(request: Request, job_id: str, store: StoreDep, user: User) -> Response:
    row = jobs.get_job(store, job_id)
    if row is None:
        raise WebError(404, f"No update job {job_id!r}.")
    data = jobs.job_dict(row, store)
    imported = [v for v in store.versions() if v.fetched_at >= row.started_at]
    serving = store.serving()
    use_versions(request, serving)
    return page(request, "job.html", title="Update " + job_id, versions=serving, job=data,
                imported=imported, requested=json.loads(row.sources) if row.sources else None,
                running=row.status == "running", nav="sources")
