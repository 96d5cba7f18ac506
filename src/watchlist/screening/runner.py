"""Screening many rows over worker processes, keeping input order.

Rows come in chunks; each worker process opens the Screener once (its index is persisted,
so that is quick) and screens whole chunks. Chunks go out and come back in order, with at
most a few per worker in flight, so a file of any size streams through in bounded memory.
With one worker the rows are screened in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from watchlist.errors import WatchlistError
from watchlist.screening.writers import shape_match

Row = dict[str, Any]
#: How many rows go to a worker at once.
CHUNK_SIZE = 250


@dataclass
class Summary:
    """What a run did: rows screened, rows with at least one hit, error rows, seconds."""

    rows: int = 0
    with_hits: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def add(self, record: Row) -> None:
        self.rows += 1
        if record.get("error"):
            self.errors += 1
        elif record.get("matches"):
            self.with_hits += 1

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "with_hits": self.with_hits, "errors": self.errors,
                "seconds": round(self.seconds, 3),
                "rows_per_second": round(self.rows_per_second, 1)}


class ScreenerOpener:
    """Opens the Screener of the default store (WATCHLIST_HOME); picklable, for workers."""

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = threshold

    def __call__(self) -> Any:
        from watchlist.screener import Screener

        return Screener.open(threshold=self.threshold)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _record(row: Row, result: dict[str, Any] | None, limit: int | None,
            shape: bool = True) -> Row:
    if result is None or result.get("error"):
        error = (result or {}).get("error") or row.get("error") or "could not be screened"
        return {"id": row["id"], "matches": [], "error": str(error)}
    matches = [m if isinstance(m, dict) else m.to_dict() for m in result.get("matches") or []]
    if shape:
        matches = [shape_match(m) for m in matches]
    matches.sort(key=lambda m: -(m.get("score") or 0.0))
    return {"id": row["id"], "matches": matches[:limit] if limit else matches}


def _query(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "error"}


def screen_chunk(screener: Any, chunk: list[Row], limit: int | None = None,
                 shape: bool = True) -> list[Row]:
    """Screen a chunk of prepared rows; error rows pass through, a row that fails alone
    is reported with its error. `shape=False` keeps each hit whole (Hit.to_dict())."""
    good = [i for i, row in enumerate(chunk) if not row.get("error")]
    results: dict[int, dict[str, Any] | None] = {i: None for i in range(len(chunk))}
    try:
        out = list(screener.screen([_query(chunk[i]) for i in good]))
        if len(out) != len(good):
            raise RuntimeError("screen() gave a result count unlike its input")
        results.update(zip(good, out, strict=True))
    except Exception:  # noqa: BLE001 - find the row that failed, screen the rest
        for i in good:
            try:
                hits = screener.check(_query(chunk[i]))
                results[i] = {"matches": [h if isinstance(h, dict) else h.to_dict()
                                          for h in hits]}
            except Exception as exc:  # noqa: BLE001 - reported in that row
                results[i] = {"error": str(exc) or type(exc).__name__}
    return [_record(row, results[i], limit, shape) for i, row in enumerate(chunk)]


# -- worker processes -------------------------------------------------------------------------

_SCREENER: Any = None
_INIT_ERROR: BaseException | None = None


def _init_worker(opener: Callable[[], Any]) -> None:
    global _SCREENER, _INIT_ERROR
    try:
        _SCREENER = opener()
    except BaseException as exc:  # noqa: BLE001 - raised with the first chunk instead
        _INIT_ERROR = exc


def _work(chunk: list[Row], limit: int | None, shape: bool) -> list[Row]:
    if _INIT_ERROR is not None:
        if isinstance(_INIT_ERROR, WatchlistError):
            raise _INIT_ERROR
        raise WatchlistError(f"a worker could not open the screener: {_INIT_ERROR!r}")
    return screen_chunk(_SCREENER, chunk, limit, shape)


def _ready() -> None:
    """Nothing; submitting it starts the worker processes."""


def screen_chunks(chunks: Iterable[list[Row]], *, opener: Callable[[], Any],
                  workers: int = 1, limit: int | None = None,
                  summary: Summary | None = None,
                  on_start: Callable[[], None] | None = None,
                  shape: bool = True) -> Iterator[list[Row]]:
    """The records of each chunk, in input order, screened by `workers` processes.

    `opener` (picklable) makes the screener, once per worker. `on_start` is called when
    the workers are up, before the first chunk is screened (start a progress display then,
    not earlier: the workers are forked).
    """
    summary = summary if summary is not None else Summary()
    start = time.perf_counter()

    def emit(records: list[Row]) -> list[Row]:
        for record in records:
            summary.add(record)
        summary.seconds = time.perf_counter() - start
        return records

    if workers <= 1:
        screener = opener()
        if on_start:
            on_start()
        start = time.perf_counter()
        for chunk in chunks:
            yield emit(screen_chunk(screener, chunk, limit, shape))
        return

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_init_worker, initargs=(opener,))
    pending: deque[Future[list[Row]]] = deque()
    try:
        executor.submit(_ready).result()  # fork every worker before any thread starts
        if on_start:
            on_start()
        start = time.perf_counter()
        in_flight = workers * 3
        for chunk in chunks:
            pending.append(executor.submit(_work, chunk, limit, shape))
            while len(pending) >= in_flight:
                yield emit(pending.popleft().result())
        while pending:
            yield emit(pending.popleft().result())
    except BrokenProcessPool:
        raise WatchlistError("a screening worker died (out of memory?); the output is "
                             "incomplete") from None
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def screen_rows(rows: Iterable[Row], *, opener: Callable[[], Any], workers: int = 1,
                limit: int | None = None, chunk_size: int = CHUNK_SIZE,
                summary: Summary | None = None) -> Iterator[Row]:
    """The record of each prepared row (see readers.prepare_row), in input order."""
    iterator = iter(rows)

    def chunked() -> Iterator[list[Row]]:
        while True:
            chunk = []
            for row in iterator:
                chunk.append(row)
                if len(chunk) >= chunk_size:
                    break
            if not chunk:
                return
            yield chunk

    for records in screen_chunks(chunked(), opener=opener, workers=workers, limit=limit,
                                 summary=summary):
        yield from records
