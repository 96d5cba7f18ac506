"""The `report` commands: evidence reports as PDF or CSV files (a screening certificate,
an alert's case file, a list's changes), each export written to the audit log.

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from watchlist.cli.common import console, reported_errors
from watchlist.reports.document import Document, report_format
from watchlist.reports.render import render
from watchlist.store.audit import cli_actor
from watchlist.store.store import Store

commands = typer.Typer()
group = typer.Typer(help="Evidence reports as PDF or CSV: a screening certificate, an "
                         "alert's case file, a list's changes.", no_args_is_help=True)
commands.add_typer(group, name="report")

Output = Annotated[Path, typer.Option("-o", "--output", help="The file to write: .pdf or "
                                      ".csv (the format, unless --format says).")]
Format = Annotated[str | None, typer.Option("--format", help="pdf or csv (default: the "
                                            "output's suffix, else pdf).")]


def _write(document: Document, output: Path, fmt: str) -> None:
    data = render(document, fmt)
    output.write_bytes(data)
    console.print(f"Wrote {document.title} to {output} ({fmt.upper()}, {len(data):,} bytes; "
                  f"audit entry {document.audit_seq}).")


@group.command("check")
def check(
    name: Annotated[list[str], typer.Argument(help="The name to screen (several: one "
                                              "party's names).")],
    output: Output,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth: YYYY-MM-DD, "
                                            "YYYY-MM or YYYY.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Country: code or "
                                                "name.")] = None,
    schema: Annotated[str | None, typer.Option("--schema", help="Kind of party: Person, "
                                               "Organization, ...")] = None,
    identifier: Annotated[str | None, typer.Option("--id", help="An identifier.")] = None,
    threshold: Annotated[float | None, typer.Option(
        "--threshold", "-t", min=0.0, max=1.0, help="Lowest score reported (default: the "
        "screener's alert threshold).")] = None,
    format_: Format = None,
) -> None:
    """Screen one name now and write its certificate: the query, time, user, every list
    version (publisher date, SHA-256), the result ("no match" too) and its audit entry."""
    with reported_errors():
        from watchlist.reports.certificate import certificate_query, screening_certificate
        from watchlist.screener import Screener

        fmt = report_format(format_, output.name)
        query = certificate_query(name, dob, country, schema, identifier)
        store = Store()
        screener = Screener.open(store)
        document = screening_certificate(store, screener, query, cli_actor(), "cli", fmt,
                                         threshold)
        _write(document, output, fmt)


@group.command("alert")
def alert(
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert's id.")],
    output: Output,
    format_: Format = None,
) -> None:
    """Write an alert's case file: the customer beside the listed party, why they matched,
    the designations, every decision and approval, the list versions."""
    with reported_errors():
        from watchlist.reports.case_file import alert_case_file

        fmt = report_format(format_, output.name)
        document = alert_case_file(Store(), alert_id, cli_actor(), "cli", fmt)
        _write(document, output, fmt)


@group.command("changes")
def changes(
    source: Annotated[str, typer.Argument(help="The source id, e.g. us_ofac_sdn.")],
    output: Output,
    from_: Annotated[str | None, typer.Option("--from", help="The older version: number "
                                              "or date (default: the one before --to).")
                     ] = None,
    to: Annotated[str | None, typer.Option("--to", help="The newer version: number or date "
                                           "(default: the current one).")] = None,
    format_: Format = None,
) -> None:
    """Write a list's changes between two versions: parties added and removed (with regime
    and listing date) and changed, field by field."""
    with reported_errors():
        from watchlist.reports.changes import list_changes

        fmt = report_format(format_, output.name)
        document = list_changes(Store(), source, cli_actor(), "cli", fmt, from_, to)
        _write(document, output, fmt)
