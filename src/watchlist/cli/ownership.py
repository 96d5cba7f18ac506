"""The `ownership` commands: import the user's relations of ownership and control (any
known format, recognised by content), list the stored datasets, and show why a party is
blocked by ownership, with its owners and holdings.

Its `commands` join the `watchlist` command in cli/root.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import out, reported_errors
from watchlist.errors import WatchlistError
from watchlist.store.store import Store

commands = typer.Typer()
ownership_app = typer.Typer(
    help="Ownership and control: import relations, list datasets, show a party's owners.",
    no_args_is_help=True)
commands.add_typer(ownership_app, name="ownership")

Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


@ownership_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(
        help="A CSV (owner,owned,share[,owner_id,owned_id,as_of,source,kind]), FollowTheMoney "
             "Ownership/Directorship entities, GLEIF relationship records or UK PSC records.")],
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help="The dataset this file is a version of (default: the file's name).")
    ] = None,
    json_: Json = False,
) -> None:
    """Import a file of relations as the next version of its dataset (a bad file is
    refused whole, each problem named by line and field; the last good version serves)."""
    from watchlist.ownership.stored import import_file

    with reported_errors():
        done = import_file(Store(), file, dataset)
        if json_:
            _echo_json({**done.to_dict(), "unchanged": done.unchanged})
            return
        if done.unchanged:
            out.print(f"{escape(str(file))} is unchanged: version {done.version} of dataset "
                      f"[bold]{escape(done.dataset)}[/] keeps serving.")
            return
        out.print(f"Imported {done.relations:,} relation{'s' if done.relations != 1 else ''} "
                  f"({done.format}) from {escape(str(file))} as version {done.version} of "
                  f"dataset [bold]{escape(done.dataset)}[/].")


@ownership_app.command("datasets")
def datasets(json_: Json = False) -> None:
    """The stored versions of each dataset of relations; the newest of each serves."""
    from watchlist.ownership.stored import imports, serving_imports

    with reported_errors():
        store = Store()
        found = imports(store)
        serving = {i.id for i in serving_imports(store)}
        if json_:
            _echo_json([{**i.to_dict(), "serving": i.id in serving} for i in found])
            return
        if not found:
            out.print("No ownership data imported yet (`watchlist ownership import FILE`).")
            return
        table = Table(title="ownership datasets", title_justify="left")
        for column in ("dataset", "version", "format", "relations", "imported", "file", ""):
            table.add_column(column)
        for i in found:
            table.add_row(escape(i.dataset), str(i.version), i.format, f"{i.relations:,}",
                          i.imported_at[:19], escape(i.filename),
                          "serving" if i.id in serving else "")
        out.print(table)


@ownership_app.command("show")
def show(
    party: Annotated[str, typer.Argument(help="A party's id (list entity, LEI, own id) or "
                                              "exact name.")],
    depth: Annotated[int, typer.Option("--depth", min=1, max=10,
                                       help="Levels of owners and holdings shown.")] = 3,
    json_: Json = False,
) -> None:
    """Why a party is blocked by ownership or control (every path, under each rule), with
    its owners above and holdings below."""
    from watchlist.ownership.view import current_view

    with reported_errors():
        view = current_view(Store())
        ids = [party] if party in view.graph.number else view.by_name(party) or [
            i for i in (view.graph.ids) if view.graph.names[view.graph.number[i]] == party]
        if not ids:
            raise WatchlistError(f"no party {party!r} in the ownership data or the lists' "
                                 "relations")
        shown = [{"tree": view.tree(i, depth), "findings": [f.to_dict() for f in
                                                            view.findings(i)]} for i in ids]
        if json_:
            _echo_json(shown)
            return
        for item in shown:
            tree = item["tree"]
            out.print(f"[bold]{escape(tree.get('name') or tree['id'])}[/] "
                      f"[dim]{escape(tree['id'])}[/] {tree.get('status') or 'not blocked'}")
            for finding in item["findings"]:
                out.print(f"  {escape(finding['explanation'])}")
            for label, key, arrow in (("owners", "owners", "<-"), ("holdings", "holdings", "->")):
                if tree[key]:
                    out.print(f"  {label}:")
                    _print_level(tree[key], arrow, 2)


def _print_level(nodes: list[dict[str, Any]], arrow: str, indent: int) -> None:
    for node in nodes:
        share = "control" if node["kind"] == "control" else (
            "linked" if node["kind"] == "linked" else _share(node))
        status = f" [{node['status']}]" if node.get("status") else ""
        out.print(f"{' ' * indent * 2}{arrow} {escape(node['name'])}{escape(status)} "
                  f"({share}; {escape(node['source'] or 'no source')}"
                  f"{', ' + node['as_of'] if node.get('as_of') else ''})"
                  + (" (cycle)" if node.get("cycle") else ""))
        _print_level(node["next"], arrow, indent + 1)


def _share(node: dict[str, Any]) -> str:
    low, high = node.get("share"), node.get("share_high")
    if low is None:
        return "share unknown"
    return f"{low:g}%" if high in (None, low) else f"{low:g}-{high:g}%"
