"""The service checkpoints a SQLite store's log from a thread, keeping the log small."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from watchlist.api.audit_writer import AuditWriter
from watchlist.api.wal_keeper import WalKeeper
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.store import Store


def _item(n: int) -> tuple[str, str, Any, list[Any], list[Any]]:
    return ("key:test", "match", {"name": f"query {n}", "pad": "x" * 2000}, [], [])


def _autocheckpoint(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_the_keeper_checkpoints_the_log_past_its_limit_and_keeps_it_small(home: Path) -> None:
    store = Store()
    keeper = WalKeeper(store, every=0.01, limit_bytes=256 * 1024)
    keeper.start()
    writer = AuditWriter(store, inline=True)
    assert _autocheckpoint(store) == 0  # the service's connections leave it to the keeper

    async def load() -> int:
        largest = 0
        for n in range(300):
            await asyncio.gather(*(writer.append([_item(n * 10 + i)]) for i in range(10)))
            largest = max(largest, keeper.wal_bytes())
            await asyncio.sleep(0.001)
        return largest

    largest = asyncio.run(load())
    writer.close()
    keeper.close()
    assert keeper.checkpoints >= 2
    assert largest < 4 * 1024 * 1024  # some 7 MB were written; the log never held them all
    assert _autocheckpoint(store) == 1000  # SQLite's default again once the keeper stopped
    assert len(list(iter_audit(store))) == 3000
    assert verify_audit(store).ok


def test_the_keeper_does_nothing_for_a_store_without_a_file(tmp_path: Path) -> None:
    store = Store("sqlite://")
    keeper = WalKeeper(store)
    keeper.start()
    time.sleep(0.05)
    keeper.close()
    assert not keeper.active and keeper.checkpoints == 0
