"""The `serve`, `keys` and `audit` commands: the HTTP API, its keys, and the audit log.

Registered on the `watchlist` app when cli.py imports this module.
"""

from __future__ import annotations

import errno
import inspect
import json
import os
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from watchlist.cli import _errors, app, console, out
from watchlist.errors import WatchlistError
from watchlist.service_settings import ENV_HOST, ENV_NO_AUTH, is_loopback
from watchlist.store import anchors
from watchlist.store.audit import export_audit, since_bound, verify_audit
from watchlist.store.keys import ROLES, create_key, list_keys, revoke_key
from watchlist.store.store import Store

keys_app = typer.Typer(help="API keys for `watchlist serve`: create, list, revoke.",
                       no_args_is_help=True)
audit_app = typer.Typer(help="The audit log of every screening: verify the chain, checkpoint "
                        "it outside the store, export it.",
                        no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")

# -- serve --------------------------------------------------------------------------------


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to host:port as uvicorn binds it (closed just before uvicorn binds),
    or an error saying why the address cannot be listened on: in use, not this machine's."""
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            problem = ("is already in use (another `watchlist serve`, or another program); "
                       "stop it, or choose another --port")
        elif exc.errno == errno.EACCES:
            problem = "needs privileges (a port below 1024); choose another --port"
        elif exc.errno == errno.EADDRNOTAVAIL:
            problem = f"is not an address of this machine ({exc.strerror}); check --host"
        else:
            problem = f"cannot be listened on: {exc.strerror or exc}; check --host and --port"
        raise WatchlistError(f"{shown} {problem}") from None
    return sock


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1,
                                         help="Worker processes.")] = 1,
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="Serve without API keys (loopback addresses only).")] = False,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log",
        help="Log every request line to standard error (screenings are in the audit log "
        "either way).")] = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    with _errors():
        if no_auth and not is_loopback(host):
            raise WatchlistError(f"--no-auth serves without keys, so it only binds to a "
                                 f"loopback address (127.0.0.1, ::1, localhost), not {host}")
        import uvicorn

        from watchlist.screening.holder import ensure_index
        from watchlist.service import create_tables

        # Taken before anything is prepared or printed; held while the index is built.
        reserved = reserve_port(host, port)
        store = Store()
        create_tables(store)  # here, before the workers start and race to do it
        if not no_auth and not list_keys(store, include_revoked=False):
            from watchlist.store.users import list_users

            has_users = any(u.active for u in list_users(store))
            console.print("[yellow]warning[/] no active API key: every API request will get "
                          "401" + ("" if has_users else " and nobody can sign in to /ui")
                          + "; create one with `watchlist keys create --name NAME --role "
                          "screen`" + ("" if has_users else " or a user with `watchlist users "
                                       "create NAME --role screen`"))
        if store.serving():
            console.print("preparing the screening index (built once per set of list "
                          "versions)...")
            ensure_index(store)
        else:
            console.print("[yellow]warning[/] the store is empty (/readyz answers 503): run "
                          "`watchlist update`")
        store.close()
        _announce_anchors()
        os.environ[ENV_HOST] = host
        if no_auth:
            os.environ[ENV_NO_AUTH] = "1"
        else:
            os.environ.pop(ENV_NO_AUTH, None)
        shown = f"[{host}]" if ":" in host else host
        console.print(f"watchlist on http://{shown}:{port}: analysts' pages at /ui, API docs "
                      f"at /docs, "
                      f"{'NO AUTH' if no_auth else 'API keys required'}, {workers} worker(s)")
        options: dict[str, Any] = {}
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:
            # Loading a large index can hold a worker for a few seconds; do not kill it.
            options["timeout_worker_healthcheck"] = 60
        reserved.close()
        uvicorn.run("watchlist.service:serve_app", factory=True, host=host, port=port,
                    workers=workers, log_level="info", proxy_headers=False,
                    access_log=access_log, **options)


def _announce_anchors() -> None:
    """With an anchors path set, check it and the key (made here, before the workers race
    to), and say where the audit checkpoints go."""
    path = anchors.anchors_path()
    if path is None:
        return
    from watchlist.service_settings import Settings

    settings = Settings.from_env()
    anchors.check_anchors_path(path)
    anchors.load_key(create=True)
    console.print(f"audit checkpoints go to {escape(str(path))}, signed with "
                  f"{escape(str(anchors.key_path()))}: every {settings.anchor_seconds:g} s "
                  f"or {settings.anchor_entries} entries while the log grows, and at shutdown")


