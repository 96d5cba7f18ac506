"""The audit log: every screening, append-only and hash-chained, in the store.

Each entry records when, who (an API key or a CLI user), what was asked, which list versions
answered and what was found. Entry N stores the hash of entry N-1 (`prev_hash`; the first
entry has 64 zeros) and its own hash: SHA-256 over the canonical JSON (sorted keys, no
spaces, UTF-8) of its seq, time, actor, action, query, versions, hits and prev_hash. A
one-row head table records the last seq and hash, updated in the same transaction, so
deleting entries from the end is caught too, unless the head is rewritten as well: that,
an emptied log and a chain recomputed after an edit are caught by checkpoints kept outside
the store (`watchlist.store.anchors`).

Appends serialise on the database: SQLite takes the write lock up front (BEGIN IMMEDIATE),
PostgreSQL an advisory transaction lock; `seq` is the primary key, so even a writer that
bypassed the lock could not fork the chain (a second entry after the same head), only fail.
`prev_hash` is not indexed: a random key, its index made every append slower as the log
grew (migration 0003).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, Protocol

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from watchlist.errors import StoreError
from watchlist.store.labels import version_ref
from watchlist.store.locking import AUDIT, write_lock
from watchlist.store.schema import metadata


class LogStore(Protocol):
    """What the log needs of a store: its engine. (The store writes to the log when it holds
    a shrunk list, so the log names no store class: that would be an import cycle.)"""

    @property
    def engine(self) -> Engine: ...


GENESIS = "0" * 64
ACTOR_MAX, ACTION_MAX = 300, 50
#: The parts of a hit the log keeps (a hit's full properties stay in the list version).
HIT_FIELDS = ("id", "entity_id", "profile_id", "caption", "schema", "score", "match",
              "source", "datasets", "version")

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False, index=True),
    Column("actor", String(ACTOR_MAX), nullable=False),
    Column("action", String(ACTION_MAX), nullable=False),
    Column("query", Text, nullable=False),
    Column("versions", Text, nullable=False),
    Column("hits", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# Built once: appends run many times a second, and building a statement costs more than
# running it.
_READ_HEAD = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
_MOVE_HEAD = update(audit_head).where(audit_head.c.id == 1).values(
    seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_FIRST_HEAD = insert(audit_head).values(id=1, seq=bindparam("new_seq"),
                                        hash=bindparam("new_hash"))
_APPEND = insert(audit_log)


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the log."""

    seq: int
    at: str
    actor: str
    action: str
    query: Any
    versions: list[dict[str, Any]]
    hits: list[Any]
    prev_hash: str
    hash: str

    def body(self) -> dict[str, Any]:
        """What the hash covers."""
        return {"seq": self.seq, "at": self.at, "actor": self.actor, "action": self.action,
                "query": self.query, "versions": self.versions, "hits": self.hits,
                "prev_hash": self.prev_hash}

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain: ok, or the first bad entry and what is wrong."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None
    #: The hash of each entry asked for (`verify_audit(collect=...)`) among those verified.
    hashes: dict[int, str] = field(default_factory=dict)


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def entry_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


_ENCODE_STRING = json.encoder.encode_basestring


def _string(value: str) -> str:
    """`json.dumps(value, ensure_ascii=False)` of a string, without the encoder's set-up."""
    return _ENCODE_STRING(value)


def _body_json(seq: int, at: str, actor: str, action: str, query_json: str, versions_json: str,
               hits_json: str, prev_hash: str) -> str:
    """`canonical_json` of an entry's body, put together from its parts' canonical JSON
    (already made for the row), so nothing is encoded twice. A test checks it is the same."""
    return (f'{{"action":{_string(action)},"actor":{_string(actor)},"at":{_string(at)},'
            f'"hits":{hits_json},"prev_hash":{_string(prev_hash)},"query":{query_json},'
            f'"seq":{int(seq)},"versions":{versions_json}}}')


_READY: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_tables(store: LogStore) -> None:
    """Create the audit tables in a store opened before this module was imported."""
    if store.engine not in _READY:
        metadata.create_all(store.engine, tables=[audit_log, audit_head])
        _READY.add(store.engine)


