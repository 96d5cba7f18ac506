"""The `compare` command (who sanctions whom: the matrix, gaps, lead and lag, the chart) and
the `regimes` commands (the taxonomy: its regimes, the stored labels it does not map).

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import out, reported_errors
from watchlist.compare.build import CompareError, Comparison, compare
from watchlist.compare.chart import timeline_svg
from watchlist.compare.export import rows_csv
from watchlist.compare.model import Scope
from watchlist.index.build import open_index
from watchlist.regimes.labels import unmapped_labels
from watchlist.regimes.taxonomy import default_taxonomy
from watchlist.store.store import Store

commands = typer.Typer()
regimes_app = typer.Typer(help="The regime taxonomy: common regimes and the publishers' "
                          "labels they hold.", no_args_is_help=True)
commands.add_typer(regimes_app, name="regimes")

#: Parties named per gap in the text output (all of them with --by/--not-by, or --json).
GAP_NAMES = 10


def _scope(regime: str | None, country: str | None, party: list[str] | None,
           book: bool) -> Scope:
    given = sum(bool(x) for x in (regime, country, party, book))
    if given != 1:
        raise CompareError("give one of --regime, --country, --party (repeatable) or --book")
    return Scope(regime=regime, country=country, parties=tuple(party or ()), book=book)


def _print_matrix(result: Comparison, rows: list) -> None:
    table = Table(title=f"{len(rows)} parties ({escape(result.scope.describe())})")
    table.add_column("party")
    table.add_column("profile", style="dim")
    for code in result.jurisdictions:
        table.add_column(code.upper())
    for row in rows:
        cells = []
        for code in result.jurisdictions:
            cell = row.cells[code]
            if cell.status == "not-listed":
                cells.append("[dim]-[/]")
                continue
            text = cell.listed or "?"
            if cell.basis == "first-seen":
                text += " (first seen)"
            if cell.delisted:
                text += f" delisted {cell.delisted}"
            if not cell.in_scope:
                text += f" [dim]{escape(', '.join(cell.regimes) or 'other')}[/]"
            cells.append(text)
        table.add_row(escape(row.caption), escape(row.profile_id or "-"), *cells)
    out.print(table)


def _print_gaps(result: Comparison) -> None:
    out.print("\n[bold]Gaps[/]: listed by the first, not (or no more) by the second")
    for gap in result.gaps():
        if not gap["count"]:
            continue
        names = [p["caption"] for p in gap["parties"][:GAP_NAMES]]
        more = gap["count"] - len(names)
        out.print(f"{gap['listed_by'].upper()} not {gap['not_listed_by'].upper()}: "
                  f"{gap['count']}: {escape('; '.join(names))}"
                  + (f" ... and {more} more (--by {gap['listed_by']} --not-by "
                     f"{gap['not_listed_by']} lists them)" if more > 0 else ""))


def _print_lag(result: Comparison) -> None:
    table = Table(title="Lead and lag (publishers' dates only)")
    for name in ("pair", "both", "dated", "first seen", "A first", "B first", "same day",
                 "median days", "median B after A"):
        table.add_column(name)
    for lag in result.lag():
        if not lag["both"]:
            continue
        table.add_row(f"{lag['a'].upper()} / {lag['b'].upper()}", str(lag["both"]),
                      str(lag["dated"]), str(lag["first_seen"]), str(lag["a_first"]),
                      str(lag["b_first"]), str(lag["same_day"]),
                      "-" if lag["median_days"] is None else f"{lag['median_days']:g}",
                      "-" if lag["median_b_after_a"] is None
                      else f"{lag['median_b_after_a']:g}")
    out.print(table)


@commands.command(name="compare")
def compare_command(
    regime: Annotated[str | None, typer.Option(
        "--regime", help="A common regime (see `watchlist regimes list`): belarus, russia, "
        "human-rights...")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="A country (ISO code): its programmes' parties and its nationals.")
    ] = None,
    party: Annotated[list[str] | None, typer.Option(
        "--party", help="A record or profile id (repeatable).")] = None,
    book: Annotated[bool, typer.Option(
        "--book", help="The parties of the customer book's open alerts.")] = False,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Only parties listed now by this jurisdiction (repeatable: us, uk...)")
    ] = None,
    not_by: Annotated[list[str] | None, typer.Option(
        "--not-by", help="Only parties not listed now by this jurisdiction (repeatable).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    csv_path: Annotated[str | None, typer.Option(
        "--csv", help="Write the matrix as CSV to FILE ('-' for standard output).")] = None,
    chart: Annotated[Path | None, typer.Option(
        "--chart", help="Write cumulative designations per jurisdiction as SVG to FILE.")
    ] = None,
) -> None:
    """Who sanctions whom: one row per party (profile), the date each jurisdiction listed
    it ("first seen" when the publisher gives none), the gaps between jurisdictions, who
    listed first and by how long, cumulative designations as a chart."""
    with reported_errors():
        scope = _scope(regime, country, party, book)
        taxonomy = default_taxonomy()
        store = Store()
        if not store.serving():
            raise CompareError("no list is stored yet: run `watchlist update` first")
        result = compare(store, open_index(store), scope, taxonomy, by or (), not_by or ())
        rows = result.selected if (by or not_by) else result.rows
        if chart is not None:
            names = {c: j.name for c, j in taxonomy.jurisdictions.items()}
            try:
                chart.write_text(timeline_svg(result.timeline(), names,
                                              f"Designations: {result.scope.describe()}"),
                                 encoding="utf-8")
            except OSError as exc:
                raise CompareError(f"{chart}: cannot write: {exc.strerror or exc}") from None
        if csv_path is not None:
            text = rows_csv(rows, result.jurisdictions)
            if csv_path == "-":
                sys.stdout.write(text)
                return
            try:
                Path(csv_path).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CompareError(f"{csv_path}: cannot write: {exc.strerror or exc}") from None
        if json_:
            out.print_json(json.dumps(result.to_dict(), ensure_ascii=False))
            return
        _print_matrix(result, rows)
        if not (by or not_by):
            _print_gaps(result)
            _print_lag(result)


@regimes_app.command(name="list")
def list_regimes(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
                 ) -> None:
    """The common regimes, their countries and their publishers' labels."""
    with reported_errors():
        taxonomy = default_taxonomy()
        if json_:
            out.print_json(json.dumps([r.to_dict() for r in taxonomy.regimes.values()],
                                      ensure_ascii=False))
            return
        table = Table(title=f"{len(taxonomy.regimes)} regimes")
        for name in ("regime", "kind", "countries", "labels"):
            table.add_column(name)
        for r in taxonomy.regimes.values():
            labels = "; ".join(f"{j}: {', '.join(v)}" for j, v in r.labels.items() if v)
            table.add_row(f"{r.id}\n[dim]{escape(r.name)}[/]", r.kind, " ".join(r.countries),
                          escape(labels))
        out.print(table)


@regimes_app.command(name="unmapped")
def unmapped(json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The programme labels of the stored lists (every version) that no regime of the
    taxonomy holds; none is the taxonomy covering every label. Exits 1 when some are."""
    with reported_errors():
        found = unmapped_labels(Store(), default_taxonomy())
        if json_:
            out.print_json(json.dumps([{"source": u.source, "label": u.label,
                                        "designations": u.designations} for u in found],
                                      ensure_ascii=False))
        elif not found:
            out.print("none: every programme label of the stored lists is mapped")
        else:
            table = Table(title=f"{len(found)} unmapped labels")
            for name in ("source", "label", "designations"):
                table.add_column(name)
            for u in found:
                table.add_row(u.source, escape(u.label), str(u.designations))
            out.print(table)
        if found:
            raise typer.Exit(1)
