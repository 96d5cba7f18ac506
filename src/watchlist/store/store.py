"""The versioned store: write a parsed snapshot as a new version, read any version back.

A version becomes current in the same transaction that writes it, so a crash or a kill
mid-import leaves the previous version serving. The newest version by publisher date is
current; an older snapshot imported later is kept as history only. A newest version that
removes more than the source's shrink limit of the serving version's targets is held
(`watchlist.store.shrink`): stored, not served, until `accept_held` makes it current.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import zlib
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from followthemoney import EntityProxy, model
from sqlalchemy import Engine, and_, create_engine, event, func, insert, select, update
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from watchlist.config import database_url, shrink_limit
from watchlist.errors import StoreError
from watchlist.sources.snapshot import Snapshot
from watchlist.store import migrate
from watchlist.store import schema as t
from watchlist.store.audit import append_audit_in
from watchlist.store.locking import AUDIT, IMPORT, also_lock, write_lock
from watchlist.store.shrink import Hold, over_limit, percent

BATCH = 5000


@dataclass(frozen=True)
class Version:
    """One stored version of a source, as `watchlist status` shows it."""

    id: int
    source: str
    version: int
    format: str
    published: str | None
    published_from: str
    fetched_at: str
    sha256: str
    targets: int
    names: int
    entities: int
    origin: str
    current: bool
    warnings: int
    bundled: str | None = None
    #: When the shrink guard held this version, and the limit (a share) it went over; None
    #: for a version never held or since accepted.
    held_at: str | None = None
    held_limit: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ImportOutcome:
    """What writing a snapshot did: a new version (current or history) or nothing."""

    status: str  # "imported", "held", "history", "unchanged", "duplicate"
    version: Version
    message: str
    #: For "held": the version held and the one that keeps serving.
    hold: Hold | None = None


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


BUSY_TIMEOUT_S = 30.0


def _enable_wal(cur: Any) -> None:
    """Switch to write-ahead logging, retrying while other openers hold the file.

    Switching a new (rollback-journal) file needs its exclusive lock; when several processes
    open a new store at once, SQLite refuses some of them at once ("database is locked")
    instead of waiting, to avoid a deadlock, so the busy timeout does not help here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    _enable_wal(cur)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _order_key(row: Any) -> tuple[str, str, int]:
    return (row.published or "", row.fetched_at, row.id)


def _hold(held: Version, serving: Version) -> Hold:
    return Hold(source=held.source, version=held.version, targets=held.targets,
                serving_version=serving.version, serving_targets=serving.targets,
                limit=held.held_limit if held.held_limit is not None else 0.0,
                held_at=held.held_at or "")


def held_note(version: Version) -> str:
    """`, held by the shrink guard (...)` for a held version; else nothing."""
    if version.held_at is None:
        return ""
    return (f", held by the shrink guard (over the {percent(version.held_limit or 0.0)} "
            f"limit): `watchlist update --accept-shrink {version.source}` serves it")


def _audit_in(conn: Connection, actor: str, action: str, hold: Hold,
              versions: list[Version]) -> None:
    """Audit-log a hold or its acceptance in the transaction that makes it."""
    also_lock(conn, AUDIT)
    query = {k: v for k, v in hold.to_dict().items() if k not in ("message", "accept")}
    append_audit_in(conn, [(actor, action, query, versions, [])])


def store_url(url: str) -> URL:
    """A store URL as SQLAlchemy reads it; `postgresql://` means the psycopg (3) driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r} (use sqlite:///path or "
                         "postgresql://user:password@host/database)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r} in "
                         f"{parsed.render_as_string()}: use SQLite or PostgreSQL")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for a store URL: SQLite tuned for one writer and many readers, or a
    PostgreSQL pool that checks a connection is alive before handing it out."""
    parsed = store_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ImportError:
        raise StoreError("a PostgreSQL store needs the psycopg driver: "
                         "pip install 'watchlist[postgresql]'") from None


