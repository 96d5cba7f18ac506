"""The API's group commit of audit entries: every request's entries written, in order,
in one chain, and a failed write fails the requests waiting on it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from watchlist.api import audit_writer
from watchlist.api.audit_writer import AuditWriter
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.store import Store


def _item(n: int) -> tuple[str, str, Any, list[Any], list[Any]]:
    return ("key:test", "match", {"name": f"query {n}"}, [], [])


def refuse_unwritable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the store refuse any group holding an entry for the query "unwritable"."""
    real = audit_writer.append_audit_many

    def refusing(store: Store, items: Any) -> Any:
        if any(item[2].get("name") == "unwritable" for item in items):
            raise OSError("disk full")
        return real(store, items)

    monkeypatch.setattr(audit_writer, "append_audit_many", refusing)


def test_concurrent_requests_are_all_logged_in_one_verified_chain(home: Path) -> None:
    store = Store()
    writer = AuditWriter(store)
    results: dict[int, list[Any]] = {}

    def request(n: int) -> None:
        results[n] = writer.submit([_item(n * 10), _item(n * 10 + 1)]).result(timeout=60)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    entries = list(iter_audit(store))
    assert len(entries) == 80
    assert verify_audit(store).ok
    for n, written in results.items():
        assert [e.query["name"] for e in written] == [f"query {n * 10}", f"query {n * 10 + 1}"]
        assert written[1].seq == written[0].seq + 1  # one request's entries stay together
    assert writer.groups <= 40 and writer.entries == 80


def test_a_request_whose_entry_cannot_be_written_fails_and_others_are_kept(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store()
    refuse_unwritable(monkeypatch)
    writer = AuditWriter(store)
    gate = threading.Event()
    writer.submit([_item(0)]).add_done_callback(lambda _f: gate.wait(5))
    good = writer.submit([_item(1)])
    failed = writer.submit([("key:test", "match", {"name": "unwritable"}, [], [])])
    gate.set()
    assert good.result(timeout=60)[0].query == {"name": "query 1"}
    with pytest.raises(OSError, match="disk full"):
        failed.result(timeout=60)
    writer.close()
    assert [e.query["name"] for e in iter_audit(store)] == ["query 0", "query 1"]
    assert verify_audit(store).ok


def test_close_writes_what_is_queued(home: Path) -> None:
    store = Store()
    writer = AuditWriter(store)
    futures = [writer.submit([_item(n)]) for n in range(25)]
    writer.close()
    assert all(f.done() for f in futures)
    assert len(list(iter_audit(store))) == 25


@pytest.mark.parametrize("inline", [True, False], ids=["on-the-loop", "writer-thread"])
def test_requests_of_one_loop_turn_are_written_together_in_order(home: Path,
                                                                 inline: bool) -> None:
    store = Store()
    writer = AuditWriter(store, inline=inline)

    async def request(n: int) -> list[Any]:
        return await writer.append([_item(n * 10), _item(n * 10 + 1)])

    async def burst() -> list[list[Any]]:
        return await asyncio.gather(*(request(n) for n in range(30)))

    results = asyncio.run(burst())
    writer.close()
    assert verify_audit(store).ok
    assert len(list(iter_audit(store))) == 60
    for n, written in enumerate(results):
        assert [e.query["name"] for e in written] == [f"query {n * 10}", f"query {n * 10 + 1}"]
        assert written[1].seq == written[0].seq + 1
    assert writer.groups == 1  # all thirty requests reached the log in one turn


@pytest.mark.parametrize("inline", [True, False], ids=["on-the-loop", "writer-thread"])
def test_on_the_loop_a_failed_entry_fails_only_its_request(
        home: Path, monkeypatch: pytest.MonkeyPatch, inline: bool) -> None:
    store = Store()
    refuse_unwritable(monkeypatch)
    writer = AuditWriter(store, inline=inline)

    async def burst() -> list[Any]:
        return await asyncio.gather(
            writer.append([_item(1)]),
            writer.append([("key:test", "match", {"name": "unwritable"}, [], [])]),
            writer.append([_item(2)]), return_exceptions=True)

    good, failed, also_good = asyncio.run(burst())
    writer.close()
    assert isinstance(failed, OSError)
    assert good[0].query == {"name": "query 1"} and also_good[0].query == {"name": "query 2"}
    assert [e.query["name"] for e in iter_audit(store)] == ["query 1", "query 2"]
    assert verify_audit(store).ok


def test_the_writer_writes_on_the_loop_for_a_sqlite_store(home: Path) -> None:
    assert AuditWriter(Store()).inline


def test_on_the_loop_a_taken_turn_is_waited_for_without_blocking_the_loop(home: Path) -> None:
    store = Store()
    writer = AuditWriter(store, inline=True)
    taken, release = threading.Event(), threading.Event()

    def other_writer() -> None:  # another worker holding the turn for a while
        with audit_writer.audit_turn(writer.lock_path):
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=other_writer)
    holder.start()
    taken.wait(5)

    async def scenario() -> tuple[int, bool, list[Any]]:
        pending = asyncio.ensure_future(writer.append([_item(1)]))
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.002)
            ticks += 1  # the loop goes on while the entry waits for its turn
        waited = not pending.done()
        release.set()
        return ticks, waited, await asyncio.wait_for(pending, 10)

    ticks, waited, written = asyncio.run(scenario())
    holder.join()
    writer.close()
    assert ticks == 20 and waited
    assert written[0].query == {"name": "query 1"}
    assert verify_audit(store).ok
