"""The `diff`, `portfolio` and `monitor` commands: ongoing monitoring (its alerts are
`watchlist.cli.alerts`').

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors
from watchlist.errors import WatchlistError
from watchlist.monitor import portfolio as book
from watchlist.screening.readers import parse_mapping
from watchlist.store.audit import cli_actor
from watchlist.store.labels import bundled_notice
from watchlist.store.store import Store

commands = typer.Typer()

portfolio_app = typer.Typer(help="The customer book monitored: import, list, remove.",
                            no_args_is_help=True)
commands.add_typer(portfolio_app, name="portfolio")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _values(values: list[str], limit: int = 4) -> str:
    shown = "; ".join(values[:limit])
    return shown + (f" (+{len(values) - limit} more)" if len(values) > limit else "")


# -- diff ---------------------------------------------------------------------------------


@commands.command()
def diff(
    source: Annotated[str | None, typer.Argument(
        help="The source id (default: every source with two versions or more).")] = None,
    from_: Annotated[str | None, typer.Option(
        "--from", help="The older version: its number, or a date (YYYY-MM-DD: the version "
        "serving then). Default: the version before --to.")] = None,
    to: Annotated[str | None, typer.Option(
        "--to", help="The newer version: number or date. Default: the current one.")] = None,
    limit: Annotated[int, typer.Option(
        "--limit", "-n", min=0, help="Targets listed per kind of change (all with --json).")
    ] = 20,
    json_: Json = False,
) -> None:
    """What changed between two versions of a list: targets added, removed, and changed,
    field by field (a new alias, a new regime, a corrected birth date).

    Also the records of the list that joined or left a profile (with the evidence of the
    link) and the profiles merged or split, at the index builds between the two versions.

    --json prints {"source", "from", "to", "added", "removed", "changed": [{"entity_id",
    "fields": {FIELD: {"added", "removed"}}}]} and, when a profile changed, "profiles":
    [{"change", "profile_id", "other_id", "record_id", "source", "at", "evidence"}] (a list
    of them without SOURCE)."""
    from watchlist.monitor.diff import default_pair, diff_versions

    with reported_errors():
        store = Store()
        if source is None:
            if from_ or to:
                raise WatchlistError("--from and --to need a SOURCE")
            counts: dict[str, int] = {}
            for v in store.versions():
                counts[v.source] = counts.get(v.source, 0) + 1
            sources = [s for s, n in sorted(counts.items()) if n > 1]
            if not sources:
                raise WatchlistError("no source has two versions yet: nothing to compare")
        else:
            sources = [source]
        results = []
        for name in sources:
            with console.status(f"comparing versions of {name}"):
                old, new = default_pair(store, name, from_, to)
                results.append(diff_versions(store, old, new))
        if json_:
            data = [r.to_dict() for r in results]
            _echo_json(data[0] if source is not None else data)
            return
        for result in results:
            _print_diff(result, limit)


def _print_diff(result: Any, limit: int) -> None:
    from watchlist.monitor.diff import substantive_first, whole_field_notes

    old, new = result.old, result.new
    old_note, new_note = (f"; {bundled_notice(v)}" if bundled_notice(v) else "" for v in (old, new))
    out.print(f"[bold]{escape(result.source)}[/]: version {old.version} "
              f"({old.published or 'no date'}{old_note}, {old.targets:,} targets) -> version "
              f"{new.version} ({new.published or 'no date'}{new_note}, {new.targets:,} targets): "
              f"[green]{len(result.added):,} added[/], [red]{len(result.removed):,} "
              f"removed[/], [yellow]{len(result.changed):,} changed[/]")
    for label, rows in (("added", result.added), ("removed", result.removed)):
        if rows and limit:
            table = Table(title=f"{label} ({len(rows):,})", title_justify="left")
            table.add_column("entity id", style="dim")
            table.add_column("kind")
            table.add_column("name")
            for row in rows[:limit]:
                table.add_row(escape(row["entity_id"]), row["schema"],
                              escape(row["caption"] or ""))
            out.print(table)
    for note in whole_field_notes(result):
        out.print(f"[bold yellow]Note[/]: {escape(note)}")
    if result.changed and limit:
        _print_field_tally(result)
        table = Table(title=f"changed ({len(result.changed):,})", title_justify="left")
        table.add_column("entity id", style="dim")
        table.add_column("name")
        table.add_column("field")
        table.add_column("added", style="green")
        table.add_column("removed", style="red")
        for row in substantive_first(result)[:limit]:
            lines = [(escape(name), escape(_values(change["added"])),
                      escape(_values(change["removed"])))
                     for name, change in row["fields"].items()
                     if not _whole(result, name)]
            for mark, version in (("gone", result.new), ("new", result.old)):
                names = [n for n in row["fields"] if _whole(result, n) == mark]
                if names:
                    listed = escape(_values(names, 12))
                    lines.append((f"[dim]not in version {version.version}[/]",
                                  listed if mark == "new" else "",
                                  listed if mark == "gone" else ""))
            for i, (name, added, removed) in enumerate(lines):
                table.add_row(escape(row["entity_id"]) if i == 0 else "",
                              escape(row["caption"] or "") if i == 0 else "", name, added,
                              removed)
        out.print(table)
    if result.profiles and limit:
        _print_profile_changes(result.profiles, limit)
    shown = max(len(result.added), len(result.removed), len(result.changed),
                len(result.profiles))
    if shown > limit:
        out.print(f"[dim](at most {limit} per kind shown; --limit N or --json for all)[/]")


def _print_profile_changes(rows: list[dict[str, Any]], limit: int) -> None:
    """Records that joined or left a profile, with the evidence of their links, and the
    profiles merged or split."""
    table = Table(title=f"profiles ({len(rows):,} changes)", title_justify="left")
    table.add_column("change")
    table.add_column("record", style="dim")
    table.add_column("profile")
    table.add_column("evidence")
    for row in rows[:limit]:
        if row["change"] == "joined":
            profile = row["profile_id"]
        elif row["change"] == "left":
            profile = f"{row['profile_id']} (now in {row['other_id']})"
        elif row["change"] == "merged":
            profile = f"{row['profile_id']} into {row['other_id']}"
        else:
            profile = f"{row['other_id']} split from {row['profile_id']}"
        evidence = "; ".join(
            f"{link['rule']} with {link['b'] if link['a'] == row['record_id'] else link['a']}"
            f" (name {link.get('name_score') or 0:.2f})" for link in row["evidence"])
        table.add_row(row["change"], escape(row["record_id"] or ""), escape(profile),
                      escape(evidence))
    out.print(table)


def _whole(result: Any, name: str) -> str | None:
    """"gone" or "new" when a field is missing from the whole of one version of a diff."""
    entry = result.fields.get(name)
    return entry.whole if entry is not None else None


def _print_field_tally(result: Any) -> None:
    """The changes by field: how many changed targets gained or lost values of each, and
    which fields are missing from a whole version."""
    tally = result.fields
    if not tally:
        return
    table = Table(title="changes by field (targets gaining / losing values)",
                  title_justify="left")
    table.add_column("field")
    table.add_column("gaining", justify="right", style="green")
    table.add_column("losing", justify="right", style="red")
    table.add_column("")
    notes = {"gone": f"on no target of version {result.new.version}",
             "new": f"on no target of version {result.old.version}"}
    for name, entry in tally.items():
        table.add_row(escape(name), f"{entry.gained:,}", f"{entry.lost:,}",
                      notes.get(entry.whole or "", ""))
    out.print(table)


# -- portfolio ------------------------------------------------------------------------------


@portfolio_app.command("import")
def portfolio_import(
    file: Annotated[Path, typer.Argument(
        help="CSV, JSON lines or Parquet (gzip too) with `id` and `name` columns and "
        "optional schema, birth_date, country, identifier.")],
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="Read column COL as FIELD, e.g. --map customer_no=id "
        "--map full_name=name.", metavar="COL=FIELD")] = None,
    format_: Annotated[str | None, typer.Option(
        "--format", help="csv, jsonl or parquet, when it cannot be told.")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the valid rows even if some are not (they are "
        "listed); by default one bad row stops the import.")] = False,
    encoding: Annotated[str | None, typer.Option(
        "--encoding", help="The file's text encoding when it is not UTF-8, e.g. cp1252 or "
        "latin-1; never guessed: a file that is not UTF-8 is refused.")] = None,
    json_: Json = False,
) -> None:
    """Import the customer book, or update it: rows are matched by `id`; a changed row
    becomes a new version (the old one kept as history); customers not in the file stay."""
    with reported_errors():
        store = Store()
        with console.status(f"importing {file}"):
            summary = book.import_book(store, file, parse_mapping(mapping), format_,
                                       skip_invalid, encoding=encoding)
        if json_:
            _echo_json(summary.to_dict())
        for bad in summary.invalid[:20]:
            console.print(f"[bold red]{escape(str(file))}[/] row {bad['row']} (id "
                          f"{escape(str(bad['id']))}): {escape(bad['error'])}")
        if len(summary.invalid) > 20:
            console.print(f"... and {len(summary.invalid) - 20} more invalid rows")
        if not summary.imported:
            console.print(f"[bold red]nothing imported[/]: {len(summary.invalid)} of "
                          f"{summary.rows} rows are invalid (fix them, or --skip-invalid)")
            raise typer.Exit(2)
        if not json_:
            out.print(f"{summary.rows:,} rows: {summary.added:,} customers added, "
                      f"{summary.updated:,} updated, {summary.restored:,} restored, "
                      f"{summary.unchanged:,} unchanged"
                      + (f", {len(summary.invalid):,} invalid rows skipped"
                         if summary.invalid else "") + ".")


@portfolio_app.command("list")
def portfolio_list(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    removed: Annotated[bool, typer.Option("--removed", help="Include removed customers.")]
    = False,
    json_: Json = False,
) -> None:
    """The customers in the book, by id."""
    with reported_errors():
        customers, total = book.list_customers(Store(), removed, limit, offset)
        if json_:
            _echo_json({"total": total, "offset": offset,
                        "customers": [c.to_dict() for c in customers]})
            return
        table = Table(title=f"{total:,} customers", title_justify="left")
        for column in ("id", "name", "kind", "born", "country", "identifier", "version",
                       "last screened"):
            table.add_column(column)
        for c in customers:
            d = c.data
            name = d.get("name")
            table.add_row(escape(c.id), escape(" / ".join(name) if isinstance(name, list)
                                               else str(name)),
                          d.get("schema") or "", escape(str(d.get("birth_date") or "")),
                          d.get("country") or "", escape(d.get("identifier") or ""),
                          str(c.version) + (" (removed)" if c.removed_at else ""),
                          c.screened_at or "never")
        out.print(table)


@portfolio_app.command("show")
def portfolio_show(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer's id.")],
    json_: Json = False,
) -> None:
    """One customer and its history: every version of its record, when it held, and what
    each import changed."""
    from watchlist.monitor.portfolio import customer_changes

    with reported_errors():
        store = Store()
        customer = book.get_customer(store, customer_id)
        versions = book.history(store, customer_id)
        if json_:
            _echo_json({**customer.to_dict(), "history": versions})
            return
        out.print(f"customer [bold]{escape(customer.id)}[/], version {customer.version}"
                  + (f", removed {customer.removed_at}" if customer.removed_at else "")
                  + f", last screened {customer.screened_at or 'never'}")
        table = Table(title="history", title_justify="left")
        for column in ("version", "change", "from", "to", "record (what changed)"):
            table.add_column(column)
        before: dict[str, Any] | None = None
        for v in versions:
            data = v["data"]
            if data is None:
                what = ""
            elif before is None:
                what = ", ".join(f"{k} {val}" for k, val in data.items() if val)
            else:
                what = ", ".join(f"{k}: {c['before']} -> {c['after']}"
                                 for k, c in customer_changes(before, data).items())
            table.add_row(str(v["version"]), v["change"], v["valid_from"] or "",
                          v["valid_to"] or "", escape(what))
            before = data if data is not None else before
        out.print(table)


@portfolio_app.command("remove")
def portfolio_remove(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer's id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on its closed "
                                        "alerts).")] = "removed from the book",
    user: Annotated[str | None, typer.Option("--user", help="Who (default: the login).")]
    = None,
) -> None:
    """Remove a customer from the book (its history is kept); its open alerts are closed."""
    with reported_errors():
        closed = book.remove_customer(Store(), customer_id, user or cli_actor(), reason)
        out.print(f"customer {escape(customer_id)} removed"
                  + (f"; {closed} open alerts closed" if closed else "") + ".")


# -- monitor ------------------------------------------------------------------------------


@commands.command()
def monitor(
    full: Annotated[bool, typer.Option(
        "--full", help="Screen every customer against everything, not only the changes.")]
    = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Run even if another run seems to be going on (it died).")] = False,
    json_: Json = False,
) -> None:
    """Screen the customer book: new or changed customers against every list, the others
    only against list entries added or changed since their last screening. Raises only
    new alerts (see `watchlist alerts list`); prints the work saved against a full
    re-screen."""
    from watchlist.monitor.run import run_monitor
    from watchlist.screener import Screener

    with reported_errors():
        store = Store()
        with console.status("opening the screening index"):
            screener = Screener.open(store)
        progress = Progress(SpinnerColumn(), TextColumn("monitoring"), BarColumn(bar_width=30),
                            MofNCompleteColumn(), TextColumn("customers"), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), console=console,
                            transient=True)
        task = progress.add_task("monitoring", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with progress:
            stats = run_monitor(store, screener, full=full, actor=cli_actor(), force=force,
                                progress=advance)
        if json_:
            _echo_json(stats.to_dict())
            return
        _print_run(stats)


def _print_run(stats: Any) -> None:
    changes = (f"{stats.targets_added:,} added and {stats.targets_changed:,} changed list "
               "entries")
    why = "new, changed, or --full" if stats.mode == "full" else "new or changed"
    out.print(
        f"Run {stats.run_id}: {stats.customers:,} customers in {stats.seconds:.1f} s; "
        f"{stats.full:,} screened in full ({why}), "
        f"{stats.delta:,} only against the {changes} since their last screening.")
    if stats.customers:
        out.print(
            f"Work: {stats.searches:,} searches of the full index and "
            f"{stats.pairs_full + stats.pairs_delta:,} pairs scored; a full re-screen makes "
            f"{stats.customers:,} searches: this run made [bold]{stats.work_share:.1%}[/] of "
            "them.")
    out.print(
        f"Alerts: [bold]{stats.new_alerts:,} new[/], {stats.reopened:,} reopened, "
        f"{stats.suppressed:,} suppressed (false positives, nothing changed), "
        f"{stats.refreshed:,} already open, {stats.delisted:,} delisted"
        + (f"; [bold red]{stats.errors:,} customers could not be screened[/]"
           if stats.errors else "") + ".")
    if stats.new_alerts:
        out.print("See them with: watchlist alerts list --status open")
    if stats.targets_added or stats.targets_changed or stats.targets_removed:
        out.print("What the lists changed, field by field: watchlist diff")
