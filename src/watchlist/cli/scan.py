"""The `scan` command: every mention of a listed party in texts (plain, HTML or PDF).

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from watchlist.cli.common import console, out, print_bundled_note, reported_errors
from watchlist.errors import WatchlistError
from watchlist.store.audit import append_audit_many, cli_actor
from watchlist.store.labels import version_ref
from watchlist.store.store import Store
from watchlist.text.audit_entry import audit_items

commands = typer.Typer()

__all__ = ["scan"]


@commands.command()
def scan(
    files: Annotated[list[str], typer.Argument(
        metavar="FILE...", help="Texts to scan: plain text, HTML or PDF (told by content); "
        "'-' reads standard input.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON: {\"mentions\": [{\"start\", "
                                        "\"end\", \"text\", \"entity_id\", \"caption\", "
                                        "\"score\", \"designations\", \"evidence\"}]}.")]
    = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write an HTML page with the mentions highlighted (designations "
        "on hover).", metavar="OUT")] = None,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", "-t", min=0.0, max=1.0,
        help="Lowest score of a full name (default: the screener's, 0.80).")] = None,
    min_score: Annotated[float, typer.Option(
        "--min-score", min=0.0, max=1.0,
        help="Leave out mentions scoring lower (a surname alone scores 0.5-0.7).")] = 0.0,
    format_: Annotated[str | None, typer.Option(
        "--format", help="Read every input as: text, html or pdf.")] = None,
) -> None:
    """Find every mention of a listed party in texts: news, reports, payment instructions.

    Offsets (start, end) are character positions in the text as read: the decoded text,
    or the visible text of an HTML page or the text of a PDF. Each scan is written to the
    audit log.
    """
    from watchlist.text.extract import read_document
    from watchlist.text.render import html_document, terminal_view
    from watchlist.text.scanner import Scanner

    with reported_errors():
        if format_ is not None and format_ not in ("text", "html", "pdf"):
            raise WatchlistError(f"--format: {format_!r} is not text, html or pdf")
        if files.count("-") > 1:
            raise WatchlistError("standard input ('-') can be read only once")
        documents = [read_document(f, format_) for f in files]
        store = Store()
        if not store.serving():
            raise WatchlistError("no list is stored yet: run `watchlist update` first")
        with console.status("loading the lists (the first time builds the name index)"):
            scanner = Scanner.open(store, threshold=threshold)
        versions = scanner.versions
        results = []
        for doc in documents:
            mentions = [m for m in scanner.scan(doc.text) if m.score >= min_score]
            results.append((doc, mentions))
        append_audit_many(store, [audit_items(cli_actor(), d.name, d.format, d.text, ms,
                                              versions) for d, ms in results])
        refs = [version_ref(v) for v in versions]
        if json_:
            for doc, mentions in results:
                body = {"file": doc.name, "format": doc.format,
                        "mentions": [m.to_dict() for m in mentions], "versions": refs}
                typer.echo(json.dumps(body, ensure_ascii=False,
                                      indent=2 if len(results) == 1 else None))
        else:
            print_bundled_note(refs)
            for doc, mentions in results:
                title = doc.name if len(results) > 1 or doc.name != "<stdin>" else None
                out.print(terminal_view(doc.text, mentions, title))
        if html is not None:
            page = html_document([(d.name, d.text, ms) for d, ms in results])
            try:
                html.write_text(page, encoding="utf-8")
            except OSError as exc:
                raise WatchlistError(f"{html}: cannot write ({exc.strerror})") from None
            console.print(f"HTML view written to {escape(str(html))}")
