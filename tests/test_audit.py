"""The audit log: hash-chained, append-only, verified, exported; appends never fork it.

Every test here runs on SQLite and on PostgreSQL (see the `store_url` fixture).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app
from watchlist.store import audit
from watchlist.store.audit import (
    GENESIS,
    append_audit,
    append_audit_many,
    entry_hash,
    iter_audit,
    verify_audit,
)
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    yield store
    store.close()


def tamper(store: Store, sql: str, **params: object) -> None:
    """Change the log behind the code's back, as someone with database access could."""
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def fill(store: Store, n: int = 5) -> None:
    versions = store.serving()
    for i in range(n):
        append_audit(store, "cli:tester", "check", {"name": f"Name {i}", "schema": "Person"},
                     versions, [{"id": f"e{i}", "caption": f"Hit {i}", "score": 0.9,
                                 "properties": {"name": ["big"]}}])


def test_entries_chain_and_record_who_what_versions_hits(store: Store) -> None:
    fill(store, 3)
    entries = list(iter_audit(store))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    first = entries[0]
    assert first.actor == "cli:tester" and first.action == "check"
    assert first.query == {"name": "Name 0", "schema": "Person"}
    assert first.versions == [{"source": "un_sc_sanctions", "version": 1,
                               "published": "2025-01-15",
                               "sha256": store.serving()[0].sha256}]
    # Hits keep what identifies them and their score, not the whole entity.
    assert first.hits == [{"id": "e0", "caption": "Hit 0", "score": 0.9}]
    assert first.at.endswith("+00:00")
    assert entry_hash(first.body()) == first.hash
    result = verify_audit(store)
    assert result.ok and result.entries == 3 and result.head_hash == entries[-1].hash


def test_empty_log_verifies(store: Store) -> None:
    result = verify_audit(store)
    assert result.ok and result.entries == 0 and result.head_hash == GENESIS


def test_batch_append_is_one_ordered_run(store: Store) -> None:
    items = [("key:abc", "match", {"q": i}, store.serving(), []) for i in range(4)]
    entries = append_audit_many(store, items)
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert [e.query for e in iter_audit(store)] == [{"q": i} for i in range(4)]
    assert verify_audit(store).ok


def test_edited_entry_is_named(store: Store) -> None:
    fill(store, 5)
    tamper(store, "UPDATE audit_log SET query = :q WHERE seq = 3",
           q=json.dumps({"name": "Someone Else", "schema": "Person"}))
    result = verify_audit(store)
    assert not result.ok and result.bad_seq == 3
    assert "entry 3 was edited" in (result.problem or "")
    assert result.entries == 2


def test_edited_hits_with_recomputed_hash_breaks_the_next_link(store: Store) -> None:
    fill(store, 4)
    entry = list(iter_audit(store))[1]
    forged = {**entry.body(), "hits": []}
    tamper(store, "UPDATE audit_log SET hits = '[]', hash = :h WHERE seq = 2",
           h=entry_hash(forged))
    result = verify_audit(store)
    assert not result.ok and result.bad_seq == 3
    assert "entry 3 does not link to entry 2" in (result.problem or "")


def test_deleted_entry_is_named(store: Store) -> None:
    fill(store, 5)
    tamper(store, "DELETE FROM audit_log WHERE seq = 2")
    result = verify_audit(store)
    assert not result.ok and result.bad_seq == 2
    assert "entry 2 is missing" in (result.problem or "")


def test_deleted_last_entry_is_caught_by_the_head(store: Store) -> None:
    fill(store, 3)
    tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    result = verify_audit(store)
    assert not result.ok and result.bad_seq == 3
    assert "entry 3 is missing" in (result.problem or "")


def test_deleted_first_entry_is_named(store: Store) -> None:
    fill(store, 3)
    tamper(store, "DELETE FROM audit_log WHERE seq = 1")
    result = verify_audit(store)
    assert not result.ok and result.bad_seq == 1


def test_cli_verify_passes_then_fails_naming_the_entry(store: Store) -> None:
    fill(store, 4)
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "4 entries" in ok.stdout
    tamper(store, "UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 2")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "entry 2" in bad.stderr and "edited" in bad.stderr


