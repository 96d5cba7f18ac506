"""Schema migrations: every store reaches exactly the code's tables, keeps its rows, and
migrates once even when several processes open it at the same moment.

The tests taking `store_url` run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app
from watchlist.errors import StoreError
from watchlist.store import migrate
from watchlist.store.audit import append_audit, iter_audit, verify_audit
from watchlist.store.keys import create_key, verify_key
from watchlist.store.store import Store, make_engine, store_url
from watchlist.updates.pipeline import update_from_paths

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "watchlist"
runner = CliRunner()


def table_names(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names()) - {"alembic_version"}


def code_tables() -> set[str]:
    return set(migrate.table_metadata().tables)


def test_every_module_defining_tables_is_migrated() -> None:
    """A module adding tables to the store's metadata must be in TABLE_MODULES (so the
    comparison below sees its tables) and so must get a revision."""
    defining = set()
    for path in SRC.rglob("*.py"):
        if re.search(r"=\s*Table\(\s*\"\w+\",\s*metadata\b", path.read_text(encoding="utf-8")):
            defining.add(".".join(path.relative_to(SRC.parent).with_suffix("").parts))
    assert "watchlist.store.schema" in defining
    assert defining <= set(migrate.TABLE_MODULES)


def test_revisions_are_numbered_in_one_line_and_the_newest_is_the_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = migrate.known_revisions()
    assert revisions == [f"{n:04d}" for n in range(1, len(revisions) + 1)]
    assert script.get_heads() == [migrate.head()] == [revisions[-1]]
    for older, newer in zip(revisions, revisions[1:], strict=False):
        assert script.get_revision(newer).down_revision == older


def test_migrations_from_empty_give_exactly_the_code_tables(store_url: str) -> None:
    store = Store()
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert migrate.differences(store.engine) == []
        assert table_names(store) == code_tables()
    finally:
        store.close()


def test_downgrade_and_upgrade_round_trip_each_revision(store_url: str) -> None:
    store = Store()
    try:
        revisions = migrate.known_revisions()
        for older in reversed(["base", *revisions[:-1]]):
            migrate.downgrade(store.engine, older)
            assert migrate.current(store.engine) == (None if older == "base" else older)
        assert table_names(store) == set()
        for newer in revisions:
            migrate.upgrade(store.engine, newer)
            assert migrate.current(store.engine) == newer
        assert migrate.differences(store.engine) == []
        update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
        assert [v.version for v in store.serving()] == [1]
    finally:
        store.close()


def _legacy_store(monkeypatch: pytest.MonkeyPatch) -> tuple[Store, str]:
    """A store as the code before migrations made it: `create_all` of the list tables when
    opened, and each API table made by its module on first use."""
    from watchlist.store import schema

    legacy = [schema.versions, schema.version_files, schema.entity_data,
              schema.version_entities, schema.entity_refs, schema.current, schema.fetch_state]
    with monkeypatch.context() as patch:
        patch.setattr(migrate, "upgrade",
                      lambda engine: schema.metadata.create_all(engine, tables=legacy))
        store = Store()
        update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
        update_from_paths(store, [FIXTURES / "un_small_v2.xml"])
        _, raw = create_key(store, "legacy", "screen")  # creates api_keys, as it did
        append_audit(store, "cli:old", "check", {"name": "x"}, store.serving(), [])
    return store, raw


def test_a_store_made_before_migrations_is_adopted_with_its_rows(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old, raw_key = _legacy_store(monkeypatch)
    assert migrate.current(old.engine) is None
    assert "update_jobs" not in table_names(old)
    before = ([v.to_dict() for v in old.versions()],
              sorted(e.id for e in old.iter_entities(old.serving())),
              [e.hash for e in iter_audit(old)])
    old.close()
    store = Store()  # opening adopts it
    try:
        assert migrate.current(store.engine) == migrate.head()
        assert migrate.differences(store.engine) == []
        after = ([v.to_dict() for v in store.versions()],
                 sorted(e.id for e in store.iter_entities(store.serving())),
                 [e.hash for e in iter_audit(store)])
        assert after == before
        assert verify_key(store, raw_key) is not None
        assert verify_audit(store).ok
    finally:
        store.close()


def _schema(conn: Connection) -> set[tuple[str, str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").all()
    return {(kind, name, " ".join(sql.split())) for kind, name, sql in rows}


def test_a_new_sqlite_store_from_the_schema_file_is_what_the_migrations_make(
        tmp_path: Path) -> None:
    """Else run `watchlist db write-schema` (after adding or editing a revision)."""
    made = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite'}")
    try:
        migrate.upgrade(migrated, from_file=False)
        with migrated.connect() as conn:
            expected = _schema(conn)
        with made.engine.connect() as conn:
            assert _schema(conn) == expected, \
                "head.sqlite.sql is stale: run `watchlist db write-schema`"
        assert migrate.current(made.engine) == migrate.head()
        assert migrate.differences(made.engine) == []
    finally:
        made.close()
        migrated.dispose()


def test_opening_a_new_sqlite_store_loads_no_alembic(home: Path) -> None:
    code = ("import sys; from watchlist.store.store import Store; Store(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), WATCHLIST_HOME=str(home))
    env.pop("WATCHLIST_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"
    assert (home / "store.sqlite").exists()


def test_opening_a_store_at_head_runs_no_migration(store_url: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    Store().close()

    def refuse(*_args: object) -> None:
        raise AssertionError("migrated a store already at the newest revision")

    monkeypatch.setattr(migrate, "_run", refuse)
    Store().close()


def test_a_store_from_a_newer_watchlist_is_refused_by_name(store_url: str) -> None:
    store = Store()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="revision 9999.*newer watchlist"):
        Store()


OPENER = """
import sys, time
from pathlib import Path
go = Path(sys.argv[1])
from watchlist.store.store import Store
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
Store().close()
"""


def test_processes_opening_a_new_store_at_once_migrate_it_once(store_url: str,
                                                               tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(go)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        go.touch()
        errors = [proc.communicate(timeout=60)[1] for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    store = Store()
    try:
        assert migrate.differences(store.engine) == []
    finally:
        store.close()


def test_cli_db_current_upgrade_check(home: Path) -> None:
    home.mkdir(parents=True)
    url = f"sqlite:///{home / 'other.sqlite'}"
    result = runner.invoke(app, ["db", "current", "--url", url])
    assert result.exit_code == 0, result.output
    assert "no schema revision" in result.stdout
    result = runner.invoke(app, ["db", "upgrade", "--url", url])
    assert result.exit_code == 0 and f"to {migrate.head()}" in result.stderr
    result = runner.invoke(app, ["db", "current", "--url", url])
    assert f"revision {migrate.head()} (newest)" in result.stdout
    assert runner.invoke(app, ["db", "check", "--url", url]).exit_code == 0
    refused = runner.invoke(app, ["db", "downgrade", "base", "--url", url])
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert runner.invoke(app, ["db", "downgrade", "base", "--url", url, "--yes"]).exit_code == 0
    result = runner.invoke(app, ["db", "check", "--url", url])
    assert result.exit_code == 1 and "add_table" in result.stdout


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql://someone:secret@127.0.0.1:1/watchlist")
    message = str(caught.value)
    assert "cannot use the store at postgresql+psycopg://someone:***@127.0.0.1:1/watchlist"\
        in message
    assert "secret" not in message
    result = runner.invoke(app, ["db", "current", "--url",
                                 "postgresql://someone:secret@127.0.0.1:1/watchlist"])
    assert result.exit_code == 2 and "cannot use the store" in result.stderr


def test_store_urls_name_a_supported_database() -> None:
    assert store_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert store_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert store_url("postgresql+psycopg://u:p@h/db").drivername == "postgresql+psycopg"
    assert store_url("sqlite:////tmp/x.sqlite").drivername == "sqlite"
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        store_url("mysql://u:p@h/db")
    with pytest.raises(StoreError, match="not a database URL"):
        store_url("just words")


def test_the_migration_files_ship_in_the_package() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["watchlist"]
    scripts = [p for p in migrate.SCRIPTS.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.name == "env.py" for p in scripts)
    assert len([p for p in scripts if p.parent.name == "versions"]) == len(
        migrate.known_revisions())
    for path in scripts:
        parts = path.relative_to(SRC).parts
        assert any(len(parts) == len(pattern.split("/"))
                   and all(fnmatch(a, b) for a, b in zip(parts, pattern.split("/"), strict=True))
                   for pattern in patterns), parts


def test_migrating_an_existing_store_says_so_first(home: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    store = Store()
    try:
        append_audit(store, "cli:test", "check", {"name": "x"}, [], [])
        migrate.downgrade(store.engine, "0002")
        with caplog.at_level("WARNING", logger="watchlist.store"):
            migrate.upgrade(store.engine)
        assert migrate.current(store.engine) == migrate.head()
        assert f"from schema revision 0002 to {migrate.head()}" in caplog.text
        assert verify_audit(store).ok  # the rebuilt audit table kept its chain
    finally:
        store.close()


def test_a_store_another_process_keeps_locked_is_a_clear_error(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Store().close()
    url = f"sqlite:///{home / 'store.sqlite'}"
    holder = sqlite3.connect(home / "store.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import or a migration, elsewhere
    monkeypatch.setattr("watchlist.store.store.BUSY_TIMEOUT_S", 0.2)
    engine = make_engine(url)
    try:
        with pytest.raises(StoreError, match="stayed locked by another process"):
            migrate.downgrade(engine, "0002")
    finally:
        engine.dispose()
        holder.execute("ROLLBACK")
        holder.close()


def test_sign_in_failures_move_to_their_own_table_and_back(store_url: str) -> None:
    """The revision moving `web_users.failed_logins`/`locked_until` to `sign_in_failures`
    keeps a lock in force and a count under way, both ways."""
    ours = next((SRC / "store" / "migrations" / "versions").glob("*_sign_in_state.py"))
    revision = ours.name[:4]
    before = migrate.known_revisions()[migrate.known_revisions().index(revision) - 1]
    locked = "2999-01-01T00:00:00+00:00"
    store = Store()
    try:
        migrate.downgrade(store.engine, before)
        with store.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO web_users (name, role, password_hash, created_at, failed_logins, "
                "locked_until) VALUES ('alice', 'screen', 'x', '2026-01-01', 0, :locked), "
                "('bob', 'screen', 'x', '2026-01-01', 3, NULL), "
                "('carol', 'screen', 'x', '2026-01-01', 0, NULL)"), {"locked": locked})
        migrate.upgrade(store.engine, revision)
        with store.engine.connect() as conn:
            moved = conn.execute(text("SELECT name, failures, locked_until FROM "
                                      "sign_in_failures ORDER BY name")).all()
        assert [tuple(r) for r in moved] == [("alice", 0, locked), ("bob", 3, None)]
        migrate.downgrade(store.engine, before)
        with store.engine.connect() as conn:
            back = conn.execute(text("SELECT name, failed_logins, locked_until FROM "
                                     "web_users ORDER BY name")).all()
        assert [tuple(r) for r in back] == [("alice", 0, locked), ("bob", 3, None),
                                            ("carol", 0, None)]
        migrate.upgrade(store.engine)
        assert migrate.differences(store.engine) == []
    finally:
        store.close()
