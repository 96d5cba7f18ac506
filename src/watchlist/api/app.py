"""The API app over a store: its state, routers, error handling, OpenAPI document and
middleware. `watchlist.service` adds the analysts' pages to it and is what `serve` runs."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from watchlist.api.anchor_keeper import AnchorKeeper
from watchlist.api.audit_writer import AuditWriter
from watchlist.api.auth import KeyCache
from watchlist.api.errors import BodyLimit, install_handlers
from watchlist.api.json_depth_limit import JsonDepthLimit
from watchlist.api.observe import RequestObserver
from watchlist.api.openapi import install_openapi
from watchlist.api.routers import (
    admin,
    alerts,
    compare,
    entities,
    match,
    metrics,
    ownership,
    payments,
    reconcile,
    reports,
    review,
    scan,
    sources,
    system,
)
from watchlist.api.screening import EntityCache
from watchlist.api.wal_keeper import WalKeeper
from watchlist.operations.scheduler import Schedule, Scheduler
from watchlist.screener import Screener
from watchlist.screening.holder import ScreenerHolder
from watchlist.service_settings import DESCRIPTION, TITLE, Settings
from watchlist.store import anchors
from watchlist.store.store import Store
from watchlist.updates import jobs
from watchlist.version import __version__ as package_version
from watchlist.versions_header import VersionsHeader


def create_api(store: Store, auth: bool = True,
               settings: Settings | None = None,
               updater: jobs.Updater | None = None,
               screener_opener: Callable[[Store], Screener] | None = None,
               warm: bool = True,
               add_pages: Callable[[FastAPI], None] | None = None,
               warm_pages: Callable[[FastAPI], None] | None = None,
               schedule: Schedule | None = None,
               access_log: bool = False) -> FastAPI:
    """The API over a store (whose tables exist: `watchlist.service.create_tables`).

    auth=False lets every request through as an anonymous admin; `watchlist serve` only
    allows that on a loopback address. `updater` replaces the download POST /updatez runs;
    `screener_opener` the way the screener is opened (default `Screener.open(store)`);
    `warm` opens it at startup, in the background, rather than on the first screening.
    `add_pages` adds other routes before the OpenAPI document and the middleware are
    installed; `warm_pages` warms them after the screener is opened. With `schedule`, the
    lists are kept current by a scheduler thread (one updater at a time across workers);
    `access_log` logs every request with its id.
    """
    settings = settings or Settings.from_env()
    holder = ScreenerHolder(store, screener_opener, settings.version_check_seconds)
    writer = AuditWriter(store)
    keeper = WalKeeper(store)
    anchor_keeper = AnchorKeeper(store, anchors.anchors_path(), settings.anchor_seconds,
                                 settings.anchor_entries)
    scheduler = Scheduler(store, schedule, updater) if schedule is not None else None

    def _warm() -> None:
        holder.warm()
        if warm_pages is not None:
            warm_pages(app)  # the Changes page's diffs, in their own thread

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Open the screener while the first requests come in, not when they are answered.
        if warm:
            threading.Thread(target=_warm, name="watchlist-screener-warm",
                             daemon=True).start()
        keeper.start()
        anchor_keeper.start()
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
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
    app.state.scheduler = scheduler
    app.state.entities = EntityCache()
    app.state.key_cache = KeyCache(settings.key_cache_seconds)
    install_handlers(app)
    for router in (match.router, entities.router, sources.router, system.router,
                   admin.router, reconcile.router, payments.router, scan.router,
                   review.router, alerts.router, compare.router, reports.router,
                   ownership.router, metrics.router):
        app.include_router(router)
    if add_pages is not None:
        add_pages(app)
    install_openapi(app, settings)
    # The last added runs outermost: the versions header goes on every answer, 413s too;
    # the JSON depth is measured on a body already bounded by BodyLimit.
    app.add_middleware(JsonDepthLimit)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(VersionsHeader, serving=holder.serving)
    app.add_middleware(RequestObserver, access_log=access_log)
    return app
