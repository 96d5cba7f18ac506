"""Progress of long work told in stages: each stage reports (name, done, total) to a callback
about STEPS times, so a build or a link of millions of records shows it is moving."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

#: A progress callback: (stage name, items done, items in the stage).
IndexProgress = Callable[[str, int, int], None]

#: How many times a stage reports, at most, besides its start and end.
STEPS = 100


class Stage:
    """One stage of a build, telling `progress` how far it is (about STEPS times)."""

    def __init__(self, progress: IndexProgress | None, name: str, total: int) -> None:
        self.progress = progress
        self.name = name
        self.total = total
        self.done = 0
        self.step = max(1, total // STEPS)
        if progress is not None:
            progress(name, 0, total)

    def over(self, items: Iterable[Any]) -> Iterator[Any]:
        """The items, each counted as done once taken."""
        if self.progress is None:
            yield from items
            return
        for item in items:
            yield item
            self.done += 1
            if self.done % self.step == 0:
                self.progress(self.name, min(self.done, self.total), self.total)

    def end(self) -> None:
        if self.progress is not None and self.done % self.step:
            self.progress(self.name, min(self.done, self.total), self.total)
