"""A monitor run: screen the customer book against the serving lists, raising only new
alerts.

* A customer new to the book, or whose record changed since its last screening, is
  screened in full (`Screener.check` over every serving list).
* Every other customer is screened only against the targets added or changed since the
  list versions it was last screened against (`monitor.delta`), which for a weekly update
  is a small fraction of the work. (Scores against unchanged entries can still drift a
  little when a new version changes how rare a name token is; `full=True` re-screens
  everyone.)

Each hit is matched to the customer's existing alert for the same party: one alert per
customer and profile (same profile id, which stays while the profile's records stay linked,
or a list record in common). A record newly linked to the profile joins that alert, and
its history says so (a `joined` entry), instead of opening another; an alert no analyst
has decided on, raised on records before they were linked, is closed into the alert on
the profile (a `joined` entry naming it):

* none: a new alert (`new`), with its cause (customer-new, customer-changed,
  listing-added, listing-changed, full-rescreen, or ownership: a party owned or
  controlled by listed ones, re-checked on every run since owners and shares change
  apart from any listing of its own);
* a false positive: suppressed while the customer record and the listing (the profile's
  records and everything their lists say of them) are as they were when it was decided;
  otherwise reopened with what changed (the customer's fields, the listing's records and
  fields);
* delisted or closed: reopened (the party is listed again, or the customer is back);
* open (new, reopened, escalated, match): refreshed with the latest score and versions.

Open alerts whose records all left the lists become `delisted`, and so do alerts on a
party no ownership rule blocks any more. Customers are processed
in chunks, each written in one transaction under the store's write lock (status changes
re-read the alert under the lock, so a decision made meanwhile is never overwritten), with
one audit entry per chunk naming the customers screened and the alerts raised.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from watchlist.errors import WatchlistError
from watchlist.index.build import _code_digest
from watchlist.metrics import ALERTS_OPENED
from watchlist.monitor import schema as m
from watchlist.monitor.alerts import (
    SYSTEM,
    new_id,
    record_transition,
    versions_json,
)
from watchlist.monitor.delta import (
    ChangeSet,
    DeltaScreener,
    DigestCache,
    changes_between,
    counting,
    customer_keys,
)
from watchlist.monitor.diff import load_records, record_changes, target_digests
from watchlist.monitor.portfolio import customer_changes, iter_customers, query_fields
from watchlist.screener import Hit, QueryError, Screener, parse_query
from watchlist.store import schema as t
from watchlist.store.audit import append_audit_in, begin_write, canonical_json
from watchlist.store.store import Store, now_iso
from watchlist.webhooks.delivery import deliver_due, emit

__all__ = ["MonitorError", "RunStats", "run_monitor"]

#: Statuses of an alert no analyst has decided on (one may be closed into another).
UNDECIDED = ("new", "reopened")
#: Customers screened and written per transaction.
CHUNK = 1000
#: A run still marked running after this long is taken to have died.
STALE_RUN = timedelta(hours=12)


class MonitorError(WatchlistError):
    """A monitor run that cannot start or go on."""


@dataclass
class RunStats:
    """What a run did, and the work it took against what a full re-screen takes."""

    run_id: int = 0
    mode: str = "delta"
    customers: int = 0
    full: int = 0
    delta: int = 0
    delta_searched: int = 0
    pairs_full: int = 0
    pairs_delta: int = 0
    targets_added: int = 0
    targets_changed: int = 0
    targets_removed: int = 0
    new_alerts: int = 0
    reopened: int = 0
    suppressed: int = 0
    refreshed: int = 0
    delisted: int = 0
    errors: int = 0
    seconds: float = 0.0
    threshold: float = 0.0
    versions: list[dict[str, Any]] = field(default_factory=list)
    new_alert_ids: list[int] = field(default_factory=list)

    @property
    def searches(self) -> int:
        """Searches of the full index this run made (a full re-screen makes one each)."""
        return self.full + self.delta_searched

    @property
    def work_share(self) -> float:
        """This run's searches as a share of a full re-screen's (0 to 1)."""
        return self.searches / self.customers if self.customers else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(searches=self.searches, work_share=round(self.work_share, 6))
        return data


@dataclass
class _Existing:
    """An alert of a customer as the run found it."""

    id: int
    profile_id: str
    entity_ids: set[str]
    status: str


@dataclass
class _Screened:
    customer: Any
    mode: str
    hits: list[Hit]
    causes: list[str]
    since: str | None = None
    error: str | None = None
    keys: str | None = None


def _hash(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def listing_digests(conn: Connection, version_ids: Iterable[int], entity_ids: Iterable[str]
                    ) -> dict[str, str]:
    """{entity id: target digest} of these targets in the given versions."""
    ids = sorted(set(entity_ids))
    where: dict[int, list[str]] = defaultdict(list)
    ve = t.version_entities
    versions = list(version_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in conn.execute(select(ve.c.version_id, ve.c.entity_id).where(and_(
                ve.c.version_id.in_(versions), ve.c.entity_id.in_(chunk),
                ve.c.target.is_(True)))):
            where[row.version_id].append(row.entity_id)
    digests: dict[str, str] = {}
    for version_id, members in where.items():
        digests.update(target_digests(conn, version_id, members))
    return digests


def listing_hash(entity_ids: Iterable[str], digests: dict[str, str]) -> str:
    """The hash of a listing: its records and what their lists say of them."""
    return _hash(f"{e}:{digests.get(e, '-')}" for e in entity_ids)


def run_monitor(store: Store, screener: Screener | None = None, full: bool = False,
                actor: str = SYSTEM, force: bool = False,
                progress: Callable[[int, int], None] | None = None,
                chunk_size: int = CHUNK) -> RunStats:
    """Screen the customer book (see the module docstring); `progress(done, total)` is
    called after each chunk."""
    started = time.perf_counter()
    m.ensure_tables(store.engine)
    screener = screener or Screener.open(store)
    index = screener.index
    if not index.versions:
        raise MonitorError("no list is serving: import the lists first (watchlist update)")
    serving = {v["source"]: int(v["id"]) for v in index.versions}
    stats = RunStats(mode="full" if full else "delta", threshold=screener.threshold,
                     versions=[dict(v) for v in index.versions])
    stats.run_id = _start_run(store, actor, stats, index.key, force)
    try:
        _run(store, screener, serving, full, stats, progress, chunk_size)
    except BaseException:
        _finish_run(store, stats, "failed", started)
        raise
    _finish_run(store, stats, "done", started)
    _announce(store, stats)
    return stats


def _announce(store: Store, stats: RunStats) -> None:
    """Count the alerts a run opened and tell the webhooks about them."""
    if not stats.new_alerts:
        return
    ALERTS_OPENED.inc(stats.new_alerts)
    ids = emit(store, "alerts.new", {"run": stats.run_id, "new_alerts": stats.new_alerts,
                                     "alert_ids": stats.new_alert_ids[:1000],
                                     "versions": stats.versions}, send=False)
    if ids:  # sent beside the caller (a slow receiver never holds up a run's answer)
        threading.Thread(target=deliver_due, args=(store, ids), name="watchlist-webhooks"
                         ).start()


def _run(store: Store, screener: Screener, serving: dict[str, int], full: bool,
         stats: RunStats, progress: Callable[[int, int], None] | None,
         chunk_size: int) -> None:
    full_screener, full_counter = counting(screener)
    deltas: dict[str, tuple[DeltaScreener, ChangeSet]] = {}
    code = _code_digest()
    with store.engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(m.customers)
                                 .where(m.customers.c.removed_at.is_(None))).scalar() or 0)
        existing = _existing_alerts(conn)
        digests = DigestCache(conn)
        batches = list(iter_customers(conn, chunk_size))
        conn.rollback()
        done = 0
        for rows in batches:
            screened: list[_Screened] = []
            for row in rows:
                screened.append(_screen_one(row, full, serving, full_screener, deltas, digests,
                                            stats, code))
            conn.rollback()  # no long read transaction while writing
            _write_chunk(store, conn, screened, existing, serving, stats)
            done += len(rows)
            if progress:
                progress(done, total)
    stats.pairs_full = full_counter.pairs
    stats.pairs_delta = sum(d.pairs for d, _c in deltas.values())
    stats.delta_searched = sum(d.searches for d, _c in deltas.values())
    for _d, changes in deltas.values():
        stats.targets_added = max(stats.targets_added, len(changes.added))
        stats.targets_changed = max(stats.targets_changed, len(changes.changed))
        stats.targets_removed = max(stats.targets_removed, len(changes.removed))
    _delist(store, screener, stats)


def _keys(row: Any, query: dict[str, Any], code: str) -> tuple[dict[str, Any], bool]:
    """The customer's delta keys: as kept, or made now (True: they need saving)."""
    if row.keys:
        kept = json.loads(row.keys)
        if kept.get("code") == code:
            return kept, False
    return {**customer_keys(parse_query(query)), "code": code}, True


