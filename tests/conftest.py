"""Shared test fixtures: where the real list snapshots are, and a private store per test."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pgtest import store_url  # noqa: F401 - the `store_url` fixture: SQLite and PostgreSQL
from watchlist.config import SHRINK_LIMIT_ENV
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

# No test may touch the user's own store: every test process gets a throwaway home unless
# a fixture (`home`, or a module's own) points somewhere else.
os.environ["WATCHLIST_HOME"] = tempfile.mkdtemp(prefix="watchlist-test-home-")

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(
    os.environ.get("WATCHLIST_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
LISTS = SHARED / "lists"


@pytest.fixture
def lists_dir() -> Path:
    """The real snapshots in ../shared/data/lists; the test is skipped when they are absent."""
    if not LISTS.is_dir():
        pytest.skip(f"real list snapshots not found at {LISTS} (../shared/data absent)")
    return LISTS


def shared_file(relative: str) -> Path:
    """A file under ../shared/data/lists, or skip the calling test when it is absent."""
    path = LISTS / relative
    if not path.exists():
        pytest.skip(f"real list snapshot {path} not found (../shared/data absent)")
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private WATCHLIST_HOME so tests never touch the user's store."""
    path = tmp_path / "home"
    monkeypatch.setenv("WATCHLIST_HOME", str(path))
    return path


@pytest.fixture
def no_shrink_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lets every shrink through, for a test that imports lists of very different sizes over
    each other on purpose (real lists years apart, excerpts over full lists). The shrink
    guard stays on in every other test."""
    monkeypatch.setenv(SHRINK_LIMIT_ENV, "100")


@contextlib.contextmanager
def module_home(factory: pytest.TempPathFactory, name: str) -> Iterator[Path]:
    """A private WATCHLIST_HOME for the fixtures of one test module (a module-scoped
    fixture cannot use `monkeypatch`)."""
    path = factory.mktemp(name) / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(path))
        yield path


@contextlib.contextmanager
def monitored_store(url: str) -> Iterator[Store]:
    """A store at `url` with the small UN and OFAC lists, the customer book of
    fixtures/monitor/book_v1.csv and the alerts of a first monitor run on it."""
    from watchlist.monitor.portfolio import import_book
    from watchlist.monitor.run import run_monitor
    from watchlist.screener import Screener

    store = Store(url)
    try:
        update_from_paths(store, [FIXTURES / "un_small_v1.xml", FIXTURES / "ofac_sdn_small.xml"])
        import_book(store, FIXTURES / "monitor" / "book_v1.csv")
        run_monitor(store, Screener.open(store))
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def small_served_store(factory: pytest.TempPathFactory, name: str,
                       role: str = "screen") -> Iterator[tuple[Store, str]]:
    """A store under its own WATCHLIST_HOME (`module_home`) holding the small UN fixture,
    and an API key of `role`, for one test module's API tests."""
    with module_home(factory, name):
        store = Store()
        try:
            update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
            yield store, create_key(store, name, role)[1]
        finally:
            store.close()


@pytest.fixture(scope="module")
def store(world: tuple[Any, Any, dict[str, str]]) -> Any:
    """The store of the module's `world` fixture (a module defining `world` gets it)."""
    return world[0]


@pytest.fixture(scope="module")
def screener(world: tuple[Any, Any, dict[str, str]]) -> Any:
    """The module's screener over that store."""
    return world[1]
