"""Stores on both backends for tests: SQLite in the test's home, PostgreSQL in a fresh schema.

PostgreSQL runs when WATCHLIST_TEST_POSTGRES_URL names a database the tests may create
schemas in (`.ci/run` starts one); without it those tests are skipped. When it is set but
the server cannot be reached, they fail: a CI that meant to test PostgreSQL must not pass
by skipping it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ENV = "WATCHLIST_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


def postgres_base_url() -> str:
    """The test database's URL, or skip the calling test when none is configured."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (.ci/run starts a server and sets it)")
    return url


@functools.cache
def _admin(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=1)


@functools.cache
def _reachable(url: str) -> None:
    try:
        with _admin(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - turned into a clear failure
        where = make_url(url).render_as_string(hide_password=True)
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL at {where} cannot be reached: "
                    f"{exc}", pytrace=False)


def postgres_schema_url(base: str, schema: str) -> str:
    """`base` with every connection's search path set to `schema` (and named after it)."""
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}",
                                            "application_name": schema})
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A store URL in a new, empty schema of the test database, dropped afterwards."""
    base = postgres_base_url()
    _reachable(base)
    schema = f"wl_test_{uuid.uuid4().hex[:16]}"
    admin = _admin(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with admin.begin() as conn:
            # Connections the test left open (a store not closed) would hold the drop up.
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                         {"name": schema})
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, home: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty store on each backend, set as WATCHLIST_DATABASE_URL so `Store()`
    (and any subprocess the test starts) opens it."""
    if request.param == "sqlite":
        home.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{home / 'store.sqlite'}"
        monkeypatch.setenv("WATCHLIST_DATABASE_URL", url)
        yield url
        return
    with postgres_schema() as url:
        monkeypatch.setenv("WATCHLIST_DATABASE_URL", url)
        yield url