def _screen_one(row: Any, full: bool, serving: dict[str, int], full_screener: Screener,
                deltas: dict[str, tuple[DeltaScreener, ChangeSet]], digests: DigestCache,
                stats: RunStats, code: str) -> _Screened:
    query = {"id": row.id, **query_fields(json.loads(row.data))}
    stats.customers += 1
    since = row.screened_versions
    if full or row.screened_hash is None or row.screened_hash != row.hash or since is None:
        cause = ("customer-new" if row.screened_hash is None else
                 "customer-changed" if row.screened_hash != row.hash else "full-rescreen")
        stats.full += 1
        try:
            hits = full_screener.check(query)
            keys, fresh = _keys(row, query, code)
        except QueryError as exc:
            stats.errors += 1
            return _Screened(row, "full", [], [], error=str(exc))
        return _Screened(row, "full", hits, [cause] * len(hits),
                         keys=json.dumps(keys) if fresh else None)
    stats.delta += 1
    group = deltas.get(since)
    if group is None:
        old = {k: int(v) for k, v in json.loads(since).items()}
        changes = changes_between(old, serving, digests)
        group = deltas[since] = (DeltaScreener(full_screener, changes.targets), changes)
    delta, changes = group
    try:
        keys, fresh = _keys(row, query, code)
        hits = delta.check(query, keys)
        if not any(h.basis == "ownership" for h in hits):  # owners and shares change apart
            hits = hits + full_screener.ownership_hits(query, hits)  # from the lists' entries
    except QueryError as exc:
        stats.errors += 1
        return _Screened(row, "delta", [], [], since=since, error=str(exc))
    causes = ["ownership" if h.basis == "ownership" else
              "listing-added" if h.matched_entity_id in changes.added else "listing-changed"
              for h in hits]
    return _Screened(row, "delta", hits, causes, since=since,
                     keys=json.dumps(keys) if fresh else None)


