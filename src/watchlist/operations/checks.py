"""How each list's scheduled checks went: recorded after every scheduled update, read by
the scheduler (when is a list due) and by the staleness report."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from watchlist.operations.cadence import Cadence
from watchlist.operations.schema import source_checks
from watchlist.store.store import Store, now_iso

#: Outcomes of one list's check: a new version serves, a new version is held by the shrink
#: guard, nothing new (not modified, or the same content), or the check failed.
OUTCOMES = ("imported", "held", "unchanged", "failed")


@dataclass(frozen=True)
class Check:
    """The last scheduled check of one list."""

    source: str
    last_attempt_at: str
    last_success_at: str | None
    outcome: str
    message: str | None
    failures: int
    next_due_at: float


def read_checks(store: Store) -> dict[str, Check]:
    """Every list's last check, by source."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(source_checks)).all()
    return {r.source: Check(r.source, r.last_attempt_at, r.last_success_at, r.outcome,
                            r.message, r.failures, r.next_due_at) for r in rows}


def outcomes_of(sources: list[str], result: dict[str, Any] | None,
                error: str | None) -> dict[str, tuple[str, str]]:
    """Each source's (outcome, message) from an update job's result (`jobs.report_dict`) or,
    when the job failed before giving one, its error."""
    if not result:
        return {s: ("failed", error or "the update ended without a result") for s in sources}
    found: dict[str, tuple[str, str]] = {}
    for failure in result.get("failures", []):
        subject = failure.split(": ", 1)[0]
        if subject in sources:
            found.setdefault(subject, ("failed", failure))
    held = {h["source"] for h in result.get("held", [])}
    for outcome in result.get("outcomes", []):
        source = outcome["source"]
        if source in found and found[source][0] == "failed":
            continue
        if source in held:
            found[source] = ("held", outcome["message"])
        elif outcome["status"] == "imported" or found.get(source, ("",))[0] != "imported":
            kind = "imported" if outcome["status"] == "imported" else "unchanged"
            found[source] = (kind, outcome["message"])
    for source in sources:
        found.setdefault(source, ("unchanged", "no new version"))
    return found


def next_due(cad: Cadence, failures: int, now: float, rng: random.Random) -> float:
    """When to check again: the interval after a success, the backoff after a failure, each
    lengthened by up to `jitter` of itself so servers sharing a publisher spread out."""
    wait = cad.retry_after(failures)
    return now + wait * (1 + rng.uniform(0, cad.jitter))


def record(store: Store, outcomes: dict[str, tuple[str, str]], cadences: dict[str, Cadence],
           rng: random.Random, now: float | None = None) -> dict[str, Check]:
    """Record each list's check and schedule its next one; the new records."""
    now = time.time() if now is None else now
    before = read_checks(store)
    stamp = now_iso()
    written: dict[str, Check] = {}
    with store.engine.begin() as conn:
        for source, (outcome, message) in outcomes.items():
            old = before.get(source)
            failed = outcome == "failed"
            failures = (old.failures if old else 0) + 1 if failed else 0
            success = (old.last_success_at if old else None) if failed else stamp
            check = Check(source, stamp, success, outcome, message, failures,
                          next_due(cadences[source], failures, now, rng))
            values = dict(last_attempt_at=check.last_attempt_at,
                          last_success_at=check.last_success_at, outcome=outcome,
                          message=message, failures=failures, next_due_at=check.next_due_at)
            if old is None:
                conn.execute(source_checks.insert().values(source=source, **values))
            else:
                conn.execute(source_checks.update()
                             .where(source_checks.c.source == source).values(**values))
            written[source] = check
    return written
