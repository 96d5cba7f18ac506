"""A small store for the web interface's tests: Lukashenko on three lists (OFAC, SEMA, DFAT)
linked as one party, a SEMA list in two versions (an alias added, a party added, one
removed), a user's own list whose party has markup in every field, a customer book and the
alerts a monitor run raises on it, and users of both roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI

from conftest import FIXTURES
from watchlist.monitor.portfolio import import_book
from watchlist.monitor.run import run_monitor
from watchlist.screener import Screener
from watchlist.store import users
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.store.users import create_user
from watchlist.updates.pipeline import update_from_paths

WEB = FIXTURES / "web"
LUKASHENKO = "us-ofac-sdn-9760"
SEMA_LUKASHENKO = "ca-dfatd-sema-sanctions-by-part-1-item-8"
SCRIPT_PARTY = "web-test-script"
SCRIPT_NAME = "Boris <script>alert(1)</script> Scriptov"
PASSWORD = "correct horse battery staple"
ARTICLE = ("Belarusian leader Alexander Lukashenko met his son Viktor Lukashenko in Minsk on "
           "Monday.\nPresident Lukashenko said the talks were over; the opposition leader "
           "Maria Kalesnikava was not invited.")


#: Argon2 at its cheapest: the tests sign in dozens of times on a shared two-core machine
#: (the parameters are kept in each hash, so these hashes verify cheaply).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
users._HASHER = FAST_HASHER


def ownership_app(home: Path, owners: str) -> FastAPI:
    """The service over a store of the small OFAC list and the ownership relations of
    `owners` (a CSV's text, imported from a file under `home`), with the user `analyst`
    (role screen, PASSWORD)."""
    from watchlist.ownership.stored import import_file
    from watchlist.service import create_app

    store = Store()
    assert update_from_paths(store, [FIXTURES / "ofac_sdn_small.xml"]).ok
    path = home / "owners.csv"
    path.write_text(owners, encoding="utf-8")
    import_file(store, path)
    screener = Screener.open(store)
    create_user(store, "analyst", "screen", PASSWORD)
    return create_app(store, warm=False, screener_opener=lambda _store: screener)


def build_store() -> tuple[Store, Screener, dict[str, str]]:
    """The store at $WATCHLIST_HOME with every fixture imported, customers screened, users
    `analyst` (screen), `approver` (approve) and `admin` (admin), and API keys of the
    screen and admin roles (returned)."""
    store = Store()
    for paths, source in (
        ([WEB / "sema_belarus_v1.xml"], None),
        ([WEB / "sema_belarus_v2.xml"], None),
        ([FIXTURES / "ofac_sdn_small.xml"], None),
        ([WEB / "dfat_belarus.csv"], None),
        ([FIXTURES / "un_small_v1.xml"], None),
        ([WEB / "own_list.ftm.json"], "own_list"),
    ):
        report = update_from_paths(store, paths, source)
        assert report.ok, report.failures
    screener = Screener.open(store)
    summary = import_book(store, WEB / "customers.csv")
    assert summary.imported, summary.invalid
    run_monitor(store, screener)
    create_user(store, "analyst", "screen", PASSWORD)
    create_user(store, "admin", "admin", PASSWORD)
    create_user(store, "approver", "approve", PASSWORD)
    keys = {role: create_key(store, f"web {role}", role)[1] for role in ("screen", "admin")}
    return store, screener, keys



World = tuple[Store, Screener, dict[str, str]]


def web_world(factory: pytest.TempPathFactory, name: str) -> Iterator[World]:
    """The store of `build_store` in a home of its own, for a module's `world` fixture (the
    screening index takes seconds to build: once per module)."""
    home = factory.mktemp(name) / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        yield build_store()

