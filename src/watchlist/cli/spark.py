"""`watchlist screen --engine spark`: the command-line side of `watchlist.spark.screen_files`.

Called by the `screen` command (cli_screen.py); shows the progress of the Spark stages,
prints a summary and records the run in the audit log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from watchlist.cli.common import console
from watchlist.errors import WatchlistError
from watchlist.screening.readers import parse_mapping
from watchlist.store.audit import append_audit, cli_actor


def screen_with_spark(input_path: str, output_path: str | None, index_path: str | None,
                      master: str | None, threshold: float | None, limit: int,
                      mapping: list[str] | None, format_: str | None,
                      workers: int | None, encoding: str | None = None) -> None:
    """Screen a Parquet or CSV input on Spark, writing one row per hit and per bad row."""
    if output_path is None:
        raise WatchlistError("--engine spark writes files: give -o OUTPUT (a path or URL; "
                             "Spark writes a directory of part files)")
    if workers is not None:
        raise WatchlistError("--workers is for the local engine; with --engine spark the "
                             "cluster sets the cores (e.g. --master local[4])")
    from watchlist.spark import screen_files

    fields = parse_mapping(mapping)
    with tempfile.TemporaryDirectory(prefix="watchlist-spark-") as scratch:
        if index_path is None:  # the current store's index, exported for the executors
            from watchlist.index.artifact import export_artifact

            index_path = str(Path(scratch) / "watchlist-index.zip")
            with console.status("exporting the index of the current lists"):
                export_artifact(index_path)
        progress = Progress(SpinnerColumn(), TextColumn("screening on Spark"),
                            BarColumn(bar_width=30), TextColumn("{task.completed}/{task.total} "
                                                                "tasks"),
                            TimeElapsedColumn(), console=console, transient=True)
        task = progress.add_task("spark", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with progress:
            summary = screen_files(input_path, output_path, index_path, threshold=threshold,
                                   limit=limit, mapping=fields, master=master,
                                   input_format_=format_, progress=report,
                                   input_encoding=encoding)
    _audit(input_path, output_path, summary)
    console.print(
        f"Screened {summary.rows:,} rows in {summary.seconds:.1f} s "
        f"({summary.rows_per_second:,.0f} rows/s, Spark): [bold]{summary.with_hits:,}[/] with "
        f"matches ({summary.hits:,} hit rows), "
        f"{'[bold red]' if summary.errors else ''}{summary.errors:,} errors"
        f"{'[/]' if summary.errors else ''}; {summary.format.upper()} to "
        f"{escape(output_path)} (index {summary.index_key}).")


def _audit(input_path: str, output_path: str, summary: Any) -> None:
    """One audit entry for the run: the output holds each row's hits."""
    from watchlist.store.store import Store

    query = {"file": input_path, "output": output_path, "engine": "spark",
             "rows": summary.rows, "with_hits": summary.with_hits, "hits": summary.hits,
             "errors": summary.errors, "index_key": summary.index_key}
    store = Store()
    try:
        append_audit(store, cli_actor(), "screen", query, summary.lists, [])
    finally:
        store.close()
