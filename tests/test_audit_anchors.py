"""Checkpoints of the audit log outside the store: what the chain alone cannot show —
entries deleted from the end with the head rewritten, emptied tables, a rewritten or
rolled-back chain, forged checkpoints — is caught by `audit verify --anchors`.

Every test here runs on SQLite and on PostgreSQL (see the `store_url` fixture).
"""

from __future__ import annotations

import json
import logging
import stat
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.api.anchor_keeper import AnchorKeeper
from watchlist.cli import app
from watchlist.service import create_app
from watchlist.service_settings import Settings
from watchlist.store import anchors
from watchlist.store.audit import append_audit, entry_hash, iter_audit, verify_audit
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store()
    update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
    yield store
    store.close()


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The signing key's file, outside the store's home (made on first use)."""
    path = tmp_path / "secrets" / "audit.key"
    monkeypatch.setenv(anchors.ENV_KEY_FILE, str(path))
    monkeypatch.delenv(anchors.ENV_ANCHORS, raising=False)
    return path


@pytest.fixture
def anchors_file(tmp_path: Path, key_file: Path) -> Path:
    return tmp_path / "anchors.jsonl"


def tamper(store: Store, sql: str, **params: object) -> None:
    """Change the log behind the code's back, as someone with database access could."""
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def fill(store: Store, n: int, start: int = 0) -> None:
    versions = store.serving()
    for i in range(start, start + n):
        append_audit(store, "cli:tester", "check", {"name": f"Name {i}"}, versions,
                     [{"id": f"e{i}", "caption": f"Hit {i}", "score": 0.9}])