def _existing_alerts(conn: Connection) -> dict[str, list[_Existing]]:
    found: dict[str, list[_Existing]] = defaultdict(list)
    a = m.alerts
    for row in conn.execute(select(a.c.id, a.c.customer_id, a.c.profile_id, a.c.entity_ids,
                                   a.c.status)):
        found[row.customer_id].append(_Existing(row.id, row.profile_id,
                                                set(json.loads(row.entity_ids)), row.status))
    return found


def _same_party(alerts: list[_Existing], hit: Hit) -> list[_Existing]:
    """The customer's alerts on the hit's party: the one on its profile first, then any
    sharing a record with it (alerts raised before their records were linked)."""
    members = set(hit.entity_ids)
    same = [a for a in alerts if a.profile_id == hit.profile_id]
    return same + [a for a in alerts if a not in same and a.entity_ids & members]


def _alert_values(hit: Hit, screened: _Screened, listing: str, versions: str,
                  run_id: int) -> dict[str, Any]:
    data = hit.to_dict()
    return {
        "profile_id": hit.profile_id, "entity_id": hit.entity_id,
        "entity_ids": json.dumps(hit.entity_ids), "matched_entity_id": hit.matched_entity_id,
        "caption": hit.caption, "schema": hit.schema, "score": round(hit.score, 4),
        "explanation": json.dumps(data["explanation"], ensure_ascii=False),
        "designations": json.dumps(data["designations"], ensure_ascii=False),
        "versions": versions, "customer_hash": screened.customer.hash,
        "listing_hash": listing, "last_seen_run": run_id,
    }


