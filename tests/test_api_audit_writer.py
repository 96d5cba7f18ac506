"""The API's group commit of audit entries: every request's entries written, in order,
in one chain, and a failed write fails the requests waiting on it."""

from __future__ import annotations

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
    real = audit_writer.append_audit_many

    def refusing(store: Store, items: Any) -> Any:
        if any(item[2].get("name") == "unwritable" for item in items):
            raise OSError("disk full")
        return real(store, items)

    monkeypatch.setattr(audit_writer, "append_audit_many", refusing)
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
