"""The API app: `create_app(store=None, auth=True)`, served by `watchlist serve`."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from watchlist import web
from watchlist.api import jobs
from watchlist.api.anchor_keeper import AnchorKeeper
from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import KeyCache
from watchlist.api.deps import VersionsHeader
from watchlist.api.errors import BodyLimit, install_handlers
from watchlist.api.json_depth_limit import JsonDepthLimit
from watchlist.api.openapi import install_openapi
from watchlist.api.routers import (
    admin,
    alerts,
    entities,
    match,
    payments,
    reconcile,
    scan,
    sources,
    system,
)
from watchlist.api.screening import EntityCache, ScreenerHolder
from watchlist.api.settings import DESCRIPTION, TITLE, Settings
from watchlist.api.wal_keeper import WalKeeper
from watchlist.monitor import schema as monitor_schema
from watchlist.screener import Screener
from watchlist.store import anchors, audit, keys
from watchlist.store.schema import metadata
from watchlist.store.store import Store
from watchlist.version import __version__ as package_version


def create_tables(store: Store) -> None:
    """The tables of the API's own modules, in case the store was opened before they were
    imported. Worker processes starting together may race to create them: a second attempt
    finds them made."""
    tables = [keys.api_keys, audit.audit_log, audit.audit_head, jobs.update_jobs,
              *web.tables(), *monitor_schema.TABLES]
    try:
        metadata.create_all(store.engine, tables=tables)
    except OperationalError:
        metadata.create_all(store.engine, tables=tables)


def create_app(store: Store | None = None, auth: bool = True,
               settings: Settings | None = None,
               updater: jobs.Updater | None = None,
               screener_opener: Callable[[Store], Screener] | None = None,
               warm: bool = True) -> FastAPI:
    """The API over a store (the default store when None).

    auth=False lets every request through as an anonymous admin; `watchlist serve` only
    allows that on a loopback address. `updater` replaces the download POST /updatez runs;
    `screener_opener` the way the screener is opened (default `Screener.open(store)`);
    `warm` opens it at startup, in the background, rather than on the first screening.
    """
    store = store or Store()
    create_tables(store)
    settings = settings or Settings.from_env()
    holder = ScreenerHolder(store, screener_opener, settings.version_check_seconds)
    writer = AuditWriter(store)
    keeper = WalKeeper(store)
    anchor_keeper = AnchorKeeper(store, anchors.anchors_path(), settings.anchor_seconds,
                                 settings.anchor_entries)

    def _warm() -> None:
        holder.warm()
        web.warm(app)  # then the Changes page's diffs, in their own thread

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Open the screener while the first requests come in, not when they are answered.
        if warm:
            threading.Thread(target=_warm, name="watchlist-screener-warm",
                             daemon=True).start()
        keeper.start()
        anchor_keeper.start()
        try:
            yield
        finally:
            writer.close()
            anchor_keeper.close()  # after the last entries are written
            keeper.close()

    app = FastAPI(title=TITLE, description=DESCRIPTION, version=package_version,
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None,
                  lifespan=lifespan)
    app.state.store = store
    app.state.auth = auth
    app.state.settings = settings
    app.state.updater = updater or jobs.default_updater
    app.state.screener = holder
    app.state.audit = writer
    app.state.anchors = anchor_keeper
    app.state.entities = EntityCache()
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    install_handlers(app)
    for router in (match.router, entities.router, sources.router, system.router,
                   admin.router, reconcile.router, payments.router, scan.router,
                   alerts.router):
        app.include_router(router)
    web.install(app, store)  # the analysts' pages under /ui
    install_openapi(app, settings)
    # The last added runs outermost: the versions header goes on every answer, 413s too;
    # the JSON depth is measured on a body already bounded by BodyLimit.
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(VersionsHeader, serving=holder.serving)
    return app


def serve_app() -> FastAPI:
    """The app `watchlist serve` runs in each uvicorn worker (a factory, so workers can start it).

    Auth is off only when `watchlist serve --no-auth` said so and the host is loopback.
    """
    from watchlist.cli_service import ENV_HOST, ENV_NO_AUTH, is_loopback

    no_auth = os.environ.get(ENV_NO_AUTH) == "1" and is_loopback(os.environ.get(ENV_HOST, ""))
    return create_app(auth=not no_auth)