def _write_chunk(store: Store, read: Connection, screened: list[_Screened],
                 existing: dict[str, list[_Existing]], serving: dict[str, int],
                 stats: RunStats) -> None:
    serving_json = json.dumps(serving, sort_keys=True)
    versions = versions_json(stats.versions)
    now = now_iso()
    members = {e for s in screened for h in s.hits for e in h.entity_ids}
    digests = listing_digests(read, serving.values(), members) if members else {}
    read.rollback()
    screenings = [{"run_id": stats.run_id, "customer_id": s.customer.id, "at": now,
                   "mode": s.mode, "customer_hash": s.customer.hash, "since_versions": s.since,
                   "hits": len(s.hits), "error": s.error} for s in screened]
    screened_rows = [{"b_id": s.customer.id, "screened_hash": s.customer.hash,
                      "screened_versions": serving_json, "screened_at": now,
                      "screened_run": stats.run_id} for s in screened]
    new_alerts: list[dict[str, Any]] = []
    touched: list[tuple[int, Hit, _Screened, str]] = []
    joined: list[tuple[int, int]] = []
    for s in screened:
        alerts = existing[s.customer.id]
        for hit, cause in zip(s.hits, s.causes, strict=True):
            listing = listing_hash(hit.entity_ids, digests)
            found, *others = _same_party(alerts, hit) or [None]
            if found is None:
                values = _alert_values(hit, s, listing, versions, stats.run_id)
                new_alerts.append({**values, "customer_id": s.customer.id, "status": "new",
                                   "cause": cause, "created_at": now, "updated_at": now,
                                   "run_id": stats.run_id})
                alerts.append(_Existing(0, hit.profile_id, set(hit.entity_ids), "new"))
            elif found.id:
                touched.append((found.id, hit, s, listing))
                joined.extend((other.id, found.id) for other in others
                              if other.id and other.status in UNDECIDED)
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            conn.execute(insert(m.screenings), screenings)
            c = m.customers
            conn.execute(update(c).where(c.c.id == bindparam("b_id")).values(
                screened_hash=bindparam("screened_hash"),
                screened_versions=bindparam("screened_versions"),
                screened_at=bindparam("screened_at"), screened_run=bindparam("screened_run")),
                screened_rows)
            fresh = [{"b_id": s.customer.id, "keys": s.keys} for s in screened if s.keys]
            if fresh:
                conn.execute(update(c).where(c.c.id == bindparam("b_id"))
                             .values(keys=bindparam("keys")), fresh)
            ids = []
            for values in new_alerts:
                ids.append(new_id(conn.execute(insert(m.alerts).values(**values))))
            for alert_id, hit, s, listing in touched:
                _touch(conn, alert_id, hit, s, listing, versions, serving, stats)
            for alert_id, into in joined:
                _join(conn, alert_id, into)
            new_refs = [{"alert_id": i, "customer_id": v["customer_id"],
                         "entity_id": v["entity_id"], "profile_id": v["profile_id"],
                         "caption": v["caption"], "score": v["score"], "cause": v["cause"]}
                        for i, v in zip(ids, new_alerts, strict=True)]
            # The log keeps a hit's party fields only: the new alerts' ids and customers go
            # in the query.
            append_audit_in(conn, [(SYSTEM, "monitor", {
                "run_id": stats.run_id, "mode": stats.mode,
                "full": [s.customer.id for s in screened if s.mode == "full"],
                "delta": [s.customer.id for s in screened if s.mode == "delta"],
                "errors": {s.customer.id: s.error for s in screened if s.error},
                "new_alerts": [{k: r[k] for k in ("alert_id", "customer_id", "cause")}
                               for r in new_refs],
            }, stats.versions, new_refs)])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    for alert_id, values in zip(ids, new_alerts, strict=True):
        for alert in existing[values["customer_id"]]:
            if alert.id == 0 and alert.profile_id == values["profile_id"]:
                alert.id = alert_id
    stats.new_alerts += len(ids)
    stats.new_alert_ids.extend(ids)


