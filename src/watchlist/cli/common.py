"""What every command shares: the two consoles (messages on standard error, results on
standard output), the one way errors are reported, the --as-of option, the bundled-data note."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from watchlist.errors import WatchlistError
from watchlist.store.labels import bundled_summary

console = Console(stderr=True, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)

AsOf = Annotated[str | None, typer.Option("--as-of", help="Lists as they stood on DATE "
                                          "(YYYY-MM-DD, by publisher date).")]


def print_bundled_note(versions: list[Any], to: Console | None = None) -> None:
    """Say loudly when bundled snapshots, not the publishers' lists, answered (check, scan)."""
    summary = bundled_summary(versions)
    if summary:
        (to or out).print(f"[bold yellow]From bundled snapshots:[/] {escape(summary)}")


@contextmanager
def reported_errors() -> Iterator[None]:
    """Report the errors a user can act on as one line and exit 2, never a traceback."""
    try:
        yield
    except (WatchlistError, FileNotFoundError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        console.print(f"[bold red]error[/] {escape(str(message))}")
        raise typer.Exit(2) from None
