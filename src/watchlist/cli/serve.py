"""The `serve` command: the API and the analysts' pages (`watchlist.service`) on uvicorn,
after checking the address, the keys and the index."""

from __future__ import annotations

import errno
import inspect
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from watchlist.cli.common import console, reported_errors
from watchlist.errors import WatchlistError
from watchlist.metrics import prepare_multiprocess_dir, serve_metrics
from watchlist.operations.durations import describe
from watchlist.operations.logs import ENV_LOG_FORMAT, FORMATS, logging_config
from watchlist.operations.scheduler import ENV_SCHEDULE, Schedule
from watchlist.service_settings import ENV_ACCESS_LOG, ENV_HOST, ENV_NO_AUTH, is_loopback
from watchlist.store import anchors
from watchlist.store.keys import list_keys
from watchlist.store.store import Store

commands = typer.Typer()


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


@commands.command()
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
    update_every: Annotated[str | None, typer.Option(
        "--update-every", help="Keep the lists current: check them this often (6h, 30m) or "
        "at each publisher's cadence (`publisher`), one updater at a time across workers "
        "and servers sharing the store.")] = None,
    update_sources: Annotated[list[str] | None, typer.Option(
        "--update-source", help="With --update-every: the lists to keep current (default: "
        "the downloadable lists the store serves).")] = None,
    log_format: Annotated[str, typer.Option(
        "--log-format", help="`text`, or `json` for one JSON object a line; every line of a "
        "request carries its id (the X-Request-ID header).")] = "text",
    metrics_port: Annotated[int | None, typer.Option(
        "--metrics-port", min=1, max=65535, help="Also serve /metrics on this port, without "
        "a key (bound to --metrics-host).")] = None,
    metrics_host: Annotated[str, typer.Option(
        "--metrics-host", help="Address of --metrics-port.")] = "127.0.0.1",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs)."""
    with reported_errors():
        if no_auth and not is_loopback(host):
            raise WatchlistError(f"--no-auth serves without keys, so it only binds to a "
                                 f"loopback address (127.0.0.1, ::1, localhost), not {host}")
        if log_format not in FORMATS:
            raise WatchlistError(f"--log-format {log_format!r}: use text or json")
        if update_sources and not update_every:
            raise WatchlistError("--update-source needs --update-every")
        schedule = Schedule.parse(update_every, update_sources) if update_every else None
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
        _pass_operations(schedule, update_every, update_sources, log_format, access_log)
        metrics_dir = None
        if workers > 1:
            metrics_dir = Path(tempfile.mkdtemp(prefix="watchlist-metrics-"))
            prepare_multiprocess_dir(metrics_dir)
        if metrics_port is not None:
            from watchlist.operations.health import SourceCollector

            reserve_port(metrics_host, metrics_port).close()
            serve_metrics(metrics_host, metrics_port, [SourceCollector(Store())])
        if no_auth:
            os.environ[ENV_NO_AUTH] = "1"
        else:
            os.environ.pop(ENV_NO_AUTH, None)
        shown = f"[{host}]" if ":" in host else host
        console.print(f"watchlist on http://{shown}:{port}: analysts' pages at /ui, API docs "
                      f"at /docs, "
                      f"{'NO AUTH' if no_auth else 'API keys required'}, {workers} worker(s)")
        if schedule is not None:
            every = "each publisher's cadence" if schedule.every is None \
                else f"every {describe(schedule.every)}"
            console.print(f"keeping the lists current: checked {every}")
        options: dict[str, Any] = {}
        if "timeout_worker_healthcheck" in inspect.signature(uvicorn.run).parameters:
            # Loading a large index can hold a worker for a few seconds; do not kill it.
            options["timeout_worker_healthcheck"] = 60
        reserved.close()
        try:
            uvicorn.run("watchlist.service:serve_app", factory=True, host=host, port=port,
                        workers=workers, log_level="info", proxy_headers=False,
                        access_log=False, log_config=logging_config(log_format), **options)
        finally:
            if metrics_dir is not None:
                shutil.rmtree(metrics_dir, ignore_errors=True)


def _pass_operations(schedule: Schedule | None, every: str | None, sources: list[str] | None,
                     log_format: str, access_log: bool) -> None:
    """Tell the workers (`watchlist.service.serve_app`) the schedule, the log format and
    whether to log each request."""
    for var, value in ((ENV_SCHEDULE, every if schedule else None),
                       (ENV_SCHEDULE + "_SOURCES", ",".join(sources or []) or None),
                       (ENV_LOG_FORMAT, log_format),
                       (ENV_ACCESS_LOG, "1" if access_log else None)):
        if value:
            os.environ[var] = value
        else:
            os.environ.pop(var, None)


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