def _touch(conn: Connection, alert_id: int, hit: Hit, s: _Screened, listing: str,
           versions: str, serving: dict[str, int], stats: RunStats) -> None:
    """A hit on an alert the customer already has: suppress, reopen or refresh it, by the
    status read now, under the write lock."""
    row = conn.execute(select(m.alerts).where(m.alerts.c.id == alert_id).with_for_update()
                       ).first()
    if row is None:  # pragma: no cover - alerts are never deleted
        return
    values = _alert_values(hit, s, listing, versions, stats.run_id)
    for reason in _joined(row, hit):
        record_transition(conn, row, "joined", row.status, reason, SYSTEM)
    if row.status == "false-positive":
        customer_same = row.decided_customer_hash == s.customer.hash
        listing_same = row.decided_listing_hash == listing
        if customer_same and listing_same:
            stats.suppressed += 1
            conn.execute(update(m.alerts).where(m.alerts.c.id == alert_id)
                         .values(last_seen_run=stats.run_id))
            return
        changes = _changes(conn, row, hit, s, serving, customer_same, listing_same)
        what = " and ".join(p for p, same in (("customer record", customer_same),
                                              ("listing", listing_same)) if not same)
        record_transition(conn, row, "reopened", "reopened",
                          f"the {what} changed since it was decided a false positive",
                          SYSTEM, changes=changes, values=values)
        stats.reopened += 1
        return
    if row.status in ("delisted", "closed"):
        why = ("listed again" if row.status == "delisted"
               else "the customer is back in the book")
        record_transition(conn, row, "reopened", "reopened", f"{why}: it matches again",
                          SYSTEM, changes={"status": {"before": row.status,
                                                      "after": "reopened"}},
                          values=values)
        stats.reopened += 1
        return
    conn.execute(update(m.alerts).where(m.alerts.c.id == alert_id)
                 .values(**values, updated_at=now_iso()))
    stats.refreshed += 1


def _join(conn: Connection, alert_id: int, into: int) -> None:
    """An alert no analyst has decided on, on records now linked to the party of another
    alert of the customer: closed into that one, so the customer has one alert on it."""
    row = conn.execute(select(m.alerts).where(m.alerts.c.id == alert_id).with_for_update()
                       ).first()
    if row is None or row.status not in UNDECIDED:
        return
    record_transition(conn, row, "joined", "closed",
                      f"its records are now linked to the party of alert {into}, which "
                      "follows them", SYSTEM)


def _joined(row: Any, hit: Hit) -> list[str]:
    """What the alert's history says of each record newly linked to its party."""
    before = set(json.loads(row.entity_ids))
    sources = {d.get("entity_id"): d.get("source") for d in hit.designations}
    return [f"record {e} of list {sources.get(e) or 'unknown'} joined this alert's party"
            for e in hit.entity_ids if e not in before]


