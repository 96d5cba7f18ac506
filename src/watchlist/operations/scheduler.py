"""Scheduled updates: each list checked at its cadence (`cadence.py`), by one process at a
time across every worker and server sharing the store (`lock.py`); the others pick the new
versions up as they look for them (`screening.holder`). Each run is an update job like the
ones started from the API, so the Sources page shows it; its outcome is recorded per list
(`checks.py`), counted in the metrics and sent to the webhooks.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from watchlist.errors import WatchlistError
from watchlist.metrics import UPDATE_RUNS
from watchlist.operations import checks, lock
from watchlist.operations.cadence import Cadence, cadence
from watchlist.operations.durations import parse_duration
from watchlist.operations.staleness import parse_time
from watchlist.sources.registry import SOURCES
from watchlist.store.store import Store
from watchlist.updates import jobs
from watchlist.webhooks.delivery import deliver_due, emit

log = logging.getLogger("watchlist.scheduler")

#: Set by `watchlist serve --update-every` for its workers: a duration, or `publisher`.
ENV_SCHEDULE = "WATCHLIST_SERVE_UPDATE_EVERY"
PUBLISHER = "publisher"


@dataclass(frozen=True)
class Schedule:
    """What to keep current and how: every list at `every` seconds (None: each at its own
    cadence), `sources` (None: the downloadable lists the store serves, or all of them when
    none serves), looking every `tick` seconds (a quarter of a shorter interval), holding
    the lease `lease` seconds (renewed while an update runs)."""

    every: float | None = None
    sources: tuple[str, ...] | None = None
    tick: float = 10.0
    lease: float = 600.0
    stale_job_seconds: int = 6 * 3600

    @classmethod
    def parse(cls, every: str, sources: list[str] | None = None, **kw: Any) -> Schedule:
        """`every` as given to --update-every: a duration (`6h`) or `publisher`."""
        for source in sources or []:
            if source not in SOURCES or not SOURCES[source].urls():
                raise WatchlistError(f"cannot schedule {source!r}: not a list watchlist "
                                     "downloads; known: " + ", ".join(
                                         s for s, i in SOURCES.items() if i.urls()))
        seconds = None if every.strip().lower() == PUBLISHER else parse_duration(
            every, "--update-every")
        if seconds is not None and "tick" not in kw:
            kw["tick"] = min(cls.tick, seconds / 4)
        return cls(every=seconds, sources=tuple(sources) if sources else None, **kw)


def schedule_from_env() -> Schedule | None:
    """The schedule `watchlist serve` passed its workers, if any."""
    raw = os.environ.get(ENV_SCHEDULE, "").strip()
    if not raw:
        return None
    sources = [s for s in os.environ.get(ENV_SCHEDULE + "_SOURCES", "").split(",") if s]
    return Schedule.parse(raw, sources or None)


@dataclass
class RunResult:
    """What one scheduled run did: per list (outcome, message), and its job."""

    job_id: str
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)


class Scheduler:
    """Checks the lists that are due, one process at a time; `start` runs it in a thread."""

    def __init__(self, store: Store, schedule: Schedule,
                 updater: jobs.Updater | None = None, seed: int | None = None) -> None:
        self.store = store
        self.schedule = schedule
        self.updater = updater or jobs.default_updater
        self.holder = lock.holder_id()
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sources(self) -> list[str]:
        if self.schedule.sources:
            return list(self.schedule.sources)
        downloadable = [s for s, info in SOURCES.items() if info.urls()]
        serving = {v.source for v in self.store.serving()}
        return [s for s in downloadable if s in serving] or downloadable

    def cadence(self, source: str) -> Cadence:
        return cadence(source, self.schedule.every)

    def due(self, now: float) -> list[str]:
        """The lists whose next check is due: as scheduled after their last check, else an
        interval after their serving version was fetched (at once when none serves)."""
        known = checks.read_checks(self.store)
        fetched = {v.source: v.fetched_at for v in self.store.serving()}
        found = []
        for source in self.sources():
            check = known.get(source)
            if check is not None:
                when = check.next_due_at
            else:
                last = parse_time(fetched.get(source))
                when = last + self.cadence(source).every if last else 0.0
            if when <= now:
                found.append(source)
        return found

    def run_once(self) -> RunResult | None:
        """Update the lists that are due, if this process gets the lease and no other update
        is running; what it did (None: nothing was due, or another process is at it)."""
        if not self.due(time.time()):
            return None
        with lock.held(self.store, lock.UPDATER, self.holder, self.schedule.lease) as mine:
            if not mine:
                return None
            due = self.due(time.time())  # another process may have just checked them
            if not due:
                return None
            job, created = jobs.start_job(self.store, "scheduler", due,
                                          self.schedule.stale_job_seconds)
            if not created:
                return None
            jobs.run_job(self.store, job.id, due, self.updater)
            row = jobs.get_job(self.store, job.id)
            result = json.loads(row.result) if row.result else None
            outcomes = checks.outcomes_of(due, result, row.error)
            checks.record(self.store, outcomes, {s: self.cadence(s) for s in due}, self.rng)
        UPDATE_RUNS.labels(row.status).inc()
        self._notify(result, outcomes, job.id)
        return RunResult(job.id, outcomes)

    def _notify(self, result: dict[str, Any] | None, outcomes: dict[str, tuple[str, str]],
                job_id: str) -> None:
        """Tell the webhooks what the run did: new versions, holds, failures."""
        if result:
            serving = {v.source: v for v in self.store.serving()}
            for outcome in result.get("outcomes", []):
                v = serving.get(outcome["source"])
                if outcome["status"] == "imported" and v is not None \
                        and v.version == outcome["version"]:
                    emit(self.store, "list.version", {
                        "source": v.source, "version": v.version, "published": v.published,
                        "targets": v.targets, "job": job_id}, send=False)
            for hold in result.get("held", []):
                emit(self.store, "update.held", {**hold, "job": job_id}, send=False)
        failed = {s: m for s, (o, m) in outcomes.items() if o == "failed"}
        if failed:
            emit(self.store, "update.failed", {"sources": failed, "job": job_id}, send=False)

    def step(self) -> None:
        """One look: run what is due, then send the webhook deliveries that are due."""
        try:
            self.run_once()
        except Exception:  # noqa: BLE001 - the next look tries again
            log.exception("the scheduled update failed")
        try:
            deliver_due(self.store)
        except Exception:  # noqa: BLE001 - retried at the next look
            log.exception("sending webhook deliveries failed")

    def start(self) -> threading.Thread:
        """Look every `tick` seconds in a daemon thread until `stop`."""
        def loop() -> None:
            while not self._stop.wait(self.schedule.tick):
                self.step()

        self._thread = threading.Thread(target=loop, name="watchlist-scheduler", daemon=True)
        self._thread.start()
        return self._thread

    def run_forever(self) -> None:
        """Look every `tick` seconds in this thread until `stop` (`update --daemon`)."""
        while True:
            self.step()
            if self._stop.wait(self.schedule.tick):
                return

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