def database_error(engine: Engine, exc: DBAPIError) -> StoreError:
    """A database failure (server down, refused login, ...) as an error naming the store."""
    where = engine.url.render_as_string(hide_password=True)
    reason = str(exc.orig).strip() or type(exc.orig).__name__
    return StoreError(f"cannot use the store at {where}: {reason}")


class Store:
    """Access to the store at a database URL (SQLite by default; or PostgreSQL).

    Opening brings the store's schema to the newest revision (see `watchlist.store.migrate`).
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine: Engine = make_engine(self.url)
        self._pg = self.engine.dialect.name == "postgresql"
        try:
            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            self.engine.dispose()
            raise database_error(self.engine, exc) from None
        except StoreError:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -----------------------------------------------------------------

    def find_version(self, source: str, sha256: str) -> Version | None:
        """The stored version of this source with these exact raw bytes, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.versions).where(
                    and_(t.versions.c.source == source, t.versions.c.sha256 == sha256)
                )
            ).first()
            return self._version(conn, row) if row else None

    def write(self, snap: Snapshot, fetched_at: str | None = None,
              limit: float | None = None) -> ImportOutcome:
        """Store a snapshot as a new version; it becomes current if it is the newest, unless
        it removes more than `limit` (a share; default: the source's shrink limit) of the
        serving version's targets: then it is held, and the hold is audit-logged.

        Identical raw bytes, or content identical to the current version, add nothing.
        """
        content = snap.content_hash
        fetched = fetched_at or now_iso()
        limit = shrink_limit(snap.source) if limit is None else limit
        with self.engine.begin() as conn:
            # One importer at a time: what it reads (the current version, the next number)
            # still holds when it writes.
            write_lock(conn, IMPORT)
            found = conn.execute(select(t.versions).where(and_(
                t.versions.c.source == snap.source, t.versions.c.sha256 == snap.sha256))).first()
            if found is not None:
                existing = self._version(conn, found)
                return ImportOutcome(
                    "duplicate", existing,
                    f"{snap.source}: identical file already stored as version "
                    f"{existing.version}" + held_note(existing),
                )
            cur = self._current_row(conn, snap.source)
            if cur is not None and cur.content_hash == content:
                version = self._version(conn, cur)
                return ImportOutcome(
                    "unchanged", version,
                    f"{snap.source}: same content as current version {version.version}; "
                    "no new version",
                )
            seq = (conn.execute(
                select(func.max(t.versions.c.seq)).where(t.versions.c.source == snap.source)
            ).scalar() or 0) + 1
            key = conn.execute(
                insert(t.versions).values(
                    source=snap.source, seq=seq, format=snap.format, sha256=snap.sha256,
                    content_hash=content, published=snap.published,
                    published_from=snap.published_from,
                    fetched_at=fetched, origin=snap.origin,
                    targets=snap.targets, names=snap.names, entities=len(snap.entities),
                    warnings=json.dumps(snap.warnings, ensure_ascii=False),
                    bundled=snap.bundled,
                )
            ).inserted_primary_key
            assert key is not None  # an INSERT of one row always has one
            version_id = key[0]
            self._write_files(conn, version_id, snap)
            self._write_entities(conn, version_id, snap)
            newest = cur is None or _order_key(cur) <= (snap.published or "", fetched, version_id)
            held = newest and cur is not None and over_limit(cur.targets, snap.targets, limit)
            if held:
                conn.execute(update(t.versions).where(t.versions.c.id == version_id)
                             .values(held_at=fetched, held_limit=limit))
            elif newest:
                self._set_current(conn, snap.source, version_id, exists=cur is not None)
            row = conn.execute(select(t.versions).where(t.versions.c.id == version_id)).one()
            version = self._version(conn, row)
            if held:
                hold = _hold(version, self._version(conn, cur))
                _audit_in(conn, "system:shrink-guard", "shrink-held", hold,
                          [self._version(conn, cur), version])
                return ImportOutcome("held", version, hold.message, hold)
        if newest:
            return ImportOutcome("imported", version,
                                 f"{snap.source}: version {seq} is now current")
        return ImportOutcome(
            "history", version,
            f"{snap.source}: version {seq} is older than the current one; kept as history",
        )

    def held(self, sources: Collection[str] | None = None) -> list[Hold]:
        """The versions held by the shrink guard and still waiting: the newest held version
        of each source newer than its serving one (an older held version was passed by a
        newer one and will never serve)."""
        with self.engine.connect() as conn:
            return [hold for source, hold in self._waiting(conn).items()
                    if not sources or source in sources]

    def _waiting(self, conn: Connection) -> dict[str, Hold]:
        newest: dict[str, Any] = {}
        for row in conn.execute(select(t.versions).where(t.versions.c.held_at.is_not(None))):
            if row.source not in newest or _order_key(row) > _order_key(newest[row.source]):
                newest[row.source] = row
        found: dict[str, Hold] = {}
        for source in sorted(newest):
            cur = self._current_row(conn, source)
            if cur is not None and _order_key(newest[source]) > _order_key(cur):
                found[source] = _hold(self._version(conn, newest[source]),
                                      self._version(conn, cur))
        return found

    def accept_held(self, source: str, actor: str) -> tuple[Hold, Version] | None:
        """Make the version of `source` held by the shrink guard current (audit-logged as
        accepted by `actor`); None when none is waiting."""
        with self.engine.begin() as conn:
            write_lock(conn, IMPORT)
            hold = self._waiting(conn).get(source)
            if hold is None:
                return None
            row = conn.execute(select(t.versions).where(and_(
                t.versions.c.source == source, t.versions.c.seq == hold.version))).one()
            conn.execute(update(t.versions).where(t.versions.c.id == row.id)
                         .values(held_at=None, held_limit=None))
            self._set_current(conn, source, row.id, exists=True)
            version = self._version(conn, conn.execute(
                select(t.versions).where(t.versions.c.id == row.id)).one())
            _audit_in(conn, actor, "shrink-accepted", hold, [version])
        return hold, version

    def stop_serving(self, source: str) -> None:
        """Take a source out of service (its versions stay, as history)."""
        with self.engine.begin() as conn:
            write_lock(conn, IMPORT)
            conn.execute(t.current.delete().where(t.current.c.source == source))

    def unmark_bundled(self, version_id: int) -> None:
        """Record that a version imported from the bundle is also what the publisher serves
        now (its download was identical), so it is no longer named a bundled snapshot."""
        with self.engine.begin() as conn:
            conn.execute(update(t.versions).where(t.versions.c.id == version_id)
                         .values(bundled=None))

    def _write_files(self, conn: Connection, version_id: int, snap: Snapshot) -> None:
        for role, path in sorted(snap.files.items()):
            data = path.read_bytes()
            conn.execute(insert(t.version_files).values(
                version_id=version_id, role=role, filename=path.name, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), data=zlib.compress(data, 6),
            ))

    def _write_entities(self, conn: Connection, version_id: int, snap: Snapshot) -> None:
        known: set[str] = set()
        bodies: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        refs: list[dict[str, Any]] = []
        for entity in snap.entities:
            if entity.hash not in known:
                known.add(entity.hash)
                bodies.append({"hash": entity.hash, "data": entity.json})
            links.append({"version_id": version_id, "entity_id": entity.id,
                          "schema": entity.schema, "target": entity.target, "hash": entity.hash})
            refs.extend({"version_id": version_id, "entity_id": entity.id, "ref_id": r}
                        for r in entity.refs)
        insert_ignore = self._insert_ignore(t.entity_data)
        for start in range(0, len(bodies), BATCH):
            conn.execute(insert_ignore, bodies[start:start + BATCH])
        for start in range(0, len(links), BATCH):
            conn.execute(insert(t.version_entities), links[start:start + BATCH])
        for start in range(0, len(refs), BATCH):
            conn.execute(insert(t.entity_refs), refs[start:start + BATCH])

    def _dialect_insert(self, table: Any) -> Any:
        """An INSERT that can say what to do on a conflicting key (SQLite or PostgreSQL)."""
        # Imported here: a dialect module costs objects the garbage collector then walks.
        if self._pg:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def _insert_ignore(self, table: Any) -> Any:
        return self._dialect_insert(table).on_conflict_do_nothing()

    def _set_current(self, conn: Connection, source: str, version_id: int, exists: bool) -> None:
        if exists:
            conn.execute(update(t.current).where(t.current.c.source == source)
                         .values(version_id=version_id))
        else:
            conn.execute(insert(t.current).values(source=source, version_id=version_id))

    # -- reading -----------------------------------------------------------------

    def _current_row(self, conn: Connection, source: str) -> Any:
        return conn.execute(
            select(t.versions).join(t.current, t.current.c.version_id == t.versions.c.id)
            .where(t.current.c.source == source)
        ).first()

    @staticmethod
    def _current_ids(conn: Connection) -> set[int]:
        return set(conn.execute(select(t.current.c.version_id)).scalars())

    def _version(self, conn: Connection, row: Any, current: set[int] | None = None) -> Version:
        """A version row as a Version; `current` (the serving ids) is read when not given."""
        if current is None:
            current = self._current_ids(conn)
        return Version(
            id=row.id, source=row.source, version=row.seq, format=row.format,
            published=row.published, published_from=row.published_from,
            fetched_at=row.fetched_at, sha256=row.sha256, targets=row.targets,
            names=row.names, entities=row.entities, origin=row.origin,
            current=row.id in current, warnings=len(json.loads(row.warnings)),
            bundled=row.bundled, held_at=row.held_at, held_limit=row.held_limit,
        )

    def versions(self, source: str | None = None) -> list[Version]:
        """Every stored version, oldest first per source."""
        query = select(t.versions).order_by(t.versions.c.source, t.versions.c.seq)
        if source:
            query = query.where(t.versions.c.source == source)
        with self.engine.connect() as conn:
            current = self._current_ids(conn)
            return [self._version(conn, row, current) for row in conn.execute(query)]

    def serving(self, as_of: str | None = None, sources: list[str] | None = None) -> list[Version]:
        """The version of each source serving now, or on the date `as_of` (by publisher date)."""
        with self.engine.connect() as conn:
            if as_of is None:
                rows = conn.execute(
                    select(t.versions).join(t.current, t.current.c.version_id == t.versions.c.id)
                    .order_by(t.versions.c.source)
                ).all()
            else:
                best: dict[str, Any] = {}
                day = as_of[:10]
                for row in conn.execute(select(t.versions)
                                        .where(t.versions.c.held_at.is_(None))):
                    when = (row.published or row.fetched_at)[:10]
                    if when <= day and (row.source not in best
                                        or _order_key(row) > _order_key(best[row.source])):
                        best[row.source] = row
                rows = [best[s] for s in sorted(best)]
            current = self._current_ids(conn)
            found = [self._version(conn, row, current) for row in rows]
        if sources:
            found = [v for v in found if v.source in sources]
        return found

    def serving_ids(self) -> tuple[int, ...]:
        """The ids of the versions serving now, in one cheap query: a change check."""
        with self.engine.connect() as conn:
            return tuple(sorted(self._current_ids(conn)))

    def version(self, source: str, seq: int | None = None) -> Version:
        """One version of a source by its number (the current one when None)."""
        for v in self.versions(source):
            if (seq is None and v.current) or v.version == seq:
                return v
        raise StoreError(f"no version {seq if seq else '(current)'} of source {source!r}")

    def warnings(self, version_id: int) -> list[str]:
        """The warnings recorded when a version was imported."""
        with self.engine.connect() as conn:
            text = conn.execute(
                select(t.versions.c.warnings).where(t.versions.c.id == version_id)
            ).scalar()
        return json.loads(text or "[]")

    def raw_files(self, version_id: int) -> dict[str, tuple[str, bytes]]:
        """The raw files of a version (role -> (file name, bytes)), so it can be re-parsed."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.version_files).where(t.version_files.c.version_id == version_id)
            ).all()
        return {r.role: (r.filename, zlib.decompress(r.data)) for r in rows}

    def iter_entities(self, versions: list[Version], targets_only: bool = False,
                      schemata: Collection[str] | None = None) -> Iterator[EntityProxy]:
        """Every entity of the given versions (of these schemata only, when given), as
        FollowTheMoney proxies."""
        ids = [v.id for v in versions]
        if not ids:
            return
        query = (
            select(t.version_entities.c.version_id, t.entity_data.c.data)
            .join(t.entity_data, t.entity_data.c.hash == t.version_entities.c.hash)
            .where(t.version_entities.c.version_id.in_(ids))
            .order_by(t.version_entities.c.version_id, t.version_entities.c.entity_id)
        )
        if targets_only:
            query = query.where(t.version_entities.c.target.is_(True))
        if schemata is not None:
            query = query.where(t.version_entities.c.schema.in_(list(schemata)))
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True).execute(query):
                yield model.get_proxy(json.loads(row.data), cleaned=True)

    def entity(self, entity_id: str, as_of: str | None = None
               ) -> tuple[EntityProxy, list[EntityProxy], Version]:
        """An entity in the serving version of its source, with the entities pointing to it."""
        serving = {v.id: v for v in self.serving(as_of)}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.version_entities.c.version_id, t.entity_data.c.data)
                .join(t.entity_data, t.entity_data.c.hash == t.version_entities.c.hash)
                .where(t.version_entities.c.entity_id == entity_id)
            ).all()
            rows = [r for r in rows if r.version_id in serving]
            if not rows:
                raise StoreError(f"no entity {entity_id!r} in the lists serving"
                                 + (f" on {as_of}" if as_of else " now"))
            version_id, data = rows[0]
            linked_rows = conn.execute(
                select(t.entity_data.c.data)
                .join(t.version_entities, t.entity_data.c.hash == t.version_entities.c.hash)
                .join(t.entity_refs, and_(
                    t.entity_refs.c.version_id == t.version_entities.c.version_id,
                    t.entity_refs.c.entity_id == t.version_entities.c.entity_id))
                .where(and_(t.entity_refs.c.version_id == version_id,
                            t.entity_refs.c.ref_id == entity_id))
                .order_by(t.version_entities.c.entity_id)
            ).all()
        entity = model.get_proxy(json.loads(data), cleaned=True)
        linked = [model.get_proxy(json.loads(r.data), cleaned=True) for r in linked_rows]
        return entity, linked, serving[version_id]

    # -- fetch state -------------------------------------------------------------

    def fetch_state(self, url: str) -> dict[str, Any] | None:
        """The validators (ETag, Last-Modified) and outcome of the last download of a URL."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.fetch_state).where(t.fetch_state.c.url == url)).first()
        return dict(row._mapping) if row else None

    def save_fetch_state(self, url: str, *, etag: str | None, last_modified: str | None,
                         sha256: str | None, outcome: str) -> None:
        """Remember a download's validators so the next one can be conditional."""
        values = dict(etag=etag, last_modified=last_modified, sha256=sha256,
                      checked_at=now_iso(), outcome=outcome)
        upsert = self._dialect_insert(t.fetch_state).values(url=url, **values)
        with self.engine.begin() as conn:
            conn.execute(upsert.on_conflict_do_update(index_elements=["url"], set_=values))
