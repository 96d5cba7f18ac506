"""The web interface, server side: sign-in, sessions, CSRF, roles, escaping, and each page
over a small store (see webstore.py)."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from conftest import FIXTURES
from watchlist.monitor.alerts import get_alert, list_alerts
from watchlist.monitor.diff import VersionDiff, default_pair
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store import users
from watchlist.store.audit import append_audit, audit_log, iter_audit, verify_audit
from watchlist.store.keys import create_key, revoke_key
from watchlist.store.store import Store
from watchlist.store.users import create_user, set_disabled, set_password, set_role
from watchlist.updates.pipeline import Report, Reporter, update_from_paths
from watchlist.web import diffs as web_diffs
from watchlist.web.pages import audit as audit_page
from watchlist.web.pages import changes as changes_page
from watchlist.web.session import COOKIE
from watchlist.web.throttle import SignInLimit, TooManySignIns, sign_in_attempts
from webstore import (
    ARTICLE,
    LUKASHENKO,
    PASSWORD,
    SCRIPT_NAME,
    SCRIPT_PARTY,
    SEMA_LUKASHENKO,
    World,
    web_world,
)

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SEARCH_TOKEN = re.compile(r'name="t" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from web_world(tmp_path_factory, "web-pages")




@pytest.fixture(scope="module")
def keys(world: tuple[Store, Screener, dict[str, str]]) -> dict[str, str]:
    return world[2]


UPDATES: list[list[str] | None] = []


def fake_updater(_store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
    """Stands in for downloading from the publishers (tests never reach the network)."""
    UPDATES.append(sources)
    return Report()


def make_app(store: Store, screener: Screener, **options: Any) -> FastAPI:
    return create_app(store, warm=False, screener_opener=lambda _store: screener,
                      updater=fake_updater, **options)


@pytest.fixture(scope="module")
def app(store: Store, screener: Screener) -> FastAPI:
    return make_app(store, screener)


def token(page: str) -> str:
    found = _TOKEN.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


def sign_in(client: TestClient, name: str = "analyst", password: str = PASSWORD) -> Any:
    form = client.get("/ui/login")
    return client.post("/ui/login", data={"csrf_token": token(form.text), "method": "password",
                                          "name": name, "password": password,
                                          "next": "/ui/search"})


@pytest.fixture
def analyst(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        assert sign_in(client).status_code == 200
        yield client


@pytest.fixture
def admin(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        assert sign_in(client, "admin").status_code == 200
        yield client


def search(client: TestClient, **params: Any) -> Any:
    page = client.get("/ui/search")
    found = _SEARCH_TOKEN.search(page.text)
    assert found, "no search token on the page"
    return client.get("/ui/search", params={**params, "t": found.group(1)})


def hits_of(page: str) -> list[str]:
    """The result items of a search page."""
    results = page.split('<ol class="hits">', 1)[1].split("</ol>", 1)[0]
    return results.split('<li class="hit')[1:]


def audit_entries(store: Store) -> list[Any]:
    return list(iter_audit(store))


# -- sign-in and sessions ---------------------------------------------------------------------


def test_pages_redirect_to_sign_in_keeping_the_address(app: FastAPI) -> None:
    with TestClient(app) as client:
        answer = client.get("/ui/profiles/x?y=1", follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/login?next=%2Fui%2Fprofiles%2Fx%3Fy%3D1"
        assert client.get("/", follow_redirects=False).headers["location"] == "/ui/search"


def test_sign_in_with_password_opens_the_search_page(app: FastAPI) -> None:
    with TestClient(app) as client:
        answer = sign_in(client)
        assert answer.status_code == 200 and str(answer.url).endswith("/ui/search")
        assert "analyst" in answer.text and 'name="name"' in answer.text
        cookie = answer.history[0].headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(app: FastAPI) -> None:
    with TestClient(app) as client:
        wrong_password = sign_in(client, "analyst", "not the password at all")
        wrong_name = sign_in(client, "nobody", PASSWORD)
        for answer in (wrong_password, wrong_name):
            assert answer.status_code == 401
            assert "Wrong user name or password." in answer.text
        assert client.get("/ui/search", follow_redirects=False).status_code == 303


def test_an_address_with_many_failed_sign_ins_is_refused_for_a_while(
        store: Store, screener: Screener) -> None:
    app = make_app(store, screener)
    app.state.web.sign_ins = SignInLimit(store, max_failures=3, window=60)
    with TestClient(app, client=("192.0.2.1", 50000)) as client:
        for name in ("a", "b", "c"):  # three user names: no account lock would stop this
            assert sign_in(client, name, "guess-guess-guess").status_code == 401
        refused = sign_in(client)  # even the right password, from this address
        assert refused.status_code == 429
        assert "Too many failed sign-ins from your address: try again in 1 minute." \
            in refused.text
        assert client.get("/ui/search", follow_redirects=False).status_code == 303


def test_the_sign_in_limit_holds_across_workers(store: Store, screener: Screener) -> None:
    workers = [make_app(store, screener), make_app(store, screener)]
    for worker in workers:
        worker.state.web.sign_ins = SignInLimit(store, max_failures=4, window=60)
    clients = [TestClient(w, client=("192.0.2.2", 50000)) for w in workers]
    statuses = [sign_in(clients[n % 2], f"guess{n}", "guess-guess-guess").status_code
                for n in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]


def test_concurrent_sign_ins_from_one_address_never_pass_the_limit(store: Store) -> None:
    limit = SignInLimit(store, max_failures=5, window=60)
    admitted: list[int] = []
    refused: list[int] = []

    def attempt(_: int) -> None:
        try:
            admitted.append(limit.admit("192.0.2.3"))
        except TooManySignIns as exc:
            refused.append(exc.wait)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(attempt, range(30)))
    assert len(admitted) <= 5 and len(admitted) + len(refused) == 30
    assert refused and all(1 <= wait <= 60 for wait in refused)


def test_a_successful_sign_in_does_not_count_against_the_address(store: Store) -> None:
    limit = SignInLimit(store, max_failures=2, window=60)
    for _ in range(5):
        limit.succeeded(limit.admit("192.0.2.4"))
    limit.admit("192.0.2.4")
    assert limit.wait("192.0.2.4") == 0


def test_the_sign_in_limit_forgets_failures_older_than_its_window(store: Store) -> None:
    limit = SignInLimit(store, max_failures=2, window=100)
    limit.admit("10.0.0.1", now=0)
    limit.admit("10.0.0.1", now=50)
    assert limit.wait("10.0.0.1", now=60) == 40 and limit.wait("10.0.0.2", now=60) == 0
    with pytest.raises(TooManySignIns):
        limit.admit("10.0.0.1", now=60)
    assert limit.wait("10.0.0.1", now=100) == 0  # the first failure left the window
    limit.admit("10.0.0.1", now=100)
    with store.engine.connect() as conn:  # the rows out of the window are gone
        assert conn.execute(select(sign_in_attempts.c.at_ms).where(
            sign_in_attempts.c.address == "10.0.0.1")).scalars().all() == [50_000, 100_000]


def test_sign_in_with_an_api_key_takes_the_keys_role(app: FastAPI, keys: dict[str, str],
                                                     store: Store) -> None:
    with TestClient(app) as client:
        form = client.get("/ui/login")
        answer = client.post("/ui/login", data={"csrf_token": token(form.text), "method": "key",
                                                "api_key": keys["screen"]})
        assert answer.status_code == 200 and "web screen" in answer.text
        assert client.get("/ui/audit").status_code == 403


def test_a_revoked_key_ends_its_sessions(app: FastAPI, store: Store) -> None:
    key, raw = create_key(store, "short-lived", "screen")
    with TestClient(app) as client:
        form = client.get("/ui/login")
        client.post("/ui/login", data={"csrf_token": token(form.text), "method": "key",
                                       "api_key": raw})
        assert client.get("/ui/sources").status_code == 200
        revoke_key(store, key.key_id)
        assert client.get("/ui/sources", follow_redirects=False).status_code == 303


def test_a_new_password_or_disabling_ends_the_users_sessions(app: FastAPI,
                                                               store: Store) -> None:
    create_user(store, "temp", "screen", PASSWORD)
    with TestClient(app) as client:
        sign_in(client, "temp")
        assert client.get("/ui/sources").status_code == 200
        set_password(store, "temp", "another long password")
        assert client.get("/ui/sources", follow_redirects=False).status_code == 303
        sign_in(client, "temp", "another long password")
        assert client.get("/ui/sources").status_code == 200
        set_disabled(store, "temp", True)
        assert client.get("/ui/sources", follow_redirects=False).status_code == 303
        assert "disabled" in sign_in(client, "temp", "another long password").text


def test_a_tampered_session_cookie_is_not_a_session(analyst: TestClient) -> None:
    cookie = analyst.cookies[COOKIE]
    analyst.cookies.clear()
    analyst.cookies.set(COOKIE, cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    assert analyst.get("/ui/search", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(analyst: TestClient) -> None:
    page = analyst.get("/ui/search")
    answer = analyst.post("/ui/logout", data={"csrf_token": token(page.text)})
    assert answer.status_code == 200 and "You are signed out." in answer.text
    assert analyst.get("/ui/search", follow_redirects=False).status_code == 303


def replayed(client: TestClient, cookie: str) -> int:
    """The status of a page opened with a saved session cookie."""
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return client.get("/ui/sources", follow_redirects=False).status_code


def test_a_cookie_saved_before_sign_out_is_refused_after_it(analyst: TestClient) -> None:
    saved = analyst.cookies[COOKIE]
    page = analyst.get("/ui/search")
    analyst.post("/ui/logout", data={"csrf_token": token(page.text)})
    assert replayed(analyst, saved) == 303


def test_a_key_sessions_cookie_saved_before_sign_out_is_refused_after_it(
        app: FastAPI, keys: dict[str, str]) -> None:
    with TestClient(app) as client:
        form = client.get("/ui/login")
        client.post("/ui/login", data={"csrf_token": token(form.text), "method": "key",
                                       "api_key": keys["screen"]})
        saved = client.cookies[COOKIE]
        assert replayed(client, saved) == 200
        client.post("/ui/logout", data={"csrf_token": token(client.get("/ui/search").text)})
        assert replayed(client, saved) == 303


def test_disabling_a_user_ends_their_sessions_for_good(app: FastAPI, store: Store) -> None:
    create_user(store, "leaver", "screen", PASSWORD)
    with TestClient(app) as client:
        sign_in(client, "leaver")
        saved = client.cookies[COOKIE]
        set_disabled(store, "leaver", True)
        set_disabled(store, "leaver", False)  # enabled again: the old session stays ended
        assert replayed(client, saved) == 303


def test_a_new_role_ends_the_users_sessions(app: FastAPI, store: Store) -> None:
    create_user(store, "promoted", "screen", PASSWORD)
    with TestClient(app) as client:
        sign_in(client, "promoted")
        saved = client.cookies[COOKIE]
        assert replayed(client, saved) == 200
        set_role(store, "promoted", "admin")
        assert replayed(client, saved) == 303
        sign_in(client, "promoted")
        assert client.get("/ui/audit").status_code == 200


def test_a_new_password_ends_the_users_sessions_for_good(app: FastAPI, store: Store) -> None:
    create_user(store, "changer", "screen", PASSWORD)
    with TestClient(app) as client:
        sign_in(client, "changer")
        saved = client.cookies[COOKIE]
        set_password(store, "changer", "another long password")
        assert replayed(client, saved) == 303


_ERROR = re.compile(r'<p class="error"[^>]*>([^<]*)</p>')


def test_the_lock_answer_is_the_same_for_unknown_names(store: Store,
                                                        screener: Screener) -> None:
    create_user(store, "locksmith", "screen", PASSWORD)
    app = make_app(store, screener)
    answers = {}
    for number, name in enumerate(("locksmith", "no-such-person")):
        with TestClient(app, client=(f"192.0.2.{10 + number}", 50000)) as client:
            tries = [sign_in(client, name, "guess-guess-guess")
                     for _ in range(users.MAX_FAILURES)]
            tries.append(sign_in(client, name, PASSWORD))
            answers[name] = [(a.status_code, re.sub(r"\d{4}-\d\d-\d\dT[\d:+]+", "TIME",
                                                     _ERROR.findall(a.text)[0]))
                             for a in tries]
    assert answers["locksmith"] == answers["no-such-person"]
    assert answers["locksmith"][-1] == (
        401, "Too many wrong passwords: this account is locked until TIME (UTC).")


def test_sign_in_never_redirects_to_another_site(app: FastAPI) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/ui/../x://y"):
        with TestClient(app) as client:
            form = client.get("/ui/login")
            answer = client.post("/ui/login", follow_redirects=False, data={
                "csrf_token": token(form.text), "method": "password", "name": "analyst",
                "password": PASSWORD, "next": target})
            assert answer.headers["location"] == "/ui/search"


def test_without_auth_pages_open_without_sign_in(store: Store, screener: Screener) -> None:
    with TestClient(make_app(store, screener, auth=False)) as client:
        page = client.get("/ui/search")
        assert page.status_code == 200 and "local (no sign-in)" in page.text
        assert "Sign out" not in page.text


# -- CSRF ---------------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(
        analyst: TestClient, store: Store) -> None:
    alert_id = list_alerts(store, "new")[0][0]["id"]
    before = len(audit_entries(store))
    answers = [
        analyst.post(f"/ui/alerts/{alert_id}/decide",
                     data={"decision": "false-positive", "reason": "no token"}),
        analyst.post(f"/ui/alerts/{alert_id}/decide",
                     data={"decision": "false-positive", "reason": "bad token",
                           "csrf_token": "forged"}),
        analyst.post("/ui/scan", data={"text": ARTICLE}),
        analyst.post("/ui/logout"),
    ]
    for answer in answers:
        assert answer.status_code == 403
        assert "security token" in answer.text
    assert get_alert(store, alert_id)["status"] == "new"
    assert len(audit_entries(store)) == before
    assert analyst.get("/ui/search").status_code == 200  # still signed in


def test_sign_in_without_the_csrf_token_is_refused(app: FastAPI) -> None:
    with TestClient(app) as client:
        answer = client.post("/ui/login", data={"method": "password", "name": "analyst",
                                                "password": PASSWORD})
        assert answer.status_code == 403


def test_a_form_sent_from_another_site_is_refused(analyst: TestClient, store: Store) -> None:
    page = analyst.get("/ui/scan")
    answer = analyst.post("/ui/scan", data={"text": ARTICLE, "csrf_token": token(page.text)},
                          headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403 and "another site" in answer.text


def test_a_search_from_a_link_asks_before_running(analyst: TestClient, store: Store) -> None:
    before = len(audit_entries(store))
    csrf = token(analyst.get("/ui/search").text)
    for params in ({"name": "Lukashenko"}, {"name": "Lukashenko", "t": "forged"},
                   {"name": "Lukashenko", "t": csrf}):  # the form token is not a search token
        page = analyst.get("/ui/search", params=params)
        assert page.status_code == 200 and "This search came from a link" in page.text
        assert 'class="hits"' not in page.text
    assert len(audit_entries(store)) == before


def test_the_search_token_in_an_address_cannot_send_forms(analyst: TestClient,
                                                          store: Store) -> None:
    page = analyst.get("/ui/search").text
    shared = _SEARCH_TOKEN.search(page).group(1)
    assert shared != token(page)
    alert_id = list_alerts(store, "new")[0][0]["id"]
    answer = analyst.post(f"/ui/alerts/{alert_id}/decide", data={
        "decision": "match", "reason": "forged", "csrf_token": shared})
    assert answer.status_code == 403


# -- roles --------------------------------------------------------------------------------------


def test_screen_users_cannot_see_the_audit_log_or_update_lists(analyst: TestClient) -> None:
    assert analyst.get("/ui/audit").status_code == 403
    page = analyst.get("/ui/sources")
    assert page.status_code == 200 and "Start the update" not in page.text
    answer = analyst.post("/ui/sources/update", data={"csrf_token": token(page.text)})
    assert answer.status_code == 403
    assert 'href="/ui/audit"' not in page.text


def test_admins_start_an_update_and_watch_it_finish(admin: TestClient, store: Store) -> None:
    page = admin.get("/ui/sources")
    assert "Start the update" in page.text
    UPDATES.clear()
    answer = admin.post("/ui/sources/update", data={"csrf_token": token(page.text),
                                                    "source": ["un_sc_sanctions"]})
    assert answer.status_code == 200 and "/ui/sources/jobs/" in str(answer.url)
    for _ in range(50):
        job = admin.get(str(answer.url))
        if "succeeded" in job.text:
            break
    assert "succeeded" in job.text and 'http-equiv="refresh"' not in job.text
    assert UPDATES == [["un_sc_sanctions"]]
    entry = audit_entries(store)[-1]
    assert entry.action == "update" and entry.actor == "user:admin"
    assert "succeeded" in admin.get("/ui/sources").text


def test_a_running_update_shows_its_progress_list_by_list(home: Path) -> None:
    store = Store()
    create_user(store, "boss", "admin", PASSWORD)
    release = threading.Event()

    def reporting(_store: Store, _sources: list[str] | None, reporter: Reporter) -> Report:
        progress, done = reporter.downloading("https://example.org/sdn.csv")
        progress(1_500_000, 3_000_000)
        done()
        reporter.message("us_ofac_sdn: not modified since the last update")
        release.wait(10)
        return Report()

    with TestClient(create_app(store, warm=False, updater=reporting)) as client:
        sign_in(client, "boss")
        page = client.get("/ui/sources")
        answer = client.post("/ui/sources/update", data={"csrf_token": token(page.text)})
        for _ in range(50):
            running = client.get(str(answer.url))
            if "not modified" in running.text:
                break
            time.sleep(0.05)
        progress_list = running.text.split("<h2>Progress</h2>", 1)[1].split("</ol>", 1)[0]
        assert "downloading https://example.org/sdn.csv" in progress_list
        assert "us_ofac_sdn: not modified since the last update" in progress_list
        assert 'http-equiv="refresh"' in running.text
        release.set()
        for _ in range(50):
            finished = client.get(str(answer.url))
            if "succeeded" in finished.text:
                break
            time.sleep(0.05)
        assert "<h2>Outcome</h2>" in finished.text and "<h2>Progress</h2>" not in finished.text


def partly_failing(store: Store, _sources: list[str] | None, reporter: Reporter) -> Report:
    """An update that stores two files of the UN list (oldest first, as updates write them)
    and fails to download OFAC's."""
    report = update_from_paths(store, [FIXTURES / "un_small_v2.xml",
                                       FIXTURES / "un_small_v1.xml"], reporter=reporter)
    report.failures.append("us_ofac_sdn: https://sanctionslistservice.ofac.treas.gov/sdn.xml: "
                           "ConnectError: Name or service not known")
    return report


