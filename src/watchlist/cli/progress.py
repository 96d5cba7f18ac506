"""How an update shows its progress on a terminal: bars for downloads, parsing and the index
build (rich), fed by the update pipeline's `Reporter` calls."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape
from rich.progress import (
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TransferSpeedColumn,
)
from rich.text import Text

from watchlist.updates.pipeline import (
    Reporter,
)


class ConsoleReporter(Reporter):
    """Draws update progress with rich: bars for downloads, parsing and the index build."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def message(self, text: str) -> None:
        if text.startswith("[error] "):
            self.progress.console.print(f"[bold red]error[/] {escape(text[8:])}")
        elif text.startswith("[warning] "):
            self.progress.console.print(f"[bold yellow]warning[/] {escape(text[10:])}")
        else:
            self.progress.console.print(escape(text))

    def parsing(self, label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
        task = self.progress.add_task(f"parsing {label}", total=None)

        def advance(done: int, total: int) -> None:
            self.progress.update(task, completed=done, total=total)

        return advance, lambda: self.progress.remove_task(task)

    def indexing(self) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
        task = self.progress.add_task("building the screening index", total=None, count=True)

        def advance(stage: str, done: int, total: int) -> None:
            self.progress.update(task, description=f"building the screening index: {stage}",
                                 completed=done, total=total or None)

        return advance, lambda: self.progress.remove_task(task)

    def downloading(self, url: str) -> tuple[Callable[[int, int | None], None], Callable[[], None]]:
        task = self.progress.add_task(f"downloading {url}", total=None)

        def advance(done: int, total: int | None) -> None:
            self.progress.update(task, completed=done, total=total)

        return advance, lambda: self.progress.remove_task(task)


class AmountColumn(ProgressColumn):
    """Bytes and speed for downloads and parsing; a plain count for the index build."""

    def __init__(self) -> None:
        super().__init__()
        self.size = DownloadColumn()
        self.speed = TransferSpeedColumn()

    def render(self, task: Task) -> Text:
        if task.fields.get("count"):
            amount = f"{int(task.completed):,}/{int(task.total):,}" if task.total else ""
            return Text(amount, style="progress.download")
        return Text.assemble(self.size.render(task), " ", self.speed.render(task))