def _changes(conn: Connection, row: Any, hit: Hit, s: _Screened, serving: dict[str, int],
             customer_same: bool, listing_same: bool) -> dict[str, Any]:
    """What changed since the decision: the customer's fields, the listing's records and
    their fields (by the diff of the versions decided on and the serving ones)."""
    changes: dict[str, Any] = {}
    if not customer_same:
        h = m.customer_history
        before = conn.execute(select(h.c.data).where(and_(
            h.c.customer_id == row.customer_id, h.c.hash == row.decided_customer_hash))
            .order_by(h.c.version.desc())).scalar()
        changes["customer"] = customer_changes(json.loads(before) if before else None,
                                               json.loads(s.customer.data))
    if not listing_same:
        old_ids = set(json.loads(row.entity_ids))
        new_ids = set(hit.entity_ids)
        decided = json.loads(row.decided_versions or row.versions)
        old_versions = [int(v["id"]) for v in decided if v.get("id") is not None]
        listing: dict[str, Any] = {"records_added": sorted(new_ids - old_ids),
                                   "records_removed": sorted(old_ids - new_ids)}
        fields: dict[str, Any] = {}
        for entity_id in sorted(old_ids & new_ids):
            before = _record(conn, old_versions, entity_id)
            after = _record(conn, list(serving.values()), entity_id)
            if before is not None and after is not None:
                found = record_changes(before, after)
                if found:
                    fields[entity_id] = found
        listing["changed"] = fields
        changes["listing"] = listing
    return changes


def _record(conn: Connection, version_ids: list[int], entity_id: str) -> Any:
    ve = t.version_entities
    version_id = conn.execute(select(ve.c.version_id).where(and_(
        ve.c.version_id.in_(version_ids), ve.c.entity_id == entity_id))).scalar()
    if version_id is None:
        return None
    return load_records(conn, version_id, [entity_id]).get(entity_id)


def _blocked_by_ownership(screener: Screener) -> set[str]:
    """Ids of the parties blocked by ownership or control now (none without the view)."""
    source = getattr(screener, "ownership", None)
    view = source.get() if source is not None else None
    if view is None:
        return set()
    return {view.graph.ids[n] for n in view.derived()}


def _delist(store: Store, screener: Screener, stats: RunStats) -> None:
    """Open alerts whose records all left the lists become `delisted`; so do alerts on a
    party blocked by ownership that no rule blocks any more (an owner delisted, a share
    fallen below the threshold)."""
    listed = screener.index.by_id
    owned = _blocked_by_ownership(screener)
    with store.engine.connect() as conn:
        rows = conn.execute(select(m.alerts.c.id, m.alerts.c.entity_ids).where(
            m.alerts.c.status.in_(m.OPEN_STATUSES))).all()
        conn.rollback()
        gone = [r.id for r in rows
                if not any(e in listed or e in owned for e in json.loads(r.entity_ids))]
        if not gone:
            return
        try:
            begin_write(conn)
            for alert_id in gone:
                row = conn.execute(select(m.alerts).where(m.alerts.c.id == alert_id)
                                   .with_for_update()).first()
                if row is None or row.status not in m.OPEN_STATUSES:
                    continue  # decided meanwhile
                record_transition(conn, row, "delisted", "delisted",
                                  "no list serving now names this party", SYSTEM,
                                  changes={"listing": {"records_removed":
                                                       json.loads(row.entity_ids)}})
                stats.delisted += 1
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


def _start_run(store: Store, actor: str, stats: RunStats, index_key: str, force: bool) -> int:
    r = m.monitor_runs
    now = datetime.now(UTC)
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            running = conn.execute(select(r).where(r.c.status == "running")
                                   .order_by(r.c.id.desc())).first()
            if running is not None and not force:
                since = datetime.fromisoformat(running.started_at)
                if now - since < STALE_RUN:
                    raise MonitorError(
                        f"monitor run {running.id} has been running since "
                        f"{running.started_at} (by {running.actor}); wait for it, or if it "
                        "died, run again with --force")
            run_id = new_id(conn.execute(insert(r).values(
                started_at=now.replace(microsecond=0).isoformat(), status="running",
                actor=actor, mode=stats.mode, versions=canonical_json(stats.versions),
                index_key=index_key)))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return int(run_id)


def _finish_run(store: Store, stats: RunStats, status: str, started: float) -> None:
    stats.seconds = round(time.perf_counter() - started, 3)
    data = stats.to_dict()
    data.pop("versions", None)
    with store.engine.begin() as conn:
        conn.execute(update(m.monitor_runs).where(m.monitor_runs.c.id == stats.run_id).values(
            finished_at=now_iso(), status=status, stats=json.dumps(data)))