def test_sources_show_each_lists_own_last_outcome_and_a_partial_update(home: Path) -> None:
    store = Store()
    create_user(store, "boss", "admin", PASSWORD)
    with TestClient(create_app(store, warm=False, updater=partly_failing)) as client:
        sign_in(client, "boss")
        page = client.get("/ui/sources")
        answer = client.post("/ui/sources/update", data={"csrf_token": token(page.text)})
        deadline = time.monotonic() + 120  # the job builds the screening index at its end
        while time.monotonic() < deadline:
            job = client.get(str(answer.url))
            if 'http-equiv="refresh"' not in job.text:
                break
            time.sleep(0.1)
        assert '<span class="status partial">partial</span>' in job.text
        assert "un_sc_sanctions updated; us_ofac_sdn failed" in job.text
        page = client.get("/ui/sources").text
    rows = {row.split("<code>", 1)[1].split("</code>", 1)[0]: row
            for row in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]}
    un = rows["un_sc_sanctions"].split('data-label="Last update"', 1)[1]
    assert "version 2 is now current" in un and "version 1" not in un
    ofac = rows["us_ofac_sdn"].split('data-label="Last update"', 1)[1]
    assert '<span class="status failed">failed</span>' in ofac and "ConnectError" in ofac
    recent = page.split('id="h-jobs"', 1)[1]
    assert '<span class="status partial">partial</span>' in recent
    assert "un_sc_sanctions updated; us_ofac_sdn failed" in recent
    store.close()


