"""The list commands: `update` (download or import the lists), `status`, `show` (one listed
party's profile) and `export`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from followthemoney.types import registry
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from watchlist.cli.common import AsOf, console, out, reported_errors
from watchlist.cli.progress import AmountColumn, ConsoleReporter
from watchlist.config import shrink_limit
from watchlist.errors import WatchlistError
from watchlist.index.build import open_index, updating_lists
from watchlist.profiles.view import entity_text, load_whole_profile, readable_properties
from watchlist.screening.csv_safety import safe_cell
from watchlist.sources.bundle import bundled_for
from watchlist.sources.registry import SOURCES
from watchlist.sources.snapshot import date_origin
from watchlist.store.audit import cli_actor
from watchlist.store.labels import bundled_notice, version_label
from watchlist.store.shrink import Hold
from watchlist.store.store import Store, Version, now_iso
from watchlist.updates.pipeline import (
    Report,
    accept_held,
    index_after_update,
    offline_advice,
    update_from_bundle,
    update_from_paths,
    update_from_url,
    update_sources,
)

commands = typer.Typer()


@commands.command()
def update(
    sources: Annotated[list[str] | None, typer.Argument(help="Source ids (default: all).")] = None,
    from_: Annotated[list[str] | None, typer.Option(
        "--from", help="Import a file, a directory (walked recursively) or a URL instead "
        "of downloading from the publishers.")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", help="With --from: store under this source id (for your own lists; "
        "a FollowTheMoney file is otherwise named after its dataset or its file).")] = None,
    bundled: Annotated[bool, typer.Option(
        "--bundled", help="Import the dated snapshots bundled with watchlist (for a machine "
        "without network; not the publishers' current lists).")] = False,
    no_index: Annotated[bool, typer.Option(
        "--no-index", help="Leave the screening index to the first screening (for scripts "
        "importing many files one command at a time).")] = False,
    accept_shrink: Annotated[bool, typer.Option(
        "--accept-shrink", help="Make the versions the shrink guard holds current (of the "
        "sources named, or all). Alone it downloads nothing; with --from or --bundled it "
        "imports first, then accepts.")] = False,
    daemon: Annotated[bool, typer.Option(
        "--daemon", help="Keep running: check the lists (those named, or the ones the store "
        "serves) at --every, one updater at a time across every process sharing the store "
        "(for deployments that update apart from serving).")] = False,
    every: Annotated[str, typer.Option(
        "--every", help="With --daemon: how often (6h, 30m), or `publisher` for each "
        "publisher's cadence.")] = "publisher",
) -> None:
    """Download the lists (or import files), make each new version current, and build the
    screening index of the lists now serving.

    A list whose publisher cannot be reached, and of which the store holds nothing, is
    imported from the snapshots bundled with watchlist, marked as such everywhere. A new
    version removing more than the shrink limit of a list's targets (20%; set
    WATCHLIST_SHRINK_LIMIT, or WATCHLIST_SHRINK_LIMIT_<SOURCE>, as a percentage) is stored
    but held (exit status 3): the version serving stays current until --accept-shrink.
    """
    with reported_errors():
        for name in sources or []:
            if name not in SOURCES:
                raise KeyError(f"unknown source {name!r}; known: {', '.join(SOURCES)}")
        if daemon:
            if from_ or bundled or accept_shrink:
                raise WatchlistError("--daemon downloads from the publishers: it cannot be "
                                     "used with --from, --bundled or --accept-shrink")
            from watchlist.cli.daemon import run_daemon

            run_daemon(every, sources or None)
            return
        if bundled and from_:
            raise WatchlistError("--bundled and --from cannot be used together")
        for name in sources or SOURCES:
            shrink_limit(name)  # a bad setting is refused before anything is downloaded
        store = Store()
        progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                            AmountColumn(), TimeElapsedColumn(), console=console,
                            transient=True)
        reporter = ConsoleReporter(progress)
        reports: list[Report] = []
        started_at = now_iso()
        with updating_lists(), progress:
            if from_:
                paths = [p for p in from_ if "://" not in p]
                urls = [p for p in from_ if "://" in p]
                if paths:
                    reports.append(update_from_paths(store, [Path(p) for p in paths], source,
                                                     reporter))
                for url in urls:
                    reports.append(update_from_url(store, url, source, reporter))
            elif bundled:
                reports.append(update_from_bundle(store, sources or None, reporter))
            elif not accept_shrink:
                reports.append(update_sources(store, sources or None, reporter, fallback=True))
            accepted = Report()
            if accept_shrink:
                chosen = sources or ([source] if source and from_ else None)
                accepted = accept_held(store, chosen, cli_actor(), reporter)
                reports.append(accepted)
            if not no_index:
                index_after_update(store, reports, reporter)
        try:  # the sources page shows it beside the service's updates
            from watchlist.updates.jobs import record_run

            record_run(store, cli_actor(), sources or None, reports, started_at)
        except SQLAlchemyError as exc:
            console.print(f"[yellow]warning:[/] this update's outcome was not recorded: {exc}")
        skipped = [s for r in reports for s in r.skipped]
        if skipped:
            console.print(f"{len(skipped)} files were not lists and were skipped:")
            for line in skipped:
                console.print(f"  [dim]{escape(line)}[/]")
        failures = [f for r in reports for f in r.failures]
        imported = sum(1 for r in reports if r is not accepted for o in r.outcomes
                       if o.status in ("imported", "held", "history"))
        if from_ or bundled or not accept_shrink:
            console.print(f"{imported} new versions stored; {len(failures)} failures.")
        if accept_shrink:
            console.print(f"{len(accepted.outcomes)} held versions accepted.")
        held_now = {(h.source, h.version) for r in reports for h in r.held}
        for hold in store.held():
            if (hold.source, hold.version) not in held_now:
                console.print(f"[bold yellow]still held[/] {escape(hold.message)}")
        for report in reports:
            for line in offline_advice(report, store):
                console.print(escape(line), style="bold yellow" if line[0] != " " else None)
        if failures:
            raise typer.Exit(1)
        if any(store.held([s]) for s, _ in held_now):
            raise typer.Exit(3)


def _status_rows(versions: list[Version], held: dict[str, Hold]) -> list[dict[str, Any]]:
    """Status rows; a serving version's row names the version the shrink guard holds
    beside it (`held`), a held version's row says when it was held (`held_at`)."""
    return [
        {
            "source": v.source,
            "version": v.version,
            "published": v.published,
            "published_from": v.published_from,
            "fetched_at": v.fetched_at,
            "targets": v.targets,
            "names": v.names,
            "sha256": v.sha256,
            "format": v.format,
            "current": v.current,
            "warnings": v.warnings,
            "bundled": v.bundled,
            "notice": bundled_notice(v),
            "held_at": v.held_at,
            "held": held[v.source].to_dict() if v.current and v.source in held else None,
        }
        for v in versions
    ]


