"""Updates started over the API: run in a background thread, tracked in the store.

Jobs live in the store (not in memory) so any worker process can answer
GET /updatez/{id}, and so only one update runs at a time across workers. A job left
"running" by a killed process stops blocking new ones after `update_stale_seconds`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, String, Table, Text, insert, select, update

from watchlist.index.build import IndexProgress, updating_lists
from watchlist.screening.holder import ensure_index
from watchlist.store.audit import begin_write
from watchlist.store.labels import version_ref
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso
from watchlist.updates.pipeline import Report, Reporter, index_after_update, update_sources

#: Runs an update of some sources (None: all) into a store, telling a reporter how it goes,
#: and reports what it did.
Updater = Callable[[Store, list[str] | None, Reporter], Report]

#: Shortest time between two writes of a download's progress to its job, and the most
#: progress lines kept on it.
PROGRESS_SECONDS = 1.0
PROGRESS_LINES = 200

update_jobs = Table(
    "update_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("requested_by", String(300), nullable=False),
    Column("sources", Text),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("result", Text),
    Column("error", Text),
)


def default_updater(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
    """Download the given sources (all by default) from their publishers."""
    return update_sources(store, sources, reporter)


class JobReporter(Reporter):
    """Writes an update's progress onto its job while it runs (each list downloaded and
    read, bytes so far, problems), so the job page and GET /updatez/{id} show it."""

    def __init__(self, store: Store, job_id: str) -> None:
        self.store = store
        self.job_id = job_id
        self.lines: list[str] = []
        self._written = 0.0

    def _save(self) -> None:
        self._written = time.monotonic()
        with self.store.engine.begin() as conn:
            conn.execute(update(update_jobs)
                         .where(update_jobs.c.id == self.job_id)
                         .where(update_jobs.c.status == "running")
                         .values(result=json.dumps({"progress": self.lines[-PROGRESS_LINES:]},
                                                   ensure_ascii=False)))

    def message(self, text: str) -> None:
        self.lines.append(text)
        self._save()

    def _live(self, text: str) -> Callable[[str, bool], None]:
        """Add a line; the returned function rewrites it as work goes on (saved at most once
        per PROGRESS_SECONDS, and at the end)."""
        self.message(text)
        line = len(self.lines) - 1

        def rewrite(new: str, final: bool) -> None:
            self.lines[line] = new
            if final or time.monotonic() - self._written >= PROGRESS_SECONDS:
                self._save()

        return rewrite

    def parsing(self, label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
        rewrite = self._live(f"reading {label}")

        def progress(done: int, total: int) -> None:
            rewrite(f"reading {label}: {_amount(done)} of {_amount(total)}", done == total)

        return progress, lambda: None

    def indexing(self) -> tuple[IndexProgress, Callable[[], None]]:
        rewrite = self._live("building the screening index")

        def progress(stage: str, done: int, total: int) -> None:
            amount = f" {done:,} of {total:,}" if total else ""
            rewrite(f"building the screening index: {stage}{amount}", False)

        return progress, self._save

    def downloading(self, url: str) -> tuple[Callable[[int, int | None], None],
                                                Callable[[], None]]:
        self.message(f"downloading {url}")
        line = len(self.lines) - 1

        def progress(done: int, total: int | None) -> None:
            if time.monotonic() - self._written >= PROGRESS_SECONDS:
                size = f" of {total / 1e6:.1f} MB" if total else ""
                self.lines[line] = f"downloading {url}: {done / 1e6:.1f} MB{size}"
                self._save()

        return progress, lambda: None


def _amount(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def ensure_tables(store: Store) -> None:
    update_jobs.create(store.engine, checkfirst=True)


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "outcomes": [{"source": o.version.source, "status": o.status,
                      "version": o.version.version, "message": o.message}
                     for o in report.outcomes],
        "failures": list(report.failures),
        "skipped": list(report.skipped),
        "notes": list(report.notes),
        "held": [hold.to_dict() for hold in report.held],
    }


def record_run(store: Store, requested_by: str, sources: list[str] | None,
               reports: list[Report], started_at: str) -> str:
    """Record an update run outside the service (`watchlist update`) as a finished job,
    so the sources page shows how every list's last update went, whoever ran it."""
    merged = Report()
    for report in reports:
        merged.outcomes.extend(report.outcomes)
        merged.failures.extend(report.failures)
        merged.skipped.extend(report.skipped)
        merged.notes.extend(report.notes)
    job_id = secrets.token_hex(8)
    status, error = _ending(merged)
    with store.engine.begin() as conn:
        conn.execute(insert(update_jobs).values(
            id=job_id, status=status, requested_by=requested_by,
            sources=json.dumps(sources) if sources is not None else None,
            started_at=started_at, finished_at=now_iso(),
            result=json.dumps(report_dict(merged), ensure_ascii=False), error=error))
    return job_id