# -- escaping -----------------------------------------------------------------------------------


def test_markup_in_listed_names_is_shown_as_text(analyst: TestClient) -> None:
    found = search(analyst, name="Boris Scriptov")
    profile = analyst.get(f"/ui/profiles/{SCRIPT_PARTY}")
    alerts = analyst.get("/ui/alerts")
    for page in (found, profile, alerts):
        assert page.status_code == 200
        assert "<script>alert(" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert html.escape(SCRIPT_NAME) in profile.text
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in profile.text  # the reasons
    assert "TEST &lt;i&gt;regime&lt;/i&gt;" in profile.text
    assert "script-src 'self'" in profile.headers["content-security-policy"]
    assert profile.headers["x-frame-options"] == "DENY"


# -- search ---------------------------------------------------------------------------------


def test_search_shows_one_profile_per_party_with_every_publisher(analyst: TestClient,
                                                                  store: Store) -> None:
    page = search(analyst, name="Aleksandr Lukashenko", birth_date="1954-08-30")
    assert page.status_code == 200
    first = hits_of(page.text)[0]
    assert "LUKASHENKA" in first and f"/ui/profiles/{LUKASHENKO}" in first
    for publisher in ("OFAC SDN", "Canada SEMA", "Australia DFAT"):
        assert publisher in first
    assert "Same birth date: 1954-08-30 (searched), 1954-08-30 (listed)." in first
    assert "Not compared: the search gave no identifier." in first
    entry = audit_entries(store)[-1]
    assert entry.actor == "user:analyst" and entry.action == "search"
    assert entry.query["name"] == "Aleksandr Lukashenko" and entry.query["via"] == "web"
    assert entry.hits[0]["entity_id"] == LUKASHENKO
    assert "au_dfat_sanctions=1" in page.headers["x-watchlist-versions"]


