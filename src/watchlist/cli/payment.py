"""The `scan-payment` command: screen the parties and scan the free text of payment messages.

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from watchlist.cli.common import console, out, print_bundled_note, reported_errors
from watchlist.errors import WatchlistError
from watchlist.screening.encoding import named_encoding
from watchlist.screening.writers import designation_text
from watchlist.store.audit import cli_actor
from watchlist.store.store import Store
from watchlist.text.payments import FORMATS, Payment, PaymentError, read_payments
from watchlist.text.payments.screen import PaymentResult, audit_payment, screen_payment

commands = typer.Typer()

#: Exit codes: bit 1 set when anything was found, bit 2 when a message could not be read.
EXIT_HITS, EXIT_ERRORS = 1, 2
LABELS = {"mt103": "MT103", "pacs008": "pacs.008"}


def _read(paths: list[Path], format_: str,
          encoding: str | None = None) -> list[Payment | PaymentError]:
    items: list[Payment | PaymentError] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            items.append(PaymentError(str(path), None, f"cannot be read ({exc.strerror or exc})"))
            continue
        items.extend(read_payments(data, str(path), format_, encoding))
    return items


def _country(party: dict[str, Any]) -> str:
    code = (party.get("country") or "").upper()
    if code and party.get("country_from") == "bic":
        return f"{code} (BIC)"
    return code or "-"


def _party_cell(party: dict[str, Any]) -> str:
    name = party.get("name") or ""
    bic = party.get("bic") or ""
    text = " / ".join(v for v in (name, bic) if v) or (f"account {party['account']}"
                                                       if party.get("account") else "-")
    if party.get("birth_date"):
        text += f", born {party['birth_date']}"
    return text


def _hits_cell(hits: list[dict[str, Any]], note: str | None) -> Text:
    if not hits:
        return Text(note or "no match", style="dim")
    cell = Text()
    for n, hit in enumerate(hits):
        if n:
            cell.append("\n")
        cell.append(f"{hit['score']:.2f} ", style="bold red")
        cell.append(hit.get("caption") or "", style="bold")
        designations = designation_text(hit.get("designations") or [])
        if designations:
            cell.append(f"\n  {designations}", style="dim")
    return cell


def _marked(text: str, mentions: list[dict[str, Any]]) -> Text:
    """The field text with each mention in bold red."""
    marked = Text()
    pos = 0
    for m in sorted(mentions, key=lambda m: m["start"]):
        if m["start"] < pos:
            continue
        marked.append(text[pos:m["start"]])
        marked.append(text[m["start"]:m["end"]], style="bold red")
        pos = m["end"]
    marked.append(text[pos:])
    return marked


def print_result(result: dict[str, Any]) -> None:
    """A screened message for the terminal: its parties with their hits, then its text."""
    message = result["message"]
    count = result["hit_count"]
    word = "hit" if count == 1 else "hits"
    style = "bold red" if count else "green"
    refs = ", ".join(message["end_to_end_ids"])
    extra = f" (transfers {refs})" if message["format"] == "pacs008" and refs else ""
    out.print(f"\n[bold]{escape(message['reference'])}[/]{escape(extra)} "
              f"{LABELS.get(message['format'], message['format'])} from "
              f"{escape(message['source'])}: "
              f"[{style}]{count} {word}[/]")
    table = Table(show_lines=True)
    for column in ("role", "field", "party", "country", "listed parties matched"):
        table.add_column(column)
    for party in result["parties"]:
        table.add_row(escape(party["role"]), escape(party["field"]),
                      escape(_party_cell(party)), _country(party),
                      _hits_cell(party["hits"], party.get("note")))
    out.print(table)
    for item in result["texts"]:
        mentions = item["mentions"]
        head = Text(f"{item['field']}", style="bold")
        if item.get("transaction") and message["format"] == "pacs008":
            head.append(f" [{item['transaction']}]", style="dim")
        head.append(":" if mentions else ": no listed name")
        out.print(head)
        for line in _marked(item["text"], mentions).split("\n"):
            out.print(Text("  ") + line)
        for m in mentions:
            line = Text(f"  -> characters {m['start']}-{m['end']} {m['text']!r}: ")
            line.append(f"{m['score']:.2f} ", style="bold red")
            line.append(m.get("caption") or "", style="bold")
            designations = designation_text(m.get("designations") or [])
            if designations:
                line.append(f"  {designations}", style="dim")
            out.print(line)


@commands.command("scan-payment")
def scan_payment(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE...", help="Payment messages: SWIFT MT103 (full messages or block 4 "
        "text; several per file, split at {1: or $) or ISO 20022 pacs.008 XML.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON: {\"messages\": [...], "
                                        "\"errors\": [...], \"hit_count\"}.")] = False,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", "-t", min=0.0, max=1.0,
        help="Lowest score reported, 0 to 1 (default: the screener's).")] = None,
    format_: Annotated[str, typer.Option(
        "--format", help="mt103, pacs008, or auto (tell by content).")] = "auto",
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="MT103 files' text encoding when it is not UTF-8, e.g. cp1252 "
        "or latin-1 (never guessed); pacs.008 XML declares its own.")] = None,
) -> None:
    """Screen payment messages: every party (ordering customer, beneficiary, banks) against
    the lists, and the free text (remittance information, instructions) for listed names.

    Exit code: 0 when every message was read and nothing was found; 1 when any party or
    text matched a listed party; 2 when a message or file could not be read (the others
    are still screened); 3 when both. Every screened message goes to the audit log.
    """
    with reported_errors():
        if format_ not in (*FORMATS, "auto"):
            raise PaymentError("--format", None, f"unknown format {format_!r}; use mt103, "
                               "pacs008 or auto")
        if encoding:
            try:
                encoding = named_encoding(encoding)
            except ValueError as exc:
                raise WatchlistError(str(exc)) from None
        items = _read(files, format_, encoding)
        payments = [i for i in items if isinstance(i, Payment)]
        errors = [i for i in items if isinstance(i, PaymentError)]
        results: list[PaymentResult] = []
        if payments:
            results = _screen_all(payments, threshold)
        total = sum(r.hit_count for r in results)
        if json_:
            typer.echo(json.dumps({"messages": [r.to_dict() for r in results],
                                   "errors": [e.to_dict() for e in errors],
                                   "hit_count": total}, indent=2, ensure_ascii=False))
        else:
            if results:
                print_bundled_note(results[0].versions)
            for result in results:
                print_result(result.to_dict())
            for error in errors:
                console.print(f"[bold red]error[/] {escape(str(error))}")
            flagged = sum(1 for r in results if r.hit_count)
            console.print(f"\nScreened {len(results)} "
                          f"{'message' if len(results) == 1 else 'messages'}: "
                          f"{'[bold red]' if flagged else ''}{flagged} with hits "
                          f"({total} in all){'[/]' if flagged else ''}; "
                          f"{len(errors)} could not be read.")
        code = (EXIT_HITS if total else 0) | (EXIT_ERRORS if errors else 0)
        if code:
            raise typer.Exit(code)


def _screen_all(payments: list[Payment], threshold: float | None) -> list[PaymentResult]:
    from watchlist.screener import Screener
    from watchlist.text import Scanner

    store = Store()
    if not store.serving():
        raise WatchlistError("no list is serving, so nothing can be screened; run "
                             "`watchlist update` first")
    actor = cli_actor()
    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                        console=console, transient=True)
    results = []
    with progress:
        opening = progress.add_task("opening the lists", total=None)
        screener = Screener.open(store, threshold=threshold)
        scanner = Scanner(screener.index, threshold=threshold, store=store)
        progress.remove_task(opening)
        task = progress.add_task("screening messages", total=len(payments))
        for payment in payments:
            result = screen_payment(screener, scanner, payment, threshold)
            audit_payment(store, actor, result)
            results.append(result)
            progress.advance(task)
    return results
