"""Schema migrations (alembic): a store is brought to the newest schema when it is opened.

The revisions live in `store/migrations/versions`, shipped inside the package. A store made
before migrations existed (its tables, no `alembic_version`) is adopted: the first revision
creates only the tables it lacks and keeps every row. Opening a store already at the newest
revision costs one query (and no import of alembic); otherwise one opener migrates under
the store's write lock while the others wait, then find nothing left to do.

Revisions are numbered (`0001`, `0002`, ...; `watchlist db revision` picks the next), so
the newest is the highest-numbered file; a test checks alembic agrees.

A new, empty SQLite store is made from `head.sqlite.sql`: the schema the migrations give,
written out by `write_head_sql`, so creating a store loads no alembic (its import costs
a tenth of a second, and its objects slow the garbage collector for the rest of the
process, an import included). A test checks the file matches the migrations.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from watchlist.errors import StoreError
from watchlist.store.locking import MIGRATE, write_lock

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPTS = Path(__file__).with_name("migrations")
HEAD_SQL = SCRIPTS / "head.sqlite.sql"
#: Every module that defines tables on `watchlist.store.schema.metadata`.
TABLE_MODULES = (
    "watchlist.store.schema",
    "watchlist.store.audit",
    "watchlist.store.keys",
    "watchlist.updates.jobs",
    "watchlist.monitor.schema",
    "watchlist.profiles.identity",
    "watchlist.store.users",
    "watchlist.web.session",
    "watchlist.store.user_sessions",
    "watchlist.web.throttle",
    "watchlist.ownership.stored",
    "watchlist.operations.schema",
    "watchlist.webhooks.schema",
)
log = logging.getLogger("watchlist.store")
_IN_PROCESS = threading.Lock()  # alembic's context is process-global: one migration at a time


def alembic_config(connection: Connection | None = None,
                   target: MetaData | None = None) -> Config:
    """Alembic's configuration for the store's scripts, optionally bound to a connection."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    if target is not None:
        cfg.attributes["target_metadata"] = target
    return cfg


@functools.cache
def head() -> str:
    """The newest revision this version of watchlist knows: the highest-numbered file."""
    numbers = [m.group(1) for p in (SCRIPTS / "versions").glob("*.py")
               if (m := re.match(r"(\d{4})_", p.name))]
    if not numbers:  # pragma: no cover - the package ships its revisions
        raise StoreError(f"no schema revisions found in {SCRIPTS}")
    return max(numbers)


def known_revisions() -> list[str]:
    """Every revision, oldest first, as alembic reads them."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _stored(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        conn.rollback()
        return None


def _stored_locked(conn: Connection) -> str | None:
    # Inside the locked transaction a failed query would end it (and the lock): look first.
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current(engine: Engine) -> str | None:
    """The store's revision (None for an empty store or one made before migrations)."""
    with engine.connect() as conn:
        return _stored(conn)