def cli_actor() -> str:
    """Who is screening from the command line: `cli:<login name>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no login name (containers); still log the entry
        return "cli"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


_SCALARS = (str, int, bool, type(None))


def _plain(value: Any) -> Any:
    """A JSON value: objects with to_dict() become dicts, tuples lists, sets sorted lists."""
    if type(value) in _SCALARS:  # most of a query, checked first
        return value
    if hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def hit_summary(hit: Any) -> Any:
    """The logged form of a hit: its id, caption, schema, score, match and source(s)."""
    data = _plain(hit)
    if isinstance(data, dict) and ("id" in data or "entity_id" in data):
        summary = {k: data[k] for k in HIT_FIELDS if k in data}
        if "datasets" not in data and isinstance(data.get("designations"), list):
            # A screener Hit: name the designating sources and references.
            summary["designations"] = [
                {k: d.get(k) for k in ("source", "ref")} for d in data["designations"]
                if isinstance(d, dict)]
        return summary
    return data


def begin_write(conn: Connection) -> None:
    """Take the audit log's write lock for this transaction (one appender at a time)."""
    write_lock(conn, AUDIT)


def append_audit(store: LogStore, actor: str, action: str, query: Any,
                 versions: Sequence[Any], hits: Iterable[Any]) -> AuditEntry:
    """Append one screening to the log and return its entry."""
    return append_audit_many(store, [(actor, action, query, versions, hits)])[0]


def append_audit_many(store: LogStore, items: Sequence[tuple[str, str, Any, Sequence[Any],
                                                          Iterable[Any]]]) -> list[AuditEntry]:
    """Append several screenings (a batch) in one transaction, in order.

    Each item is (actor, action, query, versions, hits), as for `append_audit`.
    """
    if not items:
        return []
    ensure_tables(store)
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            entries = append_audit_in(conn, items)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return entries


