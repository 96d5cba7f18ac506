"""The `keys` commands: API keys for `watchlist serve`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors
from watchlist.errors import WatchlistError
from watchlist.store.keys import ROLES, create_key, list_keys, revoke_key
from watchlist.store.store import Store

commands = typer.Typer()
keys_app = typer.Typer(help="API keys for `watchlist serve`: create, list, revoke.",
                       no_args_is_help=True)
commands.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[str, typer.Option(
        "--role", help="screen (screening and lookups), approve (also approves decisions on "
        "alerts) or admin (also updates).")] = "screen",
) -> None:
    """Create a key and print it once, on its own line: it cannot be shown again."""
    with reported_errors():
        if role not in ROLES:
            raise WatchlistError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
        key, raw = create_key(Store(), name, role)
        console.print(f"created {key.role} key {key.key_id} ({escape(key.name)}); store it "
                      "now, it is not shown again:")
        sys.stdout.write(raw + "\n")
        sys.stdout.flush()


@keys_app.command("list")
def keys_list(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every key: id, name, role, when created, whether revoked (never the key itself)."""
    with reported_errors():
        keys = list_keys(Store())
        if json_:
            out.print(json.dumps([k.to_dict() for k in keys], indent=2, ensure_ascii=False),
                      markup=False)
            return
        if not keys:
            console.print("No API keys: create one with `watchlist keys create`.")
            return
        table = Table(title="API keys")
        for col in ("id", "name", "role", "created", "status"):
            table.add_column(col)
        for k in keys:
            status = "active" if k.active else f"revoked {k.revoked_at}"
            table.add_row(k.key_id, escape(k.name), k.role, k.created_at, status)
        out.print(table)


@keys_app.command("revoke")
def keys_revoke(
    ref: Annotated[str, typer.Argument(metavar="KEY", help="The key id (see `keys list`), "
                                       "its name (revokes every key of that name), or the "
                                       "key itself.")],
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    with reported_errors():
        parts = ref.split("_")
        if len(parts) >= 3 and parts[0] == "wl":
            ref = parts[1]
        revoked = revoke_key(Store(), ref)
        for key in revoked:
            console.print(f"revoked {key.role} key {key.key_id} ({escape(key.name)})")
