"""The `check` and `screen` commands: screen one name, or a whole file of them.

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from watchlist.cli.common import console, out, print_bundled_note, reported_errors
from watchlist.errors import WatchlistError
from watchlist.screening.readers import BatchReader, parse_mapping, prepare_row
from watchlist.screening.runner import (
    CHUNK_SIZE,
    ScreenerOpener,
    Summary,
    default_workers,
    screen_chunks,
)
from watchlist.screening.writers import (
    designation_text,
    open_writer,
    output_format,
    shape_match,
)
from watchlist.store.audit import append_audit, append_audit_many, cli_actor
from watchlist.store.labels import version_ref
from watchlist.store.store import Store

commands = typer.Typer()

Threshold = Annotated[float | None, typer.Option(
    "--threshold", "-t", min=0.0, max=1.0,
    help="Lowest score reported, 0 to 1 (default: the screener's).")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N matches.")]
Encoding = Annotated[str | None, typer.Option(
    "--encoding", help="The input's text encoding when it is not UTF-8, e.g. cp1252 "
    "(Windows-1252) or latin-1; never guessed: a file that is not UTF-8 is refused.")]

FEATURE_LABELS = {
    "name_match": "Name",
    "identifier_match": "Same ID number",
    "identifier_mismatch": "Different ID number",
    "birth_date_match": "Date of birth agrees",
    "birth_date_mismatch": "Date of birth differs",
    "country_match": "Country agrees",
    "country_mismatch": "Country differs",
    "legal_form_mismatch": "Legal form differs",
    "kind_mismatch": "Kind of party differs",
    "name": "Name",
    "birth_date": "Date of birth",
    "country": "Country",
    "identifier": "ID number",
    "schema": "Kind of party",
}


def feature_label(feature: str) -> str:
    """`name_match` as `Name`, `birth_date` as `Date of birth`, others made readable."""
    return FEATURE_LABELS.get(feature) or feature.replace("_", " ").replace("-", " ").capitalize()


def _values(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "-"
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in value)
    return str(value)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _contribution(item: dict[str, Any]) -> str:
    """`+0.62`, `-0.30`: what the feature adds to the score (its score × its weight)."""
    value = _number(item.get("contribution"))
    if value is None:
        score, weight = _number(item.get("score")), _number(item.get("weight"))
        if score is None or weight is None:
            return "-"
        value = score * weight
    return f"{value:+.2f}" if round(value, 2) else "0"


def explanation_table(explanation: dict[str, Any]) -> tuple[Table, list[str]]:
    """The features that moved the score, and the labels of those that did not."""
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    table.add_column("what", style="bold")
    table.add_column("effect on score", justify="right")
    table.add_column("you asked")
    table.add_column("the list says")
    table.add_column("why", style="dim")
    idle = []
    for feature, item in explanation.items():
        if not isinstance(item, dict):
            table.add_row(escape(feature_label(feature)), "", "", "", escape(_values(item)))
            continue
        effect = _contribution(item)
        if effect in ("0", "-") and feature != "name_match":
            idle.append(feature_label(feature))
            continue
        table.add_row(
            escape(feature_label(feature)),
            effect,
            escape(_values(item.get("query"))),
            escape(_values(item.get("candidate"))
                   + (f" (by {', '.join(item['by'])})" if item.get("by") else "")),
            escape(_values(item.get("detail"))) if item.get("detail") else "",
        )
    return table, idle


def _query_text(query: dict[str, Any]) -> str:
    parts = [" / ".join(query["name"]) if isinstance(query["name"], list) else query["name"]]
    labels = (("schema", "kind"), ("birth_date", "born"), ("country", "country"),
              ("identifier", "ID"))
    parts += [f"{label} {_values(query[key])}" for key, label in labels if query.get(key)]
    return ", ".join(parts)


def _print_hits(query: dict[str, Any], matches: list[dict[str, Any]],
                threshold: float | None) -> None:
    at = f" at threshold {threshold:.2f}" if threshold is not None else ""
    if not matches:
        out.print(f"No match for [bold]{escape(_query_text(query))}[/]{at}.")
        return
    word = "match" if len(matches) == 1 else "matches"
    out.print(f"{len(matches)} {word} for [bold]{escape(_query_text(query))}[/]{at}"
              + (", best first:" if len(matches) > 1 else ":"))
    table = Table(show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("listed party")
    table.add_column("kind")
    table.add_column("designations")
    table.add_column("entity id", style="dim")
    for rank, match in enumerate(matches, 1):
        score = _number(match.get("score"))
        table.add_row(str(rank), f"{score:.2f}" if score is not None else "-",
                      escape(match.get("caption") or ""), escape(match.get("schema") or ""),
                      escape(_designations_text(match)),
                      escape(match.get("entity_id") or ""))
    out.print(table)
    for rank, match in enumerate(matches, 1):
        if match.get("ownership"):
            out.print(f"\n[bold]#{rank} {escape(match.get('caption') or '')}[/] is not listed: "
                      f"{escape(match['ownership']['explanation'])}")
        explanation = match.get("explanation") or {}
        if not explanation:
            continue
        out.print(f"\n[bold]#{rank} {escape(match.get('caption') or '')}[/] "
                  f"scored {match.get('score', 0):.2f} because:")
        table, idle = explanation_table(explanation)
        out.print(table)
        if idle:
            out.print(f"[dim]no effect: {escape(', '.join(idle))}[/]")


def _designations_text(match: dict[str, Any]) -> str:
    """The designations of a listed match; the rule and share of an ownership match."""
    found = match.get("ownership")
    if not found:
        return designation_text(match.get("designations") or [])
    share = f"{found['share']:g}%" if found["share_high"] <= found["share"] else \
        f"{found['share']:g}-{found['share_high']:g}%"
    held = "controlled" if found["controlled"] and not found["share"] else f"owned {share}"
    return f"not listed; {found['status']} by ownership under {found['rule']} ({held})"


def build_query(name: list[str], dob: str | None = None, country: str | None = None,
                schema: str | None = None, identifier: str | None = None) -> dict[str, Any]:
    """The query of `check`, validated as a batch row is; a bad value is an error."""
    raw = {"name": name if len(name) > 1 else (name[0] if name else None), "birth_date": dob,
           "country": country, "schema": schema, "identifier": identifier}
    query = prepare_row(raw, 1)
    if query.get("error"):
        raise WatchlistError(query["error"])
    query.pop("id", None)
    return query


@commands.command()
def check(
    name: Annotated[list[str], typer.Argument(
        help="The name to check (give several to check them as one party's names).")],
    dob: Annotated[str | None, typer.Option(
        "--dob", help="Date of birth: YYYY-MM-DD, YYYY-MM or YYYY.")] = None,
    country: Annotated[str | None, typer.Option(
        "--country", help="Country (nationality, citizenship or residence): code or name.")
    ] = None,
    schema: Annotated[str | None, typer.Option(
        "--schema", help="Kind of party: Person, Organization, Company, Vessel, ...")] = None,
    identifier: Annotated[str | None, typer.Option(
        "--id", help="An identifier: passport, national ID, registration or IMO number.")
    ] = None,
    threshold: Threshold = None,
    limit: Limit = 10,
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check one name against the lists: the matches with why each one matched."""
    with reported_errors():
        query = build_query(name, dob, country, schema, identifier)
        from watchlist.screener import Screener

        screener = Screener.open(threshold=threshold)
        hits = screener.check(query)
        store = Store()
        matches = [shape_match(h if isinstance(h, dict) else h.to_dict()) for h in hits]
        matches.sort(key=lambda m: -(m.get("score") or 0.0))
        matches = matches[:limit]
        append_audit(store, cli_actor(), "check", query, screener.index.versions, hits)
        if json_:
            versions = [version_ref(v) for v in screener.index.versions]
            typer.echo(json.dumps({"query": query, "matches": matches, "versions": versions},
                                  indent=2, ensure_ascii=False))
            return
        print_bundled_note(screener.index.versions)
        used = threshold if threshold is not None else getattr(screener, "threshold", None)
        _print_hits(query, matches, used)


