"""The service `watchlist serve` runs: the API and the analysts' pages assembled on one app,
over one store and one screener. The only module that imports both faces; neither imports
the other."""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from watchlist import web
from watchlist.api.app import create_api
from watchlist.monitor import schema as monitor_schema
from watchlist.operations import schema as operations_schema
from watchlist.operations.scheduler import Schedule, schedule_from_env
from watchlist.screener import Screener
from watchlist.service_settings import (
    ENV_ACCESS_LOG,
    ENV_HOST,
    ENV_NO_AUTH,
    Settings,
    is_loopback,
)
from watchlist.store import audit, keys
from watchlist.store.schema import metadata
from watchlist.store.store import Store
from watchlist.updates import jobs
from watchlist.webhooks import schema as webhooks_schema


def create_tables(store: Store) -> None:
    """The tables of the service's own modules, in case the store was opened before they were
    imported. Worker processes starting together may race to create them: a second attempt
    finds them made."""
    tables = [keys.api_keys, audit.audit_log, audit.audit_head, jobs.update_jobs,
              *web.tables(), *monitor_schema.TABLES, *operations_schema.TABLES,
              *webhooks_schema.TABLES]
    try:
        metadata.create_all(store.engine, tables=tables)
    except OperationalError:
        metadata.create_all(store.engine, tables=tables)


def create_app(store: Store | None = None, auth: bool = True,
               settings: Settings | None = None,
               updater: jobs.Updater | None = None,
               screener_opener: Callable[[Store], Screener] | None = None,
               warm: bool = True,
               schedule: Schedule | None = None,
               access_log: bool = False) -> FastAPI:
    """The API with the analysts' pages under /ui, over a store (the default store when None).

    auth=False lets every request through as an anonymous admin; `watchlist serve` only
    allows that on a loopback address. `updater` replaces the download POST /updatez runs;
    `screener_opener` the way the screener is opened (default `Screener.open(store)`);
    `warm` opens it at startup, in the background, rather than on the first screening;
    `schedule` keeps the lists current (`serve --update-every`); `access_log` logs every
    request with its id.
    """
    store = store or Store()
    create_tables(store)
    return create_api(store, auth, settings, updater, screener_opener, warm,
                      add_pages=lambda app: web.install(app, store), warm_pages=web.warm,
                      schedule=schedule, access_log=access_log)


def serve_app() -> FastAPI:
    """The app `watchlist serve` runs in each uvicorn worker (a factory, so workers can start it).

    Auth is off only when `watchlist serve --no-auth` said so and the host is loopback.
    """
    no_auth = os.environ.get(ENV_NO_AUTH) == "1" and is_loopback(os.environ.get(ENV_HOST, ""))
    return create_app(auth=not no_auth, schedule=schedule_from_env(),
                      access_log=os.environ.get(ENV_ACCESS_LOG) == "1")
