"""Alembic's entry point for the store's migrations.

`watchlist.store.migrate` runs it with the connection to migrate (already holding the
store's write lock) in `config.attributes["connection"]`; without one it opens the store
at `sqlalchemy.url`, else the configured store (WATCHLIST_DATABASE_URL or the home folder).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from watchlist.config import database_url

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=True,  # SQLite alters a table by copying it; batch mode does that
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the store's migrations run against a database, not as SQL scripts")

given = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or database_url())
    try:
        with engine.connect() as conn:
            run(conn)
            conn.commit()
    finally:
        engine.dispose()