def test_search_filters_by_publisher_and_regime(analyst: TestClient) -> None:
    only_dfat = search(analyst, name="Lukashenko", publisher="au_dfat_sanctions")
    hits = hits_of(only_dfat.text)
    assert hits and all("Australia DFAT" in h and "Canada SEMA" not in h for h in hits)
    by_regime = search(analyst, name="Lukashenko", regime="belarus")
    hits = hits_of(by_regime.text)
    assert hits and all("Autonomous (Russia)" not in h for h in hits)
    nothing = search(analyst, name="Lukashenko", regime="no such regime")
    assert "No listed party scores" in nothing.text


def test_an_unreadable_birth_date_is_explained(analyst: TestClient) -> None:
    page = search(analyst, name="Lukashenko", birth_date="sometime in spring")
    assert page.status_code == 422
    assert "Unreadable birth date" in page.text


# -- profile --------------------------------------------------------------------------------


def test_the_profile_gathers_every_record_of_the_party(analyst: TestClient) -> None:
    page = analyst.get(f"/ui/profiles/{SEMA_LUKASHENKO}")
    assert page.status_code == 200
    text = page.text
    assert "3 designations in 3 list records" in text
    for regime in ("BELARUS", "Special Economic Measures (Belarus) Regulations",
                   "Autonomous (Russia)"):
        assert regime in text
    assert "Cyrillic script" in text and "Александр Григорьевич ЛУКАШЕНКО" in text
    assert "1954-08-30" in text and "Kopys, Vitebsk oblast, Belarus" in text
    assert "the same birth date 1954-08-30" in text  # the link evidence
    history = text.split('id="history"', 1)[1]
    assert "Changed" in history and "+ Alexander LUKASHENKO" in history
    assert page.headers["x-watchlist-versions"].count("=") == 3


