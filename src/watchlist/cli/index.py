"""The `index` commands: export the screening index as one file, show what a file holds.

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors

commands = typer.Typer()

index_app = typer.Typer(help="The screening index as a file, to screen where there is no "
                        "store (Spark executors): export it, inspect it.",
                        no_args_is_help=True)
commands.add_typer(index_app, name="index")


def _size(count: int) -> str:
    return f"{count / 1e6:,.1f} MB" if count >= 100_000 else f"{count / 1e3:,.1f} kB"


def _print_manifest(manifest: dict[str, Any], where: str) -> None:
    out.print(f"[bold]{escape(where)}[/]: watchlist index {manifest.get('key')}")
    out.print(f"made {manifest.get('created')} by watchlist {manifest.get('watchlist_version')} "
              f"(artifact format {manifest.get('artifact_format')}, index format "
              f"{manifest.get('index_format')}, matching code {manifest.get('code')})")
    out.print(f"{manifest.get('entities', 0):,} listed records in "
              f"{manifest.get('profiles', 0):,} profiles; index "
              f"{_size(int(manifest.get('size') or 0))}, sha256 {manifest.get('sha256')}")
    signature = manifest.get("signature")
    out.print(f"signed with index key {escape(str(signature.get('key')))}"
              if isinstance(signature, dict) else "unsigned")
    table = Table(title="lists")
    for col in ("source", "version", "published", "sha256"):
        table.add_column(col, justify="right" if col == "version" else "left")
    for item in manifest.get("lists") or []:
        table.add_row(escape(str(item.get("source"))), str(item.get("version")),
                      escape(str(item.get("published") or "-")),
                      str(item.get("sha256") or "")[:16])
    out.print(table)


@index_app.command("export")
def export(
    path: Annotated[str, typer.Argument(
        help="Where to write the artifact: a file (e.g. watchlist-index.zip) or a URL "
        "fsspec can write (s3://bucket/watchlist-index.zip).")],
) -> None:
    """Write the current index (built if needed) and its profiles as one verified file.

    Spark executors, or any machine with watchlist installed, screen with it without a
    store or network: `watchlist screen --engine spark --index PATH`,
    `watchlist.spark.screen_dataframe(df, PATH)` or `Screener.from_artifact(PATH)`.
    """
    with reported_errors():
        from watchlist.index.artifact import export_artifact

        with console.status("building or loading the index"):
            manifest = export_artifact(path)
        console.print(
            f"Exported the index of {len(manifest['lists'])} lists "
            f"({manifest['entities']:,} records, {manifest['profiles']:,} profiles) to "
            f"{escape(path)}: sha256 {manifest['sha256'][:16]}, key {manifest['key']}.")


@index_app.command("info")
def info(
    path: Annotated[str, typer.Argument(help="An artifact made by `watchlist index export` "
                                        "(a path or a URL).")],
    json_: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Show what an exported index holds, and check that this installation can use it.

    Prints the manifest (lists, versions, checksum), then checks the formats, the matching
    code, the checksums and the data (reading it as an executor would, within the limits;
    never running any of it); exits 2, saying why, when the file cannot be used.
    """
    with reported_errors():
        from watchlist.index.artifact import load_artifact, read_manifest

        manifest = read_manifest(path)
        if json_:
            typer.echo(json.dumps(manifest, indent=2, ensure_ascii=False))
        else:
            _print_manifest(manifest, path)
        load_artifact(path)
        console.print("[green]checksums, formats and data OK[/]: this installation can "
                      "screen with it.")
