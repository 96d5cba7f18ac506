"""The versioned store: each import a version, the newest current, nothing half-loaded.

Every test here runs on SQLite and on PostgreSQL (see the `store_url` fixture).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import FIXTURES
from watchlist.errors import StoreError
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

V1 = FIXTURES / "un_small_v1.xml"
V2 = FIXTURES / "un_small_v2.xml"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store()
    yield store
    store.close()


def test_import_makes_a_current_version_with_counts(store: Store) -> None:
    report = update_from_paths(store, [V1])
    assert report.ok, report.failures
    [version] = store.serving()
    assert version.source == "un_sc_sanctions"
    assert version.version == 1
    assert version.published == "2025-01-15"
    assert version.published_from == "file"
    assert version.targets == 3
    assert version.names >= 7
    assert len(version.sha256) == 64


def test_identical_bytes_add_no_version(store: Store) -> None:
    update_from_paths(store, [V1])
    report = update_from_paths(store, [V1])
    assert report.ok
    assert [v.version for v in store.versions()] == [1]


def test_newer_snapshot_becomes_current_and_old_stays_queryable(store: Store) -> None:
    update_from_paths(store, [V1])
    update_from_paths(store, [V2])
    assert [(v.version, v.current) for v in store.versions()] == [(1, False), (2, True)]
    [now] = store.serving()
    assert now.version == 2
    [then] = store.serving(as_of="2025-02-01")
    assert then.version == 1
    assert store.serving(as_of="2024-12-31") == []


def test_older_snapshot_imported_later_is_history_only(store: Store) -> None:
    update_from_paths(store, [V2])
    report = update_from_paths(store, [V1])
    assert [o.status for o in report.outcomes] == ["history"]
    [now] = store.serving()
    assert now.version == 1 and now.published == "2025-03-01"


def test_directory_import_orders_snapshots_oldest_first(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "b.xml").write_bytes(V1.read_bytes())
    (folder / "a.xml").write_bytes(V2.read_bytes())
    update_from_paths(store, [folder])
    [now] = store.serving()
    assert now.published == "2025-03-01"
    assert [v.published for v in store.versions()] == ["2025-01-15", "2025-03-01"]


def test_entity_ids_are_stable_across_versions(store: Store) -> None:
    update_from_paths(store, [V1])
    first = {e.id for e in store.iter_entities(store.serving(), targets_only=True)}
    update_from_paths(store, [V2])
    second = {e.id for e in store.iter_entities(store.serving(), targets_only=True)}
    assert len(first & second) == 2
    assert len(first - second) == 1 and len(second - first) == 1


def test_entity_lookup_follows_the_serving_version(store: Store) -> None:
    update_from_paths(store, [V1])
    update_from_paths(store, [V2])
    target = next(e for e in store.iter_entities(store.serving(), targets_only=True)
                  if "IVAN" in e.caption.upper())
    entity, linked, version = store.entity(target.id)
    assert "Ivan P. Testovski" in entity.get("alias")
    assert any(e.schema.name == "Sanction" for e in linked)
    old, _, old_version = store.entity(target.id, as_of="2025-02-01")
    assert "Ivan P. Testovski" not in old.get("alias")
    assert (version.version, old_version.version) == (2, 1)
    with pytest.raises(StoreError):
        store.entity("no-such-entity")


def test_raw_file_is_kept_and_reparses_the_same(store: Store, tmp_path: Path) -> None:
    update_from_paths(store, [V1])
    [version] = store.serving()
    files = store.raw_files(version.id)
    assert files["main"][1] == V1.read_bytes()
    copy = tmp_path / "copy.xml"
    copy.write_bytes(files["main"][1])
    report = update_from_paths(store, [copy])
    assert [o.status for o in report.outcomes] == []
    assert report.notes and "already stored" in report.notes[0]


def test_failed_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    update_from_paths(store, [V1])
    broken = tmp_path / "consolidated.xml"
    broken.write_bytes(V2.read_bytes()[:-400])
    report = update_from_paths(store, [broken])
    assert not report.ok
    assert str(broken) in report.failures[0]
    assert [v.version for v in store.versions()] == [1]
    assert store.serving()[0].published == "2025-01-15"


def test_store_file_passes_integrity_check(home: Path) -> None:
    store = Store()
    update_from_paths(store, [V1, V2])
    store.close()
    conn = sqlite3.connect(home / "store.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_relative_directory_with_dot_dot_is_walked(store: Store, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    lists = tmp_path / "shared" / "lists"
    lists.mkdir(parents=True)
    (lists / "un.xml").write_bytes(V1.read_bytes())
    (lists / ".hidden").mkdir()
    (lists / ".hidden" / "un2.xml").write_bytes(V2.read_bytes())
    work = tmp_path / "main"
    work.mkdir()
    monkeypatch.chdir(work)
    report = update_from_paths(store, [Path("../shared/lists")])
    assert report.ok
    assert [v.published for v in store.versions()] == ["2025-01-15"]


def test_fetch_state_is_saved_and_replaced(store: Store) -> None:
    assert store.fetch_state("https://example.org/list.xml") is None
    store.save_fetch_state("https://example.org/list.xml", etag='"a"', last_modified=None,
                           sha256="0" * 64, outcome="downloaded")
    store.save_fetch_state("https://example.org/list.xml", etag='"b"', last_modified="Mon",
                           sha256=None, outcome="not modified")
    state = store.fetch_state("https://example.org/list.xml")
    assert state is not None
    assert (state["etag"], state["last_modified"], state["outcome"]) == ('"b"', "Mon",
                                                                         "not modified")


def test_reader_sees_the_old_version_or_the_new_never_a_mix(store: Store,
                                                          tmp_path: Path) -> None:
    from test_kill_import import _big_list

    update_from_paths(store, [V1])
    big = _big_list(tmp_path / "big.xml", 3000)
    reader = Store()  # its own engine and connections, like another worker
    seen: list[tuple[int, int, int]] = []
    problems: list[str] = []
    writing = threading.Event()
    done = threading.Event()

    def read() -> None:
        writing.wait()
        while not done.is_set() or len(seen) < 2:
            [version] = reader.serving()
            entities = list(reader.iter_entities([version]))
            targets = [e for e in entities if "sanction" in e.get("topics", quiet=True)]
            seen.append((version.version, len(entities), len(targets)))
            if (len(entities), len(targets)) != (version.entities, version.targets):
                problems.append(f"version {version.version}: {len(entities)} entities and "
                                f"{len(targets)} targets read, {version.entities} and "
                                f"{version.targets} stored")
            if done.is_set():
                break

    thread = threading.Thread(target=read)
    thread.start()
    try:
        writing.set()
        report = update_from_paths(store, [big])
    finally:
        done.set()
        thread.join(timeout=120)
        reader.close()
    assert report.ok, report.failures
    assert problems == []
    assert {v for v, _, _ in seen} <= {1, 2}
    assert seen[0][0] == 1, "the reader never saw the old version while the import ran"
    [last] = store.serving()
    assert last.version == 2 and last.targets == 3002


def test_concurrent_imports_of_one_source_each_get_a_version(store: Store) -> None:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(path: Path) -> None:
        own = Store()  # its own connections, like another `watchlist update`
        try:
            barrier.wait()
            report = update_from_paths(own, [path])
            assert report.ok, report.failures
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (V1, V2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(v.version for v in store.versions()) == [1, 2]
    [now] = store.serving()
    assert now.published == "2025-03-01"