def test_the_profile_names_the_record_that_supplied_each_fact(analyst: TestClient) -> None:
    text = analyst.get(f"/ui/profiles/{SEMA_LUKASHENKO}").text
    facts = text.split('id="facts"', 1)[1].split('id="addresses"', 1)[0]
    born = facts.split("Kopys, Vitebsk oblast, Belarus", 1)[1].split("</li>", 1)[0]
    assert f'href="#record-{LUKASHENKO}"' in born
    assert f'id="record-{LUKASHENKO}"' in text and f'id="record-{SEMA_LUKASHENKO}"' in text
    designations = text.split('id="designations"', 1)[1].split("</section>", 1)[0]
    assert f'href="#record-{SEMA_LUKASHENKO}"' in designations


def test_the_profile_id_opens_the_profile_page(analyst: TestClient, screener: Screener
                                               ) -> None:
    profile_id = screener.profile(LUKASHENKO)["profile_id"]
    page = analyst.get(f"/ui/profiles/{profile_id}")
    assert page.status_code == 200 and "3 designations in 3 list records" in page.text


def test_an_unknown_profile_or_page_is_a_clear_404(analyst: TestClient) -> None:
    page = analyst.get("/ui/profiles/no-such-record")
    assert page.status_code == 404 and "no entity &#39;no-such-record&#39;" in page.text
    missing = analyst.get("/ui/nowhere")
    assert missing.status_code == 404 and "There is no page /ui/nowhere." in missing.text
    assert 'href="/ui/alerts"' in missing.text  # still the signed-in navigation


# -- sources, changes -------------------------------------------------------------------------


def test_sources_show_each_serving_version(analyst: TestClient) -> None:
    page = analyst.get("/ui/sources")
    assert page.status_code == 200
    assert "Canada SEMA" in page.text and "2 <span class=\"muted\">of 2</span>" in page.text
    assert "not loaded yet" in page.text  # EU


def test_changes_show_what_the_last_update_did(analyst: TestClient) -> None:
    page = analyst.get("/ui/changes")
    assert page.status_code == 200
    summary = page.text.split('<table class="summary', 1)[1].split("</table>", 1)[0]
    assert '<a href="#h-ca_dfatd_sema_sanctions">' in summary and "1 → 2" in summary
    sema = page.text.split('id="h-ca_dfatd_sema_sanctions"', 1)[1].split("</section>", 1)[0]
    assert "1 added" in sema and "1 removed" in sema and "1 changed" in sema
    assert "/ui/profiles/ca-dfatd-sema-sanctions-by-part-1-item-86" in sema  # Dmitry, added
    assert "Ivan Petrovich Testovich" in sema and \
        "/ui/profiles/ca-dfatd-sema-sanctions-by-part-1-item-31" in sema  # removed
    assert "+ Alexander LUKASHENKO" in sema
    one = analyst.get("/ui/changes", params={"source": "ca_dfatd_sema_sanctions",
                                             "from": "2", "to": "1"})
    assert "1 added" in one.text and "Ivan Petrovich Testovich" in one.text
    assert analyst.get("/ui/changes", params={"source": "nope"}).status_code == 404