def checkpoint(path: Path) -> str:
    result = runner.invoke(app, ["audit", "checkpoint", "--anchors", str(path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def verify(path: Path | None) -> tuple[int, str, str]:
    args = ["audit", "verify"] + (["--anchors", str(path)] if path else [])
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def rewrite_chain_from(store: Store, seq: int) -> None:
    """Edit entry `seq` and recompute its hash, every later one and the head: a chain that
    verifies on its own."""
    entries = list(iter_audit(store))
    prev = entries[seq - 2].hash if seq > 1 else "0" * 64
    for entry in entries[seq - 1:]:
        body = {**entry.body(), "prev_hash": prev}
        if entry.seq == seq:
            body["hits"] = []
        digest = entry_hash(body)
        tamper(store, "UPDATE audit_log SET hits = :hits, prev_hash = :prev, hash = :h "
               "WHERE seq = :seq", hits=json.dumps(body["hits"]), prev=prev, h=digest,
               seq=entry.seq)
        prev = digest
    tamper(store, "UPDATE audit_head SET hash = :h WHERE id = 1", h=prev)


def test_honest_log_passes_after_more_entries_are_added(store: Store,
                                                         anchors_file: Path) -> None:
    fill(store, 3)
    line = checkpoint(anchors_file)
    printed = json.loads(line)
    assert printed["seq"] == 3 and printed["hash"] == verify_audit(store).head_hash
    fill(store, 2, start=3)
    checkpoint(anchors_file)
    fill(store, 2, start=5)
    code, out, err = verify(anchors_file)
    assert code == 0, err
    assert "7 entries" in out and "2 checkpoints agree" in out and "entry 5" in out
    assert anchors_file.read_text().splitlines()[0] == line.strip()


def test_deleted_last_entries_with_the_head_rewritten_are_caught(store: Store,
                                                                anchors_file: Path) -> None:
    fill(store, 5)
    checkpoint(anchors_file)
    third = list(iter_audit(store))[2]
    tamper(store, "DELETE FROM audit_log WHERE seq > 3")
    tamper(store, "UPDATE audit_head SET seq = 3, hash = :h WHERE id = 1", h=third.hash)
    assert verify_audit(store).ok  # the chain alone cannot tell
    code, _, err = verify(anchors_file)
    assert code == 1
    assert "ends at entry 3" in err and "entries 4 to 5 were deleted" in err


def test_emptied_tables_are_caught(store: Store, anchors_file: Path) -> None:
    fill(store, 4)
    checkpoint(anchors_file)
    tamper(store, "DELETE FROM audit_log")
    tamper(store, "DELETE FROM audit_head")
    code, out, _ = verify(None)
    assert code == 0 and "intact: 0 entries" in out  # the hole the checkpoints close
    code, _, err = verify(anchors_file)
    assert code == 1
    assert "the log is empty" in err and "recorded 4 entries" in err
    assert "made of the store" not in err  # the same store


def test_a_checkpoint_of_another_store_is_named(store: Store, anchors_file: Path) -> None:
    fill(store, 2)
    line = json.loads(checkpoint(anchors_file))
    key = anchors.load_key()
    other = anchors.sign_checkpoint(key, "postgresql://elsewhere/watchlist", 5, line["hash"])
    with anchors_file.open("a") as handle:
        handle.write(other.to_line() + "\n")
    code, _, err = verify(anchors_file)
    assert code == 1 and "made of the store postgresql://elsewhere/watchlist" in err


def test_an_edited_entry_with_the_chain_recomputed_after_it_is_caught(
        store: Store, anchors_file: Path) -> None:
    fill(store, 5)
    checkpoint(anchors_file)
    rewrite_chain_from(store, 2)
    assert verify_audit(store).ok
    code, _, err = verify(anchors_file)
    assert code == 1
    assert "entry 5 is not the one checkpointed" in err and "rewritten" in err


def test_a_rollback_written_past_the_checkpoint_is_caught(store: Store,
                                                         anchors_file: Path) -> None:
    fill(store, 4)
    checkpoint(anchors_file)
    second = list(iter_audit(store))[1]
    tamper(store, "DELETE FROM audit_log WHERE seq > 2")  # an older copy restored...
    tamper(store, "UPDATE audit_head SET seq = 2, hash = :h WHERE id = 1", h=second.hash)
    fill(store, 3, start=100)  # ...and written on: the log is longer than the checkpoint
    assert verify_audit(store).ok
    code, _, err = verify(anchors_file)
    assert code == 1 and "entry 4 is not the one checkpointed" in err


def test_forged_checkpoints_are_reported_as_tampered(store: Store, anchors_file: Path,
                                                     tmp_path: Path) -> None:
    fill(store, 3)
    checkpoint(anchors_file)
    real = json.loads(anchors_file.read_text())
    forged_seq = {**real, "seq": 2}  # the signature of another checkpoint
    other_key = anchors.sign_checkpoint(b"k" * 40, real["store"], 3, real["hash"])
    with anchors_file.open("a") as handle:
        handle.write(json.dumps(forged_seq) + "\n")
        handle.write(other_key.to_line() + "\n")
        handle.write("seq=3 hash=abc\n")
    code, _, err = verify(anchors_file)
    assert code == 1
    assert "line 2: checkpoint of entry 2" in err and "bad signature" in err
    assert "line 3" in err and f"it names key {other_key.key}" in err
    assert "line 4: is not a checkpoint" in err
    assert "audit log intact" not in err


def test_verify_without_anchors_says_it_cannot_see_truncation(store: Store,
                                                              key_file: Path) -> None:
    fill(store, 2)
    code, out, err = verify(None)
    assert code == 0 and "2 entries" in out
    assert "not checked against checkpoints" in err


def test_verify_uses_the_anchors_setting(store: Store, anchors_file: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store, 3)
    checkpoint(anchors_file)
    monkeypatch.setenv(anchors.ENV_ANCHORS, str(anchors_file))
    tamper(store, "DELETE FROM audit_log")
    tamper(store, "DELETE FROM audit_head")
    code, _, err = verify(None)
    assert code == 1 and "the log is empty" in err


def test_checkpoints_in_a_directory_one_file_each(store: Store, tmp_path: Path,
                                                  key_file: Path) -> None:
    folder = tmp_path / "anchors"
    folder.mkdir()
    fill(store, 2)
    checkpoint(folder)
    fill(store, 2, start=2)
    checkpoint(folder)
    files = sorted(folder.iterdir())
    assert len(files) == 2
    assert json.loads(files[1].read_text())["seq"] == 4
    assert verify(folder)[0] == 0
    data = json.loads(files[0].read_text())
    files[0].write_text(json.dumps({**data, "hash": "0" * 64}) + "\n")
    code, _, err = verify(folder)
    assert code == 1 and files[0].name in err and "bad signature" in err


def test_the_key_is_made_private_on_first_use_and_needed_to_verify(
        store: Store, anchors_file: Path, key_file: Path) -> None:
    fill(store, 1)
    checkpoint(anchors_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    key_file.unlink()
    code, _, err = verify(anchors_file)
    assert code == 2 and "does not exist" in err and str(key_file) in err
    key_file.write_text("short\n")
    code, _, err = verify(anchors_file)
    assert code == 2 and "at least 32" in err


def test_checkpoint_needs_a_place_and_refuses_a_log_that_shrank(
        store: Store, anchors_file: Path) -> None:
    result = runner.invoke(app, ["audit", "checkpoint"])
    assert result.exit_code == 2 and "--anchors" in result.stderr
    fill(store, 3)
    checkpoint(anchors_file)
    tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    tamper(store, "UPDATE audit_head SET seq = 2, hash = :h WHERE id = 1",
           h=list(iter_audit(store))[1].hash)
    result = runner.invoke(app, ["audit", "checkpoint", "--anchors", str(anchors_file)])
    assert result.exit_code == 2 and "fewer than the 3" in result.stderr
    assert len(anchors_file.read_text().splitlines()) == 1  # nothing signed


def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() \
        else []


def test_the_service_checkpoints_at_its_interval_and_at_shutdown(
        store: Store, anchors_file: Path) -> None:
    keeper = AnchorKeeper(store, anchors_file, seconds=0.05, entries=10_000)
    keeper.start()
    try:
        fill(store, 2)
        wait_for(lambda: any(c["seq"] == 2 for c in lines(anchors_file)))
        fill(store, 1, start=2)
        wait_for(lambda: any(c["seq"] == 3 for c in lines(anchors_file)))
        fill(store, 2, start=3)
    finally:
        keeper.close()
    assert lines(anchors_file)[-1]["seq"] == 5  # the last, written at shutdown
    assert verify(anchors_file)[0] == 0


def test_the_service_checkpoints_after_so_many_entries(store: Store,
                                                       anchors_file: Path) -> None:
    keeper = AnchorKeeper(store, anchors_file, seconds=3600, entries=3, poll=0.02)
    keeper.start()
    try:
        fill(store, 2)
        time.sleep(0.1)
        assert lines(anchors_file) == []  # neither due nor enough entries
        fill(store, 1, start=2)
        wait_for(lambda: [c["seq"] for c in lines(anchors_file)] == [3])
    finally:
        keeper.close()


def test_the_service_does_not_sign_a_log_that_shrank(
        store: Store, anchors_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    keeper = AnchorKeeper(store, anchors_file, seconds=0.01, entries=1)
    fill(store, 3)
    assert keeper.tick() is not None
    tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    tamper(store, "UPDATE audit_head SET seq = 2, hash = :h WHERE id = 1",
           h=list(iter_audit(store))[1].hash)
    fill(store, 2, start=10)  # written on after the truncation: entry 3 is another one
    with caplog.at_level(logging.ERROR, logger="watchlist.api"):
        assert keeper.tick(final=True) is None
    assert "no longer the one checkpointed" in caplog.text
    assert [c["seq"] for c in lines(anchors_file)] == [3]


def test_the_app_checkpoints_when_an_anchors_path_is_set(
        store: Store, anchors_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(anchors.ENV_ANCHORS, str(anchors_file))
    settings = replace(Settings.from_env(), anchor_seconds=0.05)
    api = create_app(store, auth=False, settings=settings, warm=False)
    with TestClient(api):
        # What a screening request does once answered (without building an index here).
        api.state.audit.submit([("key:test", "match", {"name": "Amina"}, [], [])]) \
            .result(timeout=30)
        wait_for(lambda: lines(anchors_file) != [])
    assert lines(anchors_file)[-1]["seq"] == verify_audit(store).head_seq >= 1
    assert verify(anchors_file)[0] == 0


def test_the_app_refuses_to_start_with_anchors_it_cannot_write(
        store: Store, tmp_path: Path, key_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(anchors.ENV_ANCHORS, str(tmp_path / "missing" / "anchors.jsonl"))
    with pytest.raises(anchors.AnchorError, match="does not exist"):
        create_app(store, auth=False, warm=False)


def test_serve_makes_the_key_and_checks_the_anchors_before_starting_workers(
        tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchlist.cli.serve import _announce_anchors

    monkeypatch.setenv(anchors.ENV_ANCHORS, str(tmp_path / "anchors.jsonl"))
    _announce_anchors()
    assert key_file.exists()
    monkeypatch.setenv(anchors.ENV_ANCHORS, str(tmp_path / "missing" / "anchors.jsonl"))
    with pytest.raises(anchors.AnchorError, match="missing"):
        _announce_anchors()


@pytest.mark.parametrize("value", ["0", "100000", "soon"])
def test_the_checkpoint_interval_setting_is_checked(value: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from watchlist.errors import WatchlistError

    monkeypatch.setenv("WATCHLIST_API_ANCHOR_SECONDS", value)
    with pytest.raises(WatchlistError, match="ANCHOR_SECONDS|anchor_seconds"):
        Settings.from_env()
