"""The `users` commands: accounts for the web interface (create, list, password, role,
disable).

Its `commands` join the `watchlist` command in cli/root.py.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli.common import console, out, reported_errors
from watchlist.errors import WatchlistError
from watchlist.store import users
from watchlist.store.keys import ROLES
from watchlist.store.store import Store

commands = typer.Typer()

users_app = typer.Typer(help="Accounts for the web interface (`watchlist serve`, /ui): "
                        "create, list, set a password or a role, disable.", no_args_is_help=True)
commands.add_typer(users_app, name="users")

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of standard input "
    "(for scripts) instead of asking for it.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise WatchlistError("no terminal to ask for the password: pass --password-stdin and "
                             "send it on standard input")
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Again", hide_input=True)
    if first != second:
        raise WatchlistError("the two passwords differ")
    return first


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="The user name they sign in with.")],
    role: Annotated[str, typer.Option(
        "--role", help="screen (search, alerts, scan; decisions proposed), approve (also "
        "approves others' decisions under four-eyes) or admin (also updates and the audit "
        "log).")] = "screen",
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user; asks for their password (at least 10 characters)."""
    with reported_errors():
        if role not in ROLES:
            raise WatchlistError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
        users.check_name(name)
        password = _password(password_stdin)
        user = users.create_user(Store(), name, role, password)
        console.print(f"created {user.role} user {escape(user.name)}; they sign in at "
                      "http://HOST:PORT/ui/ once `watchlist serve` runs")


@users_app.command("list")
def users_list(
    json_: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every user: name, role, when created, last sign-in, whether disabled."""
    with reported_errors():
        found = users.list_users(Store())
        if json_:
            out.print(json.dumps([u.to_dict() for u in found], indent=2, ensure_ascii=False),
                      markup=False)
            return
        if not found:
            console.print("No users: create one with `watchlist users create NAME`.")
            return
        table = Table(title="web users")
        for col in ("name", "role", "created", "last sign-in", "status"):
            table.add_column(col)
        for u in found:
            status = "active" if u.active else f"disabled {u.disabled_at}"
            table.add_row(escape(u.name), u.role, u.created_at, u.last_login_at or "-", status)
        out.print(table)


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password (their open sessions end)."""
    with reported_errors():
        store = Store()
        if users.get_user(store, name) is None:
            raise WatchlistError(f"no user named {name!r}")
        users.set_password(store, name, _password(password_stdin))
        console.print(f"new password set for {escape(name)}")


@users_app.command("disable")
def users_disable(
    name: Annotated[str, typer.Argument(help="The user.")],
    enable: Annotated[bool, typer.Option("--enable", help="Enable them again.")] = False,
) -> None:
    """Disable a user (their sessions end at once), or enable them again with --enable."""
    with reported_errors():
        user = users.set_disabled(Store(), name, not enable)
        console.print(f"{escape(user.name)} is {'enabled' if user.active else 'disabled'}")


@users_app.command("role")
def users_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="screen, approve or admin.")],
) -> None:
    """Give a user another role (their open sessions end: they sign in again with it)."""
    with reported_errors():
        user = users.set_role(Store(), name, role)
        console.print(f"{escape(user.name)} now has the {user.role} role")