def test_cli_export_since(store: Store, monkeypatch: pytest.MonkeyPatch,
                          tmp_path: Path) -> None:
    times = iter(["2025-01-10T09:00:00.000000+00:00", "2025-02-01T00:00:00.000000+00:00",
                  "2025-03-05T12:30:00.000000+00:00"])
    monkeypatch.setattr(audit, "_now", lambda: next(times))
    fill(store, 3)
    result = runner.invoke(app, ["audit", "export", "--since", "2025-02-01"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["seq"] for e in lines] == [2, 3]
    assert {"at", "actor", "action", "query", "versions", "hits", "prev_hash", "hash"} \
        <= set(lines[0])
    assert lines[1]["prev_hash"] == lines[0]["hash"]
    # Exported entries can be checked on their own: the hash covers everything but itself.
    for line in lines:
        assert entry_hash({k: v for k, v in line.items() if k != "hash"}) == line["hash"]
    out = tmp_path / "audit.jsonl"
    result = runner.invoke(app, ["audit", "export", "--since", "2025-01-01T00:00:00Z",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    everything = runner.invoke(app, ["audit", "export"])
    assert len(everything.stdout.splitlines()) == 3


def test_cli_export_refuses_a_bad_date(store: Store) -> None:
    result = runner.invoke(app, ["audit", "export", "--since", "last tuesday"])
    assert result.exit_code == 2
    assert "not a date" in result.stderr


def test_concurrent_appends_keep_one_chain(store: Store) -> None:
    threads, per_thread = 8, 25
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def work(n: int) -> None:
        own = Store()  # its own engine and connections, like another process
        start.wait()
        try:
            for i in range(per_thread):
                append_audit(own, f"key:t{n}", "match", {"thread": n, "i": i}, [], [])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            own.close()

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    entries = list(iter_audit(store))
    assert [e.seq for e in entries] == list(range(1, threads * per_thread + 1))
    assert len({e.prev_hash for e in entries}) == len(entries)  # no fork
    result = verify_audit(store)
    assert result.ok and result.entries == threads * per_thread
    for n in range(threads):  # each thread's entries are in its own order
        mine = [e.query["i"] for e in entries if e.query["thread"] == n]
        assert mine == list(range(per_thread))


def test_concurrent_appends_sharing_one_store(store: Store) -> None:
    def work(n: int) -> None:
        for i in range(20):
            append_audit(store, "cli:x", "check", {"n": n, "i": i}, [], [])

    pool = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    result = verify_audit(store)
    assert result.ok and result.entries == 120


def test_screener_hits_and_index_versions_are_logged_compactly(store: Store) -> None:
    from watchlist.screener import Screener

    screener = Screener.open(store)
    hits = screener.check({"name": "Amina Examplar"})
    entry = append_audit(store, audit.cli_actor(), "check", {"name": "Amina Examplar"},
                         screener.index.versions, hits)
    assert entry.actor.startswith("cli")
    assert entry.versions == [{"source": "un_sc_sanctions", "version": 1,
                               "published": "2025-01-15",
                               "sha256": store.serving()[0].sha256}]
    [hit] = entry.hits
    assert hit["entity_id"] == "un-sc-sanctions-qdi.902" and hit["score"] > 0.8
    assert hit["designations"] == [{"source": "un_sc_sanctions", "ref": "QDi.902"}]
    assert "explanation" not in hit
    assert verify_audit(store).ok


def test_cli_check_and_screen_are_audited(store_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from conftest import FIXTURES
    from watchlist.cli import app
    from watchlist.store.audit import iter_audit, verify_audit
    from watchlist.store.store import Store
    from watchlist.updates.pipeline import update_from_paths

    update_from_paths(Store(), [FIXTURES / "un_small_v1.xml"])
    runner = CliRunner()
    result = runner.invoke(app, ["check", "Ivan Petrovich Testovsky", "--json"])
    assert result.exit_code == 0, result.output
    rows = tmp_path / "book.csv"
    rows.write_text("id,name\nc1,Example Trading Corporation\nc2,Jane Nobody\nc3,\n")
    result = runner.invoke(app, ["screen", str(rows), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.output
    entries = list(iter_audit(Store()))
    assert [e.action for e in entries] == ["check", "screen", "screen", "screen"]
    assert entries[0].hits and entries[0].versions[0]["source"] == "un_sc_sanctions"
    assert entries[1].query["id"] == "c1" and entries[1].hits
    assert entries[2].query["id"] == "c2" and not entries[2].hits
    assert verify_audit(Store()).ok


APPENDER = """
import sys, time
from pathlib import Path
from watchlist.store.audit import append_audit, append_audit_many
from watchlist.store.store import Store
name, go, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
store = Store()
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
i = 0
while i < count:
    if i % 3 == 2 and i + 1 < count:  # some appends are batches of two
        append_audit_many(store, [(f"proc:{name}", "match", {"proc": name, "i": i + k}, [], [])
                                  for k in range(2)])
        i += 2
    else:
        append_audit(store, f"proc:{name}", "match", {"proc": name, "i": i}, [], [])
        i += 1
"""


def test_appends_from_several_processes_keep_one_chain(store: Store, tmp_path: Path) -> None:
    processes, per_process = 4, 40
    go = tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(n), str(go), str(per_process)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(processes)]
    try:
        for proc in procs:  # all connected and waiting, then all start at once
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        go.touch()
        outcomes = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    assert [p.returncode for p in procs] == [0] * processes, [err for _, err in outcomes]
    entries = list(iter_audit(store))
    assert [e.seq for e in entries] == list(range(1, processes * per_process + 1))
    for n in range(processes):  # none lost, each process's entries in its own order
        assert [e.query["i"] for e in entries if e.query["proc"] == str(n)] \
            == list(range(per_process))
    result = verify_audit(store)
    assert result.ok and result.entries == processes * per_process


def test_an_appender_waits_while_another_holds_the_write_lock(store: Store) -> None:
    other = Store()
    done = threading.Event()

    def append() -> None:
        append_audit(other, "key:second", "match", {"n": 2}, [], [])
        done.set()

    with store.engine.connect() as first:
        audit.begin_write(first)
        thread = threading.Thread(target=append)
        thread.start()
        assert not done.wait(1.0), "the second appender did not wait for the lock"
        first.commit()
    thread.join(timeout=30)
    other.close()
    assert done.is_set()
    assert [e.actor for e in iter_audit(store)] == ["key:second"]
    assert verify_audit(store).ok


def test_an_actor_too_long_for_the_log_is_refused_and_nothing_written(store: Store) -> None:
    from watchlist.errors import StoreError

    with pytest.raises(StoreError, match="too long"):
        append_audit_many(store, [("key:ok", "match", {"n": 1}, [], []),
                                  ("x" * 301, "match", {"n": 2}, [], [])])
    assert list(iter_audit(store)) == []
    assert append_audit(store, "y" * 300, "match", {"n": 3}, [], []).seq == 1