class RowsColumn(ProgressColumn):
    """`12,345 rows 2,100/s`: rows screened and rows per second."""

    def render(self, task: Task) -> Text:
        rows = task.fields.get("rows", 0)
        elapsed = task.finished_time if task.finished else task.elapsed
        rate = rows / elapsed if elapsed else 0.0
        return Text(f"{rows:,} rows {rate:,.0f}/s", style="progress.data.speed", no_wrap=True)


def _tracked(reader: BatchReader, chunk_size: int, positions: deque[int],
             pending: deque[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
    """The reader's chunks, noting where reading stood after each (for the progress bar)
    and keeping each chunk until its results come back (for the audit log)."""
    for chunk in reader.chunks(chunk_size):
        positions.append(reader.progress)
        pending.append(chunk)
        yield chunk


def _audit_chunk(store: Store, actor: str, source: Path, versions: list[dict[str, Any]],
                 rows: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    """One audit entry per screened row, a chunk in one transaction."""
    items = []
    for row, record in zip(rows, records, strict=False):
        query = {"file": str(source), **{k: v for k, v in row.items() if v not in (None, "")}}
        items.append((actor, "screen", query, versions, record.get("matches") or []))
    append_audit_many(store, items)


SMALL_INPUT = 256 * 1024  # bytes (CSV, JSON lines): below this, one process is quicker


@commands.command()
def screen(
    input_text: Annotated[str, typer.Argument(
        metavar="INPUT", help="CSV, JSON lines or Parquet (gzip too) with a `name` column "
        "and optional id, schema, birth_date, country, identifier.")],
    output_text: Annotated[str | None, typer.Option(
        "-o", "--output", help="Where to write: .csv/.tsv for CSV (one row per input row, best "
        "match in columns, all matches as JSON), else JSON lines. Default: stdout, JSON lines.")
    ] = None,
    threshold: Threshold = None,
    limit: Limit = 10,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, help="Processes (default: every core; one for a small "
        "file).")] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="Read column COL as FIELD, e.g. --map full_name=name "
        "--map date_of_birth=birth_date.", metavar="COL=FIELD")] = None,
    format_: Annotated[str | None, typer.Option(
        "--format", help="Input format when it cannot be told: csv, jsonl or parquet.")] = None,
    encoding: Encoding = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, hidden=True)] = CHUNK_SIZE,
    engine: Annotated[str, typer.Option(
        "--engine", help="local (processes on this machine) or spark (a Spark cluster: "
        "Parquet or CSV paths or URLs in, one row per hit out; see docs/scaling.md).")
    ] = "local",
    master: Annotated[str | None, typer.Option(
        "--master", help="With --engine spark: the Spark master (local[2], yarn, "
        "spark://host:7077); default: spark-submit's, else local[*].")] = None,
    index: Annotated[str | None, typer.Option(
        "--index", help="With --engine spark: an index exported by `watchlist index export` "
        "(default: the current store's, exported for the run).")] = None,
) -> None:
    """Screen every row of a file: one result per row, in input order, best match first.

    JSON lines output: {"id", "matches": [{"entity_id", "caption", "schema", "score",
    "designations": [{"source", "ref", "regime", "listed"}], "explanation"}]} per row.
    CSV output: one row per input row with columns id, error, match_count, best_score,
    best_entity_id, best_caption, best_schema, best_designations (the best match) and
    matches (every match, as JSON).

    A row without a name, or with a date or country that cannot be read, is written with
    its error and the run goes on. An id defaults to the row number. A summary goes to
    stderr at the end.

    --engine spark writes one row per hit (and one per bad row) instead: id, row, rank,
    profile_id, entity_id, caption, schema, score, designations and explanation as JSON,
    error, index_key; CSV for a .csv/.tsv output, else Parquet (a folder of part files).
    """
    with reported_errors():
        if engine not in ("local", "spark"):
            raise WatchlistError(f"--engine {engine}: use local or spark")
        if engine == "spark":
            from watchlist.cli.spark import screen_with_spark

            screen_with_spark(input_text, output_text, index, master, threshold, limit,
                              mapping, format_, workers, encoding)
            return
        if master or index:
            raise WatchlistError("--master and --index go with --engine spark")
        input_ = Path(input_text)
        output = Path(output_text) if output_text else None
        reader = BatchReader(input_, parse_mapping(mapping), format=format_, encoding=encoding)
        if reader.format != "parquet":
            reader.check_decodes()  # a bad byte anywhere fails now, not hours into a run
        if workers is None:
            small = (reader.total or 0) < (SMALL_INPUT if reader.unit == "bytes" else 2000)
            workers = 1 if small else default_workers()
        if output is not None and output.resolve() == input_.resolve():
            raise WatchlistError(f"{output}: the output would overwrite the input")
        summary = Summary()
        positions: deque[int] = deque()
        progress = Progress(SpinnerColumn(), TextColumn("screening"), BarColumn(bar_width=30),
                            TaskProgressColumn(), RowsColumn(), TimeElapsedColumn(),
                            TextColumn("eta"), TimeRemainingColumn(), console=console,
                            transient=True)
        task = progress.add_task("screening", total=reader.total, rows=0, start=False)

        def started() -> None:  # the workers are up: the clock of rows/s starts now
            progress.start()
            progress.start_task(task)

        pending: deque[list[dict[str, Any]]] = deque()
        tracked = _tracked(reader, chunk_size, positions, pending)
        # The first chunk is read before any output is opened: an empty file fails here.
        chunks = chain([next(tracked)], tracked)
        store = Store()
        actor = cli_actor()
        versions = [version_ref(v) for v in store.serving()]
        with open_writer(output) as writer:
            try:
                for records in screen_chunks(chunks, opener=ScreenerOpener(threshold),
                                             workers=workers, limit=limit, summary=summary,
                                             on_start=started):
                    for record in records:
                        writer.write(record)
                    _audit_chunk(store, actor, input_, versions, pending.popleft(), records)
                    progress.update(task, completed=positions.popleft(), rows=summary.rows)
            finally:
                progress.stop()
        where = f" to {output}" if output else ""
        console.print(
            f"Screened {summary.rows:,} rows in {summary.seconds:.1f} s "
            f"({summary.rows_per_second:,.0f} rows/s, {workers} "
            f"{'worker' if workers == 1 else 'workers'}): "
            f"[bold]{summary.with_hits:,}[/] with matches, "
            f"{'[bold red]' if summary.errors else ''}{summary.errors:,} errors"
            f"{'[/]' if summary.errors else ''}; "
            f"{output_format(output).upper()}{escape(where)}.")
        print_bundled_note(versions, console)