def table_metadata() -> MetaData:
    """The metadata holding every table of the store (imports each module defining some)."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    from watchlist.store.schema import metadata

    return metadata


def _check_database(conn: Connection) -> None:
    if conn.engine.dialect.name == "postgresql":
        encoding = conn.execute(text("SHOW server_encoding")).scalar()
        if str(encoding).upper() not in ("UTF8", "UTF-8"):
            raise StoreError(f"the PostgreSQL database has encoding {encoding}; the store "
                             "needs a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')")


def _head_statements() -> list[str]:
    lines = [ln for ln in HEAD_SQL.read_text(encoding="utf-8").splitlines()
             if not ln.startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";\n") if s.strip()]


def _create_at_head(conn: Connection) -> None:
    for statement in _head_statements():
        conn.exec_driver_sql(statement)


def _alembic(conn: Connection, stored: str | None, action: str, revision: str) -> None:
    from alembic import command
    from alembic.util.exc import CommandError

    if stored is not None and stored not in known_revisions():
        raise StoreError(
            f"the store's schema is at revision {stored}, which this version of watchlist "
            "does not know: it was migrated by a newer watchlist; upgrade watchlist to use it")
    _check_database(conn)
    cfg = alembic_config(conn)
    try:
        if action == "upgrade":
            command.upgrade(cfg, revision)
        else:
            command.downgrade(cfg, revision)
    except CommandError as exc:
        raise StoreError(f"cannot {action} the store to {revision!r}: {exc}") from None


def _take_lock(conn: Connection) -> None:
    try:
        write_lock(conn, MIGRATE)
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        where = conn.engine.url.render_as_string(hide_password=True)
        raise StoreError(f"{where} stayed locked by another process (a schema migration or "
                         "a list import) longer than the wait allows; try again when it has "
                         "finished") from None


def _run(engine: Engine, action: str, revision: str, from_file: bool = True) -> None:
    with _IN_PROCESS, engine.connect() as conn:
        try:
            _take_lock(conn)
            stored = _stored_locked(conn)
            to_head = action == "upgrade" and revision == "head"
            if to_head and stored == head():
                conn.rollback()
                return
            if (to_head and from_file and stored is None and engine.dialect.name == "sqlite"
                    and not inspect(conn).get_table_names()):
                _create_at_head(conn)
            else:
                if stored is not None:
                    log.warning("migrating the store %s from schema revision %s to %s: a "
                                "large audit log takes minutes (other openers wait)",
                                engine.url.render_as_string(hide_password=True), stored,
                                head() if revision == "head" else revision)
                _alembic(conn, stored, action, revision)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise


def upgrade(engine: Engine, revision: str = "head", from_file: bool = True) -> None:
    """Bring the store to `revision` (the newest by default); one query when already there.

    An empty SQLite store is made from `head.sqlite.sql` unless `from_file` is False.
    """
    if revision == "head" and current(engine) == head():
        return
    _run(engine, "upgrade", revision, from_file)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store back to an older revision ("base": no tables at all)."""
    _run(engine, "downgrade", revision)


def differences(engine: Engine) -> list[Any]:
    """How the store's tables differ from the code's (alembic's diff; empty when none)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, table_metadata()))


def new_revision(message: str) -> Path:
    """Write a revision for what the code's tables add to the newest revision (developers).

    The difference is found against a scratch SQLite store at head; review the file.
    """
    from alembic import command

    numbers = [int(r) for r in known_revisions() if re.fullmatch(r"\d+", r)]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/head.sqlite")
        try:
            upgrade(engine, from_file=False)
            with engine.connect() as conn:
                script = command.revision(alembic_config(conn, table_metadata()), message,
                                          autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    head.cache_clear()
    if script is None or isinstance(script, list):  # pragma: no cover - one head only
        raise StoreError("alembic wrote no single revision")
    write_head_sql()
    return Path(script.path)


def _tidy(statement: str) -> str:
    return "\n".join(line.rstrip().replace("\t", "    ")
                     for line in statement.strip().splitlines())


def head_sql() -> str:
    """The SQL making an empty SQLite store at head, as the migrations make it."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/head.sqlite")
        try:
            upgrade(engine, from_file=False)
            with engine.connect() as conn:
                ddl = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
                ).scalars().all()
                revision = _stored(conn)
        finally:
            engine.dispose()
    return "".join([
        f"-- The store's schema at revision {revision} on SQLite, as its migrations make "
        "it.\n-- An empty store is created from this file (no alembic needed).\n"
        "-- Written by `watchlist db write-schema`: do not edit.\n",
        *(f"{_tidy(statement)};\n" for statement in ddl),
        f"INSERT INTO alembic_version (version_num) VALUES ('{revision}');\n",
    ])


def write_head_sql() -> Path:
    """Rewrite `head.sqlite.sql` from the migrations (after adding or changing one)."""
    head.cache_clear()
    HEAD_SQL.write_text(head_sql(), encoding="utf-8")
    return HEAD_SQL
