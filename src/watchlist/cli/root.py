"""The `watchlist` command, assembled in one place from the command modules of this package,
each of which holds its commands on a Typer of its own (`commands`) and imports nothing of
the others'. Commands are listed in the order below, then the command groups."""

from __future__ import annotations

import typer

from watchlist.cli import (
    alerts,
    audit,
    compare,
    db,
    index,
    keys,
    lists,
    monitor,
    ownership,
    payment,
    report,
    scan,
    screen,
    serve,
    users,
    webhooks,
)

#: The command modules, in the order `watchlist --help` lists their commands and groups.
MODULES = (lists, db, index, monitor, alerts, ownership, payment, scan, screen, compare, serve,
           keys, audit, users, report, webhooks)

app = typer.Typer(help="Sanctions screening from the official lists.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
for _module in MODULES:
    app.registered_commands.extend(_module.commands.registered_commands)
for _module in MODULES:
    app.registered_groups.extend(_module.commands.registered_groups)
