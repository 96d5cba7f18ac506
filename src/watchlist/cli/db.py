"""The `db` commands: the store's schema revision, and migrating it (up, down, a new one).

Its `commands` join the `watchlist` command in cli/root.py. Opening the store
migrates it anyway; `db upgrade` is for doing it at a chosen moment (before starting the
service workers, say) and `db current` for seeing where a store is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from watchlist.cli.common import console, out, reported_errors
from watchlist.config import database_url
from watchlist.store import migrate
from watchlist.store.store import database_error, make_engine

commands = typer.Typer()

db_app = typer.Typer(help="The store's database: schema revision and migrations.",
                     no_args_is_help=True)
commands.add_typer(db_app, name="db")

Url = Annotated[str | None, typer.Option(
    "--url", help="Database URL (default: WATCHLIST_DATABASE_URL, else SQLite in the home "
                  "folder).")]


@contextmanager
def _engine(url: str | None) -> Iterator[Engine]:
    """An engine on the store (not opened as a Store: that would migrate it)."""
    engine = make_engine(url or database_url())
    try:
        yield engine
    except DBAPIError as exc:
        raise database_error(engine, exc) from None
    finally:
        engine.dispose()


@db_app.command("current")
def current(url: Url = None) -> None:
    """Print the store's schema revision and whether it is the newest."""
    with reported_errors():
        with _engine(url) as engine:
            found = migrate.current(engine)
        newest = migrate.head()
        where = engine.url.render_as_string(hide_password=True)
        if found is None:
            out.print(f"{escape(where)}: no schema revision (empty, or made before "
                      f"migrations); newest is {newest}")
        elif found == newest:
            out.print(f"{escape(where)}: revision {found} (newest)")
        else:
            out.print(f"{escape(where)}: revision {found}; newest is {newest} "
                      "(`watchlist db upgrade` migrates)")


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    url: Url = None,
) -> None:
    """Migrate the store to the newest schema (or to REVISION)."""
    with reported_errors():
        with _engine(url) as engine:
            before = migrate.current(engine)
            migrate.upgrade(engine, revision)
            after = migrate.current(engine)
        if before == after:
            console.print(f"already at revision {after}")
        else:
            console.print(f"migrated from {before or 'no revision'} to {after}")


@db_app.command("downgrade")
def downgrade(
    revision: Annotated[str, typer.Argument(
        help="Target revision (`base` drops every table: all data is lost).")],
    url: Url = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it: tables are dropped.")] = False,
) -> None:
    """Take the store back to an older schema revision (drops what later ones added)."""
    with reported_errors():
        if not yes:
            console.print("[bold red]error[/] a downgrade drops tables and their data; "
                          "pass --yes to do it")
            raise typer.Exit(2)
        with _engine(url) as engine:
            before = migrate.current(engine)
            migrate.downgrade(engine, revision)
            after = migrate.current(engine)
        console.print(f"migrated from {before} down to {after or 'base (no tables)'}")


@db_app.command("check")
def check(url: Url = None) -> None:
    """Compare the store's tables with the code's; exit 1 when they differ."""
    with reported_errors():
        with _engine(url) as engine:
            found = migrate.differences(engine)
        if found:
            for diff in found:
                out.print(escape(repr(diff)))
            raise typer.Exit(1)
        console.print("the store's tables match the code")


@db_app.command("revision", hidden=True)
def revision(message: Annotated[str, typer.Argument(help="What the revision does.")]) -> None:
    """(Developers) Write a new revision for the tables the code adds; review it."""
    with reported_errors():
        path = migrate.new_revision(message)
        console.print(f"wrote {escape(str(path))}")


@db_app.command("write-schema", hidden=True)
def write_schema() -> None:
    """(Developers) Rewrite the SQL that makes a new SQLite store, from the migrations."""
    with reported_errors():
        path = migrate.write_head_sql()
        console.print(f"wrote {escape(str(path))}")