# -- keys ---------------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[str, typer.Option(
        "--role", help="screen (screening and lookups) or admin (also updates).")] = "screen",
) -> None:
    """Create a key and print it once, on its own line: it cannot be shown again."""
    with _errors():
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
    with _errors():
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
    with _errors():
        parts = ref.split("_")
        if len(parts) >= 3 and parts[0] == "wl":
            ref = parts[1]
        revoked = revoke_key(Store(), ref)
        for key in revoked:
            console.print(f"revoked {key.role} key {key.key_id} ({escape(key.name)})")


# -- audit --------------------------------------------------------------------------------


AnchorsOption = Annotated[str | None, typer.Option(
    "--anchors", help=f"The checkpoints' file (one JSON line each) or directory (one file "
    f"each); default ${anchors.ENV_ANCHORS}.")]


@audit_app.command("verify")
def audit_verify(anchors_: AnchorsOption = None) -> None:
    """Check the hash chain, and with checkpoints (--anchors) that nothing was deleted from
    its end, emptied, rolled back or rewritten since: exit 1 naming what is wrong."""
    with _errors():
        path = anchors.anchors_path(anchors_)
        if path is None:
            result = verify_audit(Store())
            checked = None
        else:
            checked = anchors.verify_anchors(Store(), path, anchors.load_key())
            result = checked.chain
    if not result.ok:
        where = f"entry {result.bad_seq}" if result.bad_seq is not None else "the log head"
        console.print(f"[bold red]audit log broken[/] at {where}: "
                      f"{escape(result.problem or '')}")
        console.print(f"{result.entries} entries verified before it (up to entry "
                      f"{result.head_seq}).")
    if checked is not None:
        for problem in checked.problems:
            console.print(f"[bold red]audit log tampered with[/]: {escape(problem)}")
    if not result.ok or (checked is not None and checked.problems):
        raise typer.Exit(1)
    out.print(f"audit log intact: {result.entries} entries; head entry {result.head_seq} "
              f"hash {result.head_hash}")
    if checked is None:
        console.print("[yellow]not checked against checkpoints[/]: this cannot tell whether "
                      "entries were deleted from the end with the head rewritten, or the log "
                      f"emptied; give --anchors PATH (or set {anchors.ENV_ANCHORS}), see "
                      "`watchlist audit checkpoint`")
    elif checked.last is None:
        console.print(f"[yellow]no checkpoints in {escape(str(path))}[/]: truncation cannot be "
                      "detected until one is written (`watchlist audit checkpoint`)")
    else:
        last = checked.last.checkpoint
        out.print(f"{checked.checkpoints} checkpoints agree; the latest: entry {last.seq} at "
                  f"{last.at}")


@audit_app.command("checkpoint")
def audit_checkpoint(anchors_: AnchorsOption = None) -> None:
    """Sign the log's head (entry number and hash) with the key outside the store, append it
    to the anchors and print it (one line, for a ticket or a write-once store too)."""
    with _errors():
        path = anchors.anchors_path(anchors_)
        if path is None:
            raise anchors.AnchorError(f"where should the checkpoint go? Give --anchors PATH "
                                      f"or set {anchors.ENV_ANCHORS}")
        key = anchors.load_key(create=True)
        store = Store()
        seq, digest = anchors.check_before_signing(store, anchors.latest_written(path, key))
        checkpoint = anchors.sign_checkpoint(key, anchors.store_identity(store), seq, digest)
        written = anchors.write_checkpoint(path, checkpoint)
    sys.stdout.write(checkpoint.to_line() + "\n")
    console.print(f"checkpoint of entry {seq} written to {escape(str(written))}")


@audit_app.command("export")
def audit_export(
    since: Annotated[str | None, typer.Option(
        "--since", help="Entries from this date (YYYY-MM-DD) or ISO date-time, UTC.")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="File (default stdout).")] = None,
) -> None:
    """Write audit entries as JSON lines, each with its previous hash and its own hash."""
    with _errors():
        if since:
            since_bound(since)  # a bad date fails here, before anything is written
        store = Store()
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                count = export_audit(store, handle, since)
            console.print(f"{count} entries written to {escape(str(output))}")
        else:
            export_audit(store, sys.stdout, since)
            sys.stdout.flush()