def failure_subject(failure: str) -> str:
    """What a failure line is about: the source id, file or URL before its first ': '."""
    return failure.split(": ", 1)[0]


def list_results(result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The lists a finished update read and stored (each once, in order), and the lists
    (or files, URLs) that failed: from a job's result (`report_dict`)."""
    stored = list(dict.fromkeys(o["source"] for o in result.get("outcomes", [])))
    failed = list(dict.fromkeys(failure_subject(f) for f in result.get("failures", [])))
    return stored, failed


def _ending(report: Report) -> tuple[str, str | None]:
    """The status a finished update's job ends in, and its error line: `partial` when some
    lists were stored and others failed, naming both."""
    if report.ok:
        return "succeeded", None
    stored, failed = list_results(report_dict(report))
    if stored:
        return "partial", (f"partly done: {', '.join(stored)} updated; {', '.join(failed)} "
                           "failed, and the versions serving for those stay current")
    return "failed", f"{len(report.failures)} sources failed; the versions serving stay current"


def job_dict(row: Any, store: Store) -> dict[str, Any]:
    result = json.loads(row.result) if row.result else None
    progress: list[str] = []
    if isinstance(result, dict) and "outcomes" not in result:  # still running
        progress = list(result.get("progress", []))
        result = None
    versions = [version_ref(v) for v in store.serving()] if row.status != "running" else []
    return {
        "id": row.id, "status": row.status, "status_url": f"/updatez/{row.id}",
        "requested_by": row.requested_by,
        "sources": json.loads(row.sources) if row.sources else None,
        "started_at": row.started_at, "finished_at": row.finished_at,
        "result": result, "progress": progress, "error": row.error, "versions": versions,
    }


def get_job(store: Store, job_id: str) -> Any:
    with store.engine.connect() as conn:
        return conn.execute(select(update_jobs).where(update_jobs.c.id == job_id)).first()


def start_job(store: Store, requested_by: str, sources: list[str] | None,
              stale_seconds: int) -> tuple[Any, bool]:
    """Record a new running job, or return the one already running: (row, created)."""
    cutoff = (datetime.now(UTC) - timedelta(seconds=stale_seconds)).replace(microsecond=0)
    with store.engine.connect() as conn:
        begin_write(conn)
        running = conn.execute(
            select(update_jobs).where(update_jobs.c.status == "running")
            .where(update_jobs.c.started_at >= cutoff.isoformat())
            .order_by(update_jobs.c.started_at.desc())
        ).first()
        if running is not None:
            conn.rollback()
            return running, False
        job_id = secrets.token_hex(8)
        conn.execute(insert(update_jobs).values(
            id=job_id, status="running", requested_by=requested_by,
            sources=json.dumps(sources) if sources is not None else None,
            started_at=now_iso()))
        conn.commit()
    return get_job(store, job_id), True


def run_job(store: Store, job_id: str, sources: list[str] | None, updater: Updater) -> None:
    """Run the update, then build the screening index of the new versions (out of process),
    and record how it ended; never raises. A service keeps screening with the versions it
    has until that index is on disk."""
    status, result, error = "failed", None, None
    try:
        reporter = JobReporter(store, job_id)
        with updating_lists():
            report = updater(store, sources, reporter)
            index_after_update(store, [report], reporter, build=_build_in_child)
        result = json.dumps(report_dict(report), ensure_ascii=False)
        status, error = _ending(report)
    except Exception as exc:  # noqa: BLE001 - recorded on the job for the admin to read
        error = f"{type(exc).__name__}: {exc}"
    with store.engine.begin() as conn:
        conn.execute(update(update_jobs).where(update_jobs.c.id == job_id).values(
            status=status, finished_at=now_iso(), result=result, error=error))


def _build_in_child(store: Store, progress: IndexProgress) -> bool:
    return ensure_index(store, progress=progress)


def run_in_background(store: Store, job_id: str, sources: list[str] | None,
                      updater: Updater) -> threading.Thread:
    thread = threading.Thread(target=run_job, args=(store, job_id, sources, updater),
                              name=f"watchlist-update-{job_id}", daemon=True)
    thread.start()
    return thread
