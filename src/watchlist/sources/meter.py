"""How far a parse has read its snapshot's files, in bytes, for a progress bar.

`metering(files, progress)` is held around a parse; the readers open their files with
`open_read` (counted as the parser pulls bytes) or, for a file decoded whole, read its
text through `metered_text` (counted as the parser takes lines). Outside a metered parse
both behave as `open` and `io.StringIO`, so sniffing and other reads cost nothing extra.

A parser that reads everything before building entities (rows grouped into records)
is metered in two passes: reading fills the first half of the bar, and the records it
then builds from, taken through `in_turn`, the second.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO, TypeVar

#: Bytes read from a file at a time: the step in which progress advances.
READ_SIZE = 64 * 1024
#: Progress is told at most about this many times per snapshot (and at its end).
STEPS = 200

Progress = Callable[[int, int], None]


class Meter:
    """Bytes read of each file of a snapshot, told to `progress(done, total)` as they grow."""

    def __init__(self, files: Iterable[Path], progress: Progress, passes: int = 1) -> None:
        self.sizes = {_key(p): _size(p) for p in files}
        self.total = sum(self.sizes.values())
        self.passes = passes
        self.done_by: dict[Path, int] = dict.fromkeys(self.sizes, 0)
        self.done = 0
        self.progress = progress
        self.told = -1
        self.step = max(1, self.total // STEPS)

    def knows(self, path: Path) -> bool:
        return _key(path) in self.sizes

    def reached(self, path: Path, amount: int) -> None:
        """The parse has read `amount` bytes of `path` (never counted twice, nor past its end)."""
        key = _key(path)
        size = self.sizes.get(key)
        if size is None:
            return
        before = self.done_by[key]
        value = min(amount, size)
        if value <= before:
            return
        self.done_by[key] = value
        self.done += value - before
        self.at(self.done // self.passes)

    def at(self, done: int) -> None:
        """Tell `done` if it moved a step on since last told (or reached the total)."""
        if done - self.told >= self.step or (done == self.total and self.told != done):
            self.tell(done)

    def tell(self, done: int) -> None:
        self.told = done
        self.progress(done, self.total)

    def finish(self) -> None:
        """The parse ended having read all it needed: the bar reaches its total."""
        if self.told != self.total:
            self.tell(self.total)


_CURRENT: ContextVar[Meter | None] = ContextVar("watchlist_meter", default=None)


def _key(path: Path) -> Path:
    return Path(path).absolute()


def _size(path: Path) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


@contextmanager
def metering(files: Iterable[Path], progress: Progress | None,
             passes: int = 1) -> Iterator[Meter | None]:
    """Count what the parse inside reads of `files`, telling `progress` (None: no counting);
    `passes` as `Format.passes`."""
    if progress is None:
        yield None
        return
    meter = Meter(files, progress, passes)
    meter.tell(0)
    token = _CURRENT.set(meter)
    try:
        yield meter
    finally:
        _CURRENT.reset(token)


class _CountedFile(io.FileIO):
    """A file whose reads are counted on a meter (at most READ_SIZE bytes at a time, so the
    count advances in steps even when a reader asks for more)."""

    def __init__(self, path: Path, meter: Meter) -> None:
        super().__init__(path, "rb")
        self.path = Path(path)
        self.meter = meter
        self.count = 0

    def readinto(self, buffer: bytearray | memoryview) -> int | None:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        got = super().readinto(view[:READ_SIZE])
        if got:
            self.count += got
            self.meter.reached(self.path, self.count)
        return got

    def readall(self) -> bytes:
        data = super().readall()
        self.count += len(data)
        self.meter.reached(self.path, self.count)
        return data


def open_read(path: Path) -> BinaryIO:
    """The file opened for binary reading; its bytes are counted when a parse is metered."""
    meter = _CURRENT.get()
    if meter is None or not meter.knows(path):
        return open(path, "rb")
    return io.BufferedReader(_CountedFile(path, meter), buffer_size=READ_SIZE)


class _CountedText(io.StringIO):
    """Text of a file read whole, its lines counted as taken, in the file's bytes."""

    def __init__(self, text: str, path: Path, meter: Meter, newline: str | None) -> None:
        super().__init__(text, newline=newline)
        self.path = Path(path)
        self.meter = meter
        self.ratio = meter.sizes[_key(path)] / max(1, len(text))
        self.chars = 0

    def __next__(self) -> str:  # type: ignore[override]  # typeshed: bytes from _IOBase
        line = super().__next__()
        self.chars += len(line)
        self.meter.reached(self.path, int(self.chars * self.ratio))
        return line


def metered_text(text: str, path: Path, newline: str | None = "\n") -> io.StringIO:
    """`io.StringIO(text, newline=newline)` of the text of `path`; its lines are counted as
    bytes of the file when a parse is metered."""
    meter = _CURRENT.get()
    if meter is None or not meter.knows(path):
        return io.StringIO(text, newline=newline)
    return _CountedText(text, path, meter, newline)


T = TypeVar("T")


def in_turn(items: Collection[T]) -> Iterator[T]:
    """The records a parse builds its entities from once it has read its files, one by
    one: in a parse metered in two passes, the second half of the bar goes with them."""
    meter = _CURRENT.get()
    if meter is None or meter.passes < 2 or not items:
        yield from items
        return
    first = meter.total // 2
    for taken, item in enumerate(items, start=1):
        yield item
        meter.at(first + (meter.total - first) * taken // len(items))