EMPTY_STORE = """The store is empty. To fill it:
  watchlist update                  download every list from its publisher
  watchlist update --from DIR       import list files downloaded elsewhere (or a URL)
  WATCHLIST_URL_<SOURCE>=URL        point a list at a mirror, then `watchlist update`
  watchlist update --bundled        without network: the dated snapshots bundled with
                                    watchlist (not the publishers' current lists)"""


def _unbundled_note(serving: list[Version]) -> str | None:
    """Which publishers' lists serve nothing while bundled snapshots serve the others."""
    held = {v.source for v in serving}
    if not any(v.bundled for v in serving):
        return None
    missing = []
    for source_id, info in SOURCES.items():
        if not info.downloads or source_id in held:
            continue
        entry = bundled_for(source_id)
        if entry is None:
            missing.append(f"{source_id} (watchlist bundles no snapshot of it)")
        elif entry.source not in held:
            missing.append(source_id)
    if not missing:
        return None
    return "Not served: " + ", ".join(missing) + "; run `watchlist update` where the " \
        "publishers can be reached."


@commands.command()
def status(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_of: AsOf = None,
    all_versions: Annotated[bool, typer.Option("--versions", help="Every stored version.")] = False,
    warnings: Annotated[str | None, typer.Option(
        "--warnings", help="Print the import warnings of SOURCE's serving version.")] = None,
) -> None:
    """What each list's serving version is: publisher date, counts, checksum."""
    with reported_errors():
        store = Store()
        if warnings:
            version = next((v for v in store.serving(as_of) if v.source == warnings), None)
            if version is None:
                raise KeyError(f"no version of {warnings!r} is stored")
            for line in store.warnings(version.id):
                out.print(escape(line))
            return
        versions = store.versions() if all_versions else store.serving(as_of)
        held = {} if as_of else {h.source: h for h in store.held()}
        rows = _status_rows(versions, held)
        if json_:
            out.print(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        if not rows:
            console.print(escape(EMPTY_STORE))
            return
        table = Table(title="watchlist sources" + (f" as of {as_of}" if as_of else ""))
        for col in ("source", "version", "published", "date from", "fetched at", "targets",
                    "names", "sha256"):
            numeric = col in ("version", "targets", "names")
            table.add_column(col, justify="right" if numeric else "left")
        for row in rows:
            label = str(row["version"]) + ("" if row["current"] or not all_versions else
                                           " (held)" if row["held_at"] else " (old)")
            if row["bundled"]:
                label += " (bundled)"
            table.add_row(row["source"], label, row["published"] or "unknown",
                          date_origin(row["published_from"]), row["fetched_at"],
                          f"{row['targets']:,}", f"{row['names']:,}", row["sha256"][:16])
        out.print(table)
        for version in versions:
            if version.bundled:
                out.print(f"[bold yellow]{escape(version_label(version))}[/]")
        for hold in held.values():
            out.print(f"[bold yellow]held:[/] {escape(hold.message)}")
        note = None if as_of or all_versions else _unbundled_note(versions)
        if note:
            out.print(escape(note))


@commands.command()
def show(
    entity_id: Annotated[str, typer.Argument(help="A record id (see export or check) or a "
                                             "profile id.")],
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_of: AsOf = None,
) -> None:
    """The whole profile of a listed party: every list record linked to it, with its names,
    facts and designations, and the evidence of each link."""
    with reported_errors():
        store = Store()
        index = open_index(store) if store.serving() else None
        whole = load_whole_profile(store, index, entity_id, as_of)
        if json_:
            out.print(json.dumps(whole.to_dict(store, as_of), indent=2, ensure_ascii=False))
            return
        profile = whole.asked
        entity = profile.entity
        out.print(f"[bold]{escape(entity.caption)}[/] ({entity.schema.label}) "
                  f"[dim]{escape(entity.id or '')}[/]")
        if whole.profile_id and len(whole.records) > 1:
            out.print(f"profile {whole.profile_id}: {len(whole.records)} records on "
                      f"{', '.join(whole.sources)}")
        for record in [profile] + [p for p in whole.records if p is not profile]:
            _show_record(store, record, as_of, record is not profile)
        for link in whole.links:
            evidence = ", ".join(f"{k}: {v}" for k, v in link.items()
                                 if k not in ("a", "b", "sources", "rule", "profile_id"))
            out.print(f"[bold]Link[/] {escape(str(link.get('a')))} = "
                      f"{escape(str(link.get('b')))} by {escape(str(link.get('rule')))}"
                      + (f" ({escape(evidence)})" if evidence else ""))


def _show_record(store: Store, profile: Any, as_of: str | None, heading: bool) -> None:
    entity = profile.entity
    if heading:
        out.print(f"\n[bold]Linked record[/] {escape(entity.caption)} ({entity.schema.label}) "
                  f"[dim]{escape(entity.id or '')}[/]")
    notice = bundled_notice(profile.version)
    out.print(f"source {profile.version.source}, version {profile.version.version}, "
              f"published {profile.version.published or '-'}"
              + (f" [bold yellow]({escape(notice)})[/]" if notice else ""))
    table = Table(show_header=False, box=None)
    rows: dict[str, list[str]] = {}  # one row per label: an address given as text and as entity
    for prop, values in sorted(readable_properties(store, entity, as_of).items()):
        if prop == "topics":
            continue
        row = rows.setdefault(entity.schema.properties[prop].label, [])
        row.extend(v for v in values if v not in row)
    for label, values in rows.items():
        table.add_row(f"[bold]{escape(label)}[/]", escape("; ".join(values)))
    out.print(table)
    for sanction in profile.sanctions:
        props = sanction.to_dict()["properties"]
        out.print("[bold]Designation[/] " + escape(
            ", ".join(f"{k}: {'; '.join(v)}" for k, v in sorted(props.items())
                      if k not in ("entity",))))
    for other in profile.details:
        if other.schema.is_a("Address"):
            out.print("[bold]Address[/] " + escape(entity_text(other)))
            continue
        props = other.to_dict()["properties"]
        out.print(f"[bold]{other.schema.label}[/] " + escape(
            ", ".join(f"{k}: {'; '.join(v)}" for k, v in sorted(props.items())
                      if k not in ("holder", "entity"))))


CSV_COLUMNS = ["id", "schema", "source", "name", "aliases", "weak_aliases", "birth_dates",
               "countries", "identifiers", "programs", "listed", "authority_ids"]


@commands.command()
def export(
    source: Annotated[list[str] | None,
                      typer.Option("--source", help="Only these sources.")] = None,
    format_: Annotated[str, typer.Option("--format", help="ftm (JSON lines) or csv.")] = "ftm",
    output: Annotated[Path | None,
                      typer.Option("-o", "--output", help="File (default stdout).")] = None,
    as_of: AsOf = None,
) -> None:
    """Write the serving lists as FollowTheMoney JSON lines or a flat CSV of targets (a text
    cell a spreadsheet would run as a formula gets a `'` before it)."""
    with reported_errors():
        if format_ not in ("ftm", "csv"):
            raise KeyError(f"unknown format {format_!r}; use ftm or csv")
        store = Store()
        versions = store.serving(as_of, source or None)
        if source:
            missing = set(source) - {v.source for v in versions}
            if missing:
                raise KeyError(f"no stored version of {', '.join(sorted(missing))}")
        handle = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if format_ == "ftm":
                for entity in store.iter_entities(versions):
                    handle.write(json.dumps(entity.to_dict(), ensure_ascii=False) + "\n")
            else:
                _export_csv(store, versions, handle)
        finally:
            if output:
                handle.close()


def _export_csv(store: Store, versions: list[Version], handle: Any) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for version in versions:
        sanctions: dict[str, list[Any]] = {}
        idents: dict[str, list[str]] = {}
        targets = []
        for entity in store.iter_entities([version]):
            if entity.schema.name == "Sanction":
                for target in entity.get("entity"):
                    sanctions.setdefault(target, []).append(entity)
            elif "sanction" in entity.get("topics", quiet=True):
                targets.append(entity)
            elif entity.schema.is_a("Identification"):
                for holder in entity.get("holder"):
                    idents.setdefault(holder, []).extend(entity.get("number"))
        for entity in targets:
            linked = sanctions.get(entity.id or "", [])
            ids = set(idents.get(entity.id or "", []))
            for prop in entity.iterprops():
                if prop.type.name == "identifier":
                    ids.update(entity.get(prop))
            row = {
                "id": entity.id,
                "schema": entity.schema.name,
                "source": version.source,
                "name": "; ".join(entity.get("name")),
                "aliases": "; ".join(entity.get("alias")),
                "weak_aliases": "; ".join(entity.get("weakAlias", quiet=True)),
                "birth_dates": "; ".join(entity.get("birthDate", quiet=True)),
                "countries": "; ".join(sorted(set(entity.get_type_values(registry.country)))),
                "identifiers": "; ".join(sorted(ids)),
                "programs": "; ".join(sorted({p for s in linked for p in s.get("program")})),
                "listed": "; ".join(sorted({d for s in linked for d in s.get("listingDate")})),
                "authority_ids": "; ".join(
                    sorted({a for s in linked for a in s.get("authorityId")})),
            }
            writer.writerow({column: safe_cell(value) for column, value in row.items()})