def test_a_removed_party_has_a_profile_as_its_list_last_had_it(analyst: TestClient) -> None:
    page = analyst.get("/ui/profiles/ca-dfatd-sema-sanctions-by-part-1-item-31")
    assert page.status_code == 200 and "Ivan Petrovich Testovich" in page.text
    assert "No longer listed." in page.text and "as version 1 (" in page.text
    history = page.text.split('id="history"', 1)[1]
    assert "Added" in history and "Removed" in history


def test_a_slow_comparison_shows_in_progress_and_the_page_reloads_until_done(
        store: Store, screener: Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real = web_diffs.diff_versions

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(web_diffs, "diff_versions", slow)
    monkeypatch.setattr(changes_page, "WAIT_SECONDS", 0.05)
    with TestClient(make_app(store, screener)) as client:
        assert sign_in(client).status_code == 200
        started = time.monotonic()
        waiting = client.get("/ui/changes")
        assert waiting.status_code == 200 and time.monotonic() - started < 5
        assert '<meta http-equiv="refresh" content="3">' in waiting.text
        sema = waiting.text.split('id="h-ca_dfatd_sema_sanctions"', 1)[1].split("</section>")[0]
        assert "Comparing version 1 with version 2" in sema and "1 added" not in sema
        release.set()
        deadline = time.monotonic() + 10
        while "http-equiv" in (done := client.get("/ui/changes").text):
            assert time.monotonic() < deadline, "the comparison never finished"
            time.sleep(0.05)
        assert "1 added" in done.split('id="h-ca_dfatd_sema_sanctions"', 1)[1]


def test_a_long_kind_of_change_is_shown_page_by_page(
        store: Store, screener: Screener, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = default_pair(store, "ca_dfatd_sema_sanctions")
    rows = [{"entity_id": f"party-{i}", "schema": "Person", "caption": f"Party {i:03d}"}
            for i in range(250)]
    diff = VersionDiff("ca_dfatd_sema_sanctions", old, new, rows, [], [])

    class Ready:
        def start(self, *_args: Any) -> None:
            return None

        def get(self, *_args: Any) -> VersionDiff:
            return diff

    app = make_app(store, screener)
    app.state.web.diffs = Ready()
    monkeypatch.setattr(changes_page, "PAGE_ROWS", 100)
    with TestClient(app) as client:
        assert sign_in(client).status_code == 200
        one = client.get("/ui/changes", params={"source": "ca_dfatd_sema_sanctions"}).text
        assert "Party 099" in one and "Party 100" not in one and "and 150 more" in one
        second = client.get("/ui/changes", params={
            "source": "ca_dfatd_sema_sanctions", "kind": "added", "page": "2"}).text
        assert "(101–200 of 250)" in second and "Page 2 of 3" in second
        assert "Party 100" in second and "Party 099" not in second and "Party 200" not in second
        assert 'rel="next"' in second and 'rel="prev"' in second


# -- alerts -----------------------------------------------------------------------------------


def _alert_of(store: Store, customer: str) -> dict[str, Any]:
    rows, _total = list_alerts(store, "all")
    return next(a for a in rows if a["customer_id"] == customer)


def test_the_alert_page_sets_the_customer_beside_the_party(analyst: TestClient,
                                                            store: Store) -> None:
    alert = _alert_of(store, "C-1001")
    page = analyst.get(f"/ui/alerts/{alert['id']}")
    assert page.status_code == 200
    assert "Alexander Lukashenko" in page.text and "Alyaksandr Ryhorovich LUKASHENKA" in page.text
    assert "Belarus" in page.text  # the customer's country, by name
    assert "Private banking" in page.text and "relationship manager" in page.text  # the book's
    assert "Same birth date" in page.text
    assert 'name="decision" value="false-positive"' in page.text


def test_deciding_an_alert_takes_it_out_of_the_open_queue(analyst: TestClient, app: FastAPI,
                                                          store: Store) -> None:
    alert = _alert_of(store, "C-1005")
    page = analyst.get(f"/ui/alerts/{alert['id']}")
    assert f"/ui/alerts/{alert['id']}?" in analyst.get("/ui/alerts").text
    answer = analyst.post(f"/ui/alerts/{alert['id']}/decide", data={
        "csrf_token": token(page.text), "decision": "false-positive",
        "reason": "Different person: the customer is 30 years younger.",
        "expected_status": alert["status"], "status": "open"})
    assert answer.status_code == 200
    assert f"Alert {alert['id']}: false positive — saved and awaits approval" in answer.text
    assert get_alert(store, alert["id"])["status"] == "pending-approval"
    with TestClient(app) as approver:  # four-eyes: a second person approves
        assert sign_in(approver, "approver").status_code == 200
        shown = approver.get(f"/ui/alerts/{alert['id']}").text
        assert approver.post(f"/ui/alerts/{alert['id']}/approve", data={
            "csrf_token": token(shown), "action": "approve"}).status_code == 200
    assert get_alert(store, alert["id"])["status"] == "false-positive"
    assert f"/ui/alerts/{alert['id']}?" not in analyst.get("/ui/alerts").text
    closed = analyst.get("/ui/alerts", params={"status": "closed"}).text
    assert f"/ui/alerts/{alert['id']}?" in closed
    decisions = [e for e in audit_entries(store) if e.action.startswith("alert-")]
    proposed, approved = decisions[-2:]  # sign-ins are audited between them
    assert proposed.action == "alert-false-positive" and proposed.actor == "user:analyst"
    assert approved.action == "alert-approve" and approved.actor == "user:approver"
    assert verify_audit(store).ok
    shown = analyst.get(f"/ui/alerts/{alert['id']}").text
    assert "Different person: the customer is 30 years younger." in shown


def test_a_decision_needs_a_reason_and_a_current_status(analyst: TestClient,
                                                        store: Store) -> None:
    alert = _alert_of(store, "C-1002")
    page = analyst.get(f"/ui/alerts/{alert['id']}")
    empty = analyst.post(f"/ui/alerts/{alert['id']}/decide", data={
        "csrf_token": token(page.text), "decision": "match", "reason": "  ",
        "expected_status": alert["status"]})
    assert empty.status_code == 422 and "needs a reason" in empty.text
    stale = analyst.post(f"/ui/alerts/{alert['id']}/decide", data={
        "csrf_token": token(page.text), "decision": "match", "reason": "same person",
        "expected_status": "escalated"})
    assert stale.status_code == 409 and "decided meanwhile" in stale.text
    assert get_alert(store, alert["id"])["status"] == alert["status"]


def test_the_queue_sorts_and_filters(analyst: TestClient, store: Store) -> None:
    by_score = analyst.get("/ui/alerts", params={"status": "all", "sort": "score"}).text
    assert by_score.index("C-1003") > by_score.index("C-1001")  # 0.84 after 1.0
    only = analyst.get("/ui/alerts", params={"status": "all", "q": "scriptov"}).text
    assert "C-1003" in only and "C-1001" not in only
    by_customer = analyst.get("/ui/alerts", params={"status": "all", "q": "viktor luka"}).text
    assert "C-1002" in by_customer and "C-1001" not in by_customer  # the customer's name
    assert "Viktor Lukashenko<br>" in by_customer
    sema = analyst.get("/ui/alerts", params={"status": "all",
                                             "publisher": "ca_dfatd_sema_sanctions"}).text
    assert "C-1002" in sema and "C-1003" not in sema
    assert analyst.get("/ui/alerts", params={"status": "bogus"}).status_code == 422


# -- scan -------------------------------------------------------------------------------------


def test_a_pasted_article_comes_back_highlighted(analyst: TestClient, store: Store) -> None:
    page = analyst.get("/ui/scan")
    answer = analyst.post("/ui/scan", data={"text": ARTICLE, "csrf_token": token(page.text)})
    assert answer.status_code == 200
    marks = re.findall(r"<mark id=\"m\d+\"[^>]*><a [^>]*>([^<]+)</a></mark>", answer.text)
    assert "Alexander Lukashenko" in marks and "Viktor Lukashenko" in marks
    assert "Kalesnikava" not in " ".join(marks)
    assert f"/ui/profiles/{LUKASHENKO}" in answer.text
    entry = audit_entries(store)[-1]
    assert entry.action == "scan" and entry.query["chars"] == len(ARTICLE)
    assert "Monday" not in str(entry.query)  # the text itself is not logged


def test_an_uploaded_file_is_scanned_and_a_binary_one_refused(analyst: TestClient) -> None:
    page = analyst.get("/ui/scan")
    ok = analyst.post("/ui/scan", data={"csrf_token": token(page.text)},
                      files={"upload": ("article.txt", ARTICLE.encode("utf-8"), "text/plain")})
    assert ok.status_code == 200 and "in article.txt" in ok.text and "<mark" in ok.text
    page_html = ("<html><body><h1>News</h1><p>Alexander Lukashenko spoke.</p>"
                 "<script>var x = 'Viktor Lukashenko';</script></body></html>")
    from_html = analyst.post("/ui/scan", data={"csrf_token": token(page.text)},
                             files={"upload": ("news.html", page_html.encode(), "text/html")})
    assert "<mark" in from_html.text and "var x" not in from_html.text
    bad = analyst.post("/ui/scan", data={"csrf_token": token(page.text)},
                       files={"upload": ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
                                         "image/jpeg")})
    assert bad.status_code == 422 and "photo.jpg: binary data" in bad.text


def test_a_file_over_the_size_limit_is_refused_with_a_page(analyst: TestClient) -> None:
    page = analyst.get("/ui/scan")
    limit = analyst.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    big = analyst.post("/ui/scan", data={"csrf_token": token(page.text)},
                       files={"upload": ("big.txt", b"a " * limit, "text/plain")})
    assert big.status_code == 413 and big.headers["content-type"].startswith("text/html")
    assert "larger than\nthe 1.0 MB this server accepts at once" in big.text
    api = analyst.post("/scan", content=b"a " * limit)
    assert api.status_code == 413 and api.headers["content-type"] == "application/json"


def test_markup_in_a_scanned_text_is_shown_as_text(analyst: TestClient) -> None:
    page = analyst.get("/ui/scan")
    answer = analyst.post("/ui/scan", data={
        "text": "<script>alert(5)</script> Alexander Lukashenko", "csrf_token": token(page.text)})
    assert "<script>alert(5)" not in answer.text and "&lt;script&gt;alert(5)" in answer.text


# -- audit ------------------------------------------------------------------------------------


def test_the_audit_page_verifies_the_chain_and_filters(admin: TestClient, store: Store) -> None:
    search(admin, name="Galina Lukashenko")
    page = admin.get("/ui/audit")
    assert page.status_code == 200 and "The chain is intact" in page.text
    mine = admin.get("/ui/audit", params={"actor": "user:admin", "action": "search"}).text
    assert "Galina Lukashenko" in mine
    assert admin.get("/ui/audit", params={"actor": "nobody-at-all"}).text.count(
        "No entry matches.") == 1
    bad = admin.get("/ui/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and "not a date" in bad.text


def test_the_help_page_lists_the_shortcuts(analyst: TestClient) -> None:
    page = analyst.get("/ui/help")
    assert page.status_code == 200 and "Choose the decision: false positive" in page.text


def test_static_files_are_served_from_the_package(app: FastAPI) -> None:
    with TestClient(app) as client:
        css = client.get("/ui/static/style.css")
        script = client.get("/ui/static/app.js")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]
        assert script.status_code == 200 and "keydown" in script.text


def test_every_page_names_the_list_versions_it_reflects(analyst: TestClient) -> None:
    for path in ("/ui/search", "/ui/sources", "/ui/changes", "/ui/alerts", "/ui/scan",
                 f"/ui/profiles/{LUKASHENKO}"):
        page = analyst.get(path)
        assert "Lists this page reflects:" in page.text and "OFAC SDN v1" in page.text, path


def test_an_empty_store_says_how_to_start(home: Path) -> None:
    store = Store()
    create_user(store, "first", "admin", PASSWORD)
    with TestClient(create_app(store, warm=False, updater=fake_updater)) as client:
        sign_in(client, "first")
        found = search(client, name="Lukashenko")
        assert found.status_code == 200 and "No list is loaded yet" in found.text
        assert "Load them on the" in found.text
        for path in ("/ui/sources", "/ui/changes", "/ui/alerts", "/ui/scan", "/ui/audit"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert re.search(r"Lists this page reflects:\s*none", page.text), path
        scanned = client.post("/ui/scan", data={"text": ARTICLE,
                                                "csrf_token": token(client.get("/ui/scan").text)})
        assert scanned.status_code == 200 and "No list is loaded yet" in scanned.text


def test_the_audit_page_shows_a_broken_chain(home: Path) -> None:
    store = Store()
    create_user(store, "boss", "admin", PASSWORD)
    for name in ("Anna", "Boris", "Carl"):
        append_audit(store, "cli:test", "check", {"name": name}, [], [])
    with TestClient(create_app(store, warm=False, updater=fake_updater)) as client:
        sign_in(client, "boss")  # the fourth entry
        assert "The chain is intact: 4 entries" in client.get("/ui/audit").text
        with store.engine.begin() as conn:
            conn.execute(update(audit_log).where(audit_log.c.seq == 2)
                         .values(query='{"name":"Someone else"}'))
        page = client.get("/ui/audit").text
        assert "The chain is broken at entry 2" in page and "was edited" in page


def test_a_long_audit_log_is_verified_when_asked(home: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_page, "AUTO_VERIFY", 1)
    store = Store()
    create_user(store, "boss", "admin", PASSWORD)
    for name in ("Anna", "Boris"):
        append_audit(store, "cli:test", "check", {"name": name}, [], [])
    with TestClient(create_app(store, warm=False, updater=fake_updater)) as client:
        sign_in(client, "boss")  # the third entry
        assert "has not been verified since the server started" in client.get("/ui/audit").text
        assert "The chain is intact: 3 entries" in client.get("/ui/audit?verify=1").text
        append_audit(store, "cli:test", "check", {"name": "Carl"}, [], [])
        page = client.get("/ui/audit").text
        assert "The chain is intact: 3 entries" in page and "1 newer entries" in page


def test_a_request_the_pages_do_not_take_is_answered_with_a_page(analyst: TestClient) -> None:
    for method, path in (("POST", "/ui/nowhere"), ("POST", "/ui/search"),
                         ("DELETE", "/ui/alerts")):
        answer = analyst.request(method, path)
        assert answer.status_code == 405, (method, path)
        assert answer.headers["content-type"].startswith("text/html")
        assert f"There is no form to send at {path}" in answer.text
    wrong = analyst.get("/ui/alerts", params={"page": "0"})
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("text/html")
    assert "a value the page cannot use (page)" in wrong.text
    api = analyst.post("/nowhere")  # the API keeps its JSON errors
    assert api.status_code in (401, 404, 405) and api.headers["content-type"] == \
        "application/json"


def test_a_long_list_in_an_audit_entry_is_shown_cut(admin: TestClient, store: Store) -> None:
    book = [f"CUST-{i:04d}" for i in range(1000)]
    append_audit(store, "system:monitor-test", "screen", {"full": book}, [], [])
    page = admin.get("/ui/audit", params={"actor": "system:monitor-test"}).text
    assert "&#34;CUST-0004&#34;, …] (1,000 in all)" in page
    assert "CUST-0005" not in page