def append_audit_in(conn: Connection, items: Sequence[tuple[str, str, Any, Sequence[Any],
                                                          Iterable[Any]]]) -> list[AuditEntry]:
    """Append entries in the caller's transaction, which must already hold the log's write
    lock (`begin_write`), so they commit or roll back with what the caller writes.

    Each item is (actor, action, query, versions, hits), as for `append_audit`.
    """
    for actor, action, *_ in items:
        if len(str(actor)) > ACTOR_MAX or len(str(action)) > ACTION_MAX:
            raise StoreError(f"audit actor {str(actor)[:60]!r} or action {str(action)[:60]!r} "
                             f"is too long (at most {ACTOR_MAX} and {ACTION_MAX} characters)")
    refs: dict[int, tuple[list[dict[str, Any]], str]] = {}  # requests share version lists
    prepared = []
    for actor, action, query, versions, hits in items:
        if id(versions) not in refs:
            vers = [version_ref(v) for v in versions]
            refs[id(versions)] = (vers, canonical_json(vers))
        plain_query = _plain(query)
        summaries = [hit_summary(h) for h in hits]
        prepared.append((str(actor), str(action), plain_query, canonical_json(plain_query),
                         *refs[id(versions)], summaries, canonical_json(summaries)))
    if not prepared:
        return []
    entries: list[AuditEntry] = []
    head = conn.execute(_READ_HEAD).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    rows = []
    for actor, action, query, query_json, vers, vers_json, hits, hits_json in prepared:
        seq += 1
        at = _now()
        body_json = _body_json(seq, at, actor, action, query_json, vers_json, hits_json, prev)
        digest = hashlib.sha256(body_json.encode("utf-8")).hexdigest()
        rows.append({"seq": seq, "at": at, "actor": actor, "action": action,
                     "query": query_json, "versions": vers_json, "hits": hits_json,
                     "prev_hash": prev, "hash": digest})
        entries.append(AuditEntry(seq=seq, at=at, actor=actor, action=action, query=query,
                                  versions=vers, hits=hits, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(_APPEND, rows)
    conn.execute(_MOVE_HEAD if head else _FIRST_HEAD, {"new_seq": seq, "new_hash": prev})
    return entries


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(seq=row.seq, at=row.at, actor=row.actor, action=row.action,
                      query=json.loads(row.query), versions=json.loads(row.versions),
                      hits=json.loads(row.hits), prev_hash=row.prev_hash, hash=row.hash)


def since_bound(since: str) -> str:
    """An ISO date or date-time as the UTC timestamp string entries are compared with."""
    value = since.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat()
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise StoreError(f"not a date: {since!r} (use YYYY-MM-DD or an ISO date-time)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iter_audit(store: LogStore, since: str | None = None) -> Iterator[AuditEntry]:
    """The entries in order, from `since` (a date or ISO date-time, UTC) when given."""
    ensure_tables(store)
    query = select(audit_log).order_by(audit_log.c.seq)
    if since:
        query = query.where(audit_log.c.at >= since_bound(since))
    with store.engine.connect() as conn:
        for row in conn.execution_options(stream_results=True).execute(query):
            yield _entry(row)


def export_audit(store: LogStore, handle: IO[str], since: str | None = None) -> int:
    """Write entries as JSON lines (with their hashes); returns how many were written."""
    count = 0
    for entry in iter_audit(store, since):
        handle.write(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
        count += 1
    return count


def verify_audit(store: LogStore, collect: Collection[int] = ()) -> Verification:
    """Walk the chain from the first entry; stop at the first entry that is wrong.

    The hashes of the entries numbered in `collect` are kept in the result's `hashes` (entry
    0 is the chain's start, GENESIS), to compare with checkpoints made earlier.
    """
    ensure_tables(store)
    wanted = set(collect)
    hashes = {0: GENESIS} if 0 in wanted else {}
    with store.engine.connect() as conn:
        head = conn.execute(_READ_HEAD).first()
        rows = conn.execution_options(stream_results=True).execute(
            select(audit_log).order_by(audit_log.c.seq))
        expected, prev, count = 1, GENESIS, 0
        for row in rows:
            bad = _check_row(row, expected, prev)
            if bad is not None:
                rows.close()
                return Verification(False, count, expected - 1, prev, bad[0], bad[1], hashes)
            count += 1
            expected, prev = row.seq + 1, row.hash
            if row.seq in wanted:
                hashes[row.seq] = row.hash
    last = expected - 1
    if head is None:
        if last:
            return Verification(False, count, last, prev, None,
                                "the log head is missing: it was deleted", hashes)
        return Verification(True, 0, 0, GENESIS, hashes=hashes)
    if head.seq > last:
        return Verification(False, count, last, prev, last + 1,
                            f"entry {last + 1} is missing: the log ends at entry {last} but "
                            f"its head records {head.seq} entries (entries were deleted)",
                            hashes)
    if head.seq != last or head.hash != prev:
        return Verification(False, count, last, prev, head.seq + 1 if head.seq < last else last,
                            f"the log head (entry {head.seq}, {head.hash[:16]}) does not match "
                            f"its last entry {last} ({prev[:16]}): the log or its head was "
                            "edited", hashes)
    return Verification(True, count, last, prev, hashes=hashes)


def _check_row(row: Any, expected: int, prev: str) -> tuple[int, str] | None:
    if row.seq != expected:
        after = f"entry {expected - 1} is followed by" if expected > 1 else "the log starts at"
        return expected, (f"entry {expected} is missing: {after} entry {row.seq} (entries "
                          "were deleted)")
    if row.prev_hash != prev:
        return row.seq, (f"entry {row.seq} does not link to entry {row.seq - 1}: its previous "
                         f"hash {row.prev_hash[:16]} is not {prev[:16]} (entry {row.seq - 1} "
                         f"or {row.seq} was edited or replaced)")
    try:
        entry = _entry(row)
    except (ValueError, TypeError):
        return row.seq, f"entry {row.seq} was edited: its stored JSON is not valid"
    if entry_hash(entry.body()) != row.hash:
        return row.seq, f"entry {row.seq} was edited: its hash does not match its content"
    return None
