"""What the audit log records beyond screenings: sign-ins, failed sign-ins, lockouts,
sign-outs, profile views (pages and API); and how the audit page shows them and monitor
runs, in words, filtered by who, what and when."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store import users
from watchlist.store.audit import iter_audit
from watchlist.store.store import Store
from watchlist.store.users import create_user
from watchlist.web.throttle import SignInLimit
from webstore import LUKASHENKO, PASSWORD, World, web_world

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from web_world(tmp_path_factory, "audit-coverage")



def make_app(world: tuple[Store, Screener, dict[str, str]]) -> FastAPI:
    return create_app(world[0], warm=False, screener_opener=lambda _store: world[1])


@pytest.fixture(scope="module")
def app(world: tuple[Store, Screener, dict[str, str]]) -> FastAPI:
    return make_app(world)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    form = client.get("/ui/login")
    return client.post("/ui/login", data={
        "csrf_token": html.unescape(_TOKEN.search(form.text).group(1)), "method": "password",
        "name": name, "password": password, "next": "/ui/search"})


def entries(store: Store, action: str) -> list[Any]:
    return [e for e in iter_audit(store) if e.action == action]


def test_sign_ins_and_sign_outs_are_audited_with_the_address(app: FastAPI,
                                                             store: Store) -> None:
    with TestClient(app, client=("192.0.2.10", 50000)) as client:
        answer = sign_in(client, "analyst")
        assert answer.status_code == 200
        [entry] = [e for e in entries(store, "sign-in") if e.actor == "user:analyst"]
        assert entry.query == {"method": "password", "address": "192.0.2.10"}
        client.post("/ui/logout", data={
            "csrf_token": html.unescape(_TOKEN.search(answer.text).group(1))})
        assert [e.actor for e in entries(store, "sign-out")] == ["user:analyst"]


def test_a_failed_sign_in_is_audited_without_the_password(app: FastAPI, store: Store) -> None:
    with TestClient(app, client=("192.0.2.11", 50000)) as client:
        assert sign_in(client, "admin", "a wrong guess at it").status_code == 401
    [entry] = [e for e in entries(store, "sign-in-failed") if e.actor == "user:admin"]
    assert entry.query["reason"] == "wrong user name or password"
    assert "a wrong guess at it" not in str(entry.to_dict())


def test_the_failure_that_locks_an_account_and_attempts_on_it_are_audited(
        app: FastAPI, store: Store) -> None:
    create_user(store, "locked-out", "screen", PASSWORD)
    with TestClient(app, client=("192.0.2.12", 50000)) as client:
        for _ in range(users.MAX_FAILURES):
            assert sign_in(client, "locked-out", "not it, not it").status_code == 401
        assert entries(store, "sign-in-locked") == []
        refused = sign_in(client, "locked-out")  # the right password, but locked
        assert refused.status_code == 401 and "locked until" in refused.text
    [lockout] = entries(store, "sign-in-lockout")
    assert lockout.actor == "user:locked-out" and lockout.query["until"]
    [locked] = entries(store, "sign-in-locked")
    assert locked.query["until"] == lockout.query["until"]


def test_an_address_refused_for_too_many_failures_is_audited(
        world: tuple[Store, Screener, dict[str, str]], store: Store) -> None:
    app = make_app(world)
    app.state.web.sign_ins = SignInLimit(store, max_failures=1, window=60)
    with TestClient(app, client=("192.0.2.13", 50000)) as client:
        sign_in(client, "someone", "wrong wrong wrong")
        assert sign_in(client, "analyst").status_code == 429
    [entry] = entries(store, "sign-in-throttled")
    assert entry.actor == "user:analyst" and entry.query["address"] == "192.0.2.13"


def test_profile_views_are_audited_from_the_pages_and_the_api(
        app: FastAPI, store: Store, world: tuple[Store, Screener, dict[str, str]]) -> None:
    with TestClient(app, client=("192.0.2.14", 50000)) as client:
        sign_in(client, "analyst")
        assert client.get(f"/ui/profiles/{LUKASHENKO}").status_code == 200
        answer = client.get(f"/entities/{LUKASHENKO}",
                            headers={"X-API-Key": world[2]["screen"]})
        assert answer.status_code == 200
    views = entries(store, "profile-view")
    assert [(e.actor.split(":")[0], e.query["via"]) for e in views] == [("user", "web"),
                                                                          ("key", "api")]
    assert all(e.query["entity_id"] == LUKASHENKO and e.versions for e in views)


def test_the_audit_page_shows_monitor_runs_and_sign_ins_in_words(app: FastAPI,
                                                                 store: Store) -> None:
    with TestClient(app, client=("192.0.2.15", 50000)) as client:
        sign_in(client, "admin")
        page = client.get("/ui/audit", params={"action": "monitor"}).text
        assert "Monitoring run 1 (" in page and "customers screened in full" in page
        assert "new alerts (#1 for" in page
        assert "new_alerts" not in page and "&#34;delta&#34;" not in page
        page = client.get("/ui/audit", params={"action": "sign-in", "actor": "admin"}).text
        assert "Signed in with a password from 192.0.2.15." in page
        assert "user:analyst" not in page.split("<tbody>", 1)[1]
        assert '<option value="user:admin">' in page  # the Who filter suggests actors
        tomorrow = client.get("/ui/audit", params={"since": "2999-01-01"}).text
        assert "No entry matches." in tomorrow
