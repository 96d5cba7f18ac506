"""The parallel batch runner: input order kept over workers, bad rows isolated."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

from watchlist.errors import WatchlistError
from watchlist.screening.runner import Summary, screen_chunk, screen_rows


class FakeScreener:
    """Matches a name holding "bad" with nothing but an exception; others hit themselves."""

    def __init__(self) -> None:
        self.pid = os.getpid()

    def _hits(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        name = query["name"]
        if "boom" in name:
            raise ValueError(f"cannot screen {name}")
        if name.startswith("miss"):
            return []
        return [{"entity_id": f"low-{name}", "caption": name, "schema": "Person",
                 "score": 0.75, "designations": [], "explanation": {}},
                {"entity_id": f"e-{name}", "caption": name, "schema": "Person", "score": 0.9,
                 "designations": [], "explanation": {"pid": self.pid}}]

    def check(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return self._hits(query)

    def screen(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            yield {"id": row["id"], "matches": self._hits(row)}


def open_fake() -> FakeScreener:
    return FakeScreener()


def fail_to_open() -> FakeScreener:
    raise WatchlistError("the store is empty: run `watchlist update`")


def test_chunk_isolates_a_failing_row() -> None:
    chunk = [{"id": 1, "name": "a"}, {"id": 2, "name": "boom"}, {"id": 3, "error": "no name"},
             {"id": 4, "name": "miss"}]
    got = screen_chunk(FakeScreener(), chunk, limit=1)
    assert [r["id"] for r in got] == [1, 2, 3, 4]
    assert [m["entity_id"] for m in got[0]["matches"]] == ["e-a"]  # best first, limited
    assert got[1] == {"id": 2, "matches": [], "error": "cannot screen boom"}
    assert got[2] == {"id": 3, "matches": [], "error": "no name"}
    assert got[3] == {"id": 4, "matches": []}


@pytest.mark.parametrize("workers", [1, 2])
def test_order_is_kept(workers: int) -> None:
    rows = [{"id": i, "name": f"n{i}"} if i % 7 else {"id": i, "error": "no name"}
            for i in range(1, 1001)]
    rows[500] = {"id": 501, "name": "miss"}
    summary = Summary()
    got = list(screen_rows(rows, opener=open_fake, workers=workers, chunk_size=13,
                           summary=summary))
    assert [r["id"] for r in got] == list(range(1, 1001))
    assert got[1]["matches"][0]["entity_id"] == "e-n2"
    assert summary.rows == 1000 and summary.errors == 142 and summary.with_hits == 857
    pids = {m["explanation"]["pid"] for r in got for m in r["matches"] if m["explanation"]}
    assert (len(pids) == 2) if workers == 2 else (pids == {os.getpid()})


def test_a_screener_that_cannot_open_is_reported() -> None:
    with pytest.raises(WatchlistError, match="store is empty"):
        list(screen_rows([{"id": 1, "name": "a"}], opener=fail_to_open, workers=2))
