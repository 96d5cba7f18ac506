"""The HTTP API: keys and roles, profiles, sources, health, updates, versions, error bodies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app as cli_app
from watchlist.service import create_app, serve_app
from watchlist.service_settings import ENV_HOST, ENV_NO_AUTH, Settings, is_loopback
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key, revoke_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import Report, Reporter, update_from_paths

V1 = FIXTURES / "un_small_v1.xml"
V2 = FIXTURES / "un_small_v2.xml"
PERSON = "un-sc-sanctions-kpi.901"
HEADER = "X-Watchlist-Versions"


def make_app(store: Store, **options: Any) -> FastAPI:
    """The app, without opening the screener at startup (these tests do not screen)."""
    return create_app(store, warm=False, **options)


@pytest.fixture
def store(home: Path) -> Store:
    store = Store()
    update_from_paths(store, [V1])
    return store


@pytest.fixture
def keys(store: Store) -> dict[str, str]:
    return {role: create_key(store, f"test {role}", role)[1] for role in ("screen", "admin")}


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(make_app(store)) as client:
        yield client


def as_(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def is_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and isinstance(body["detail"], str) and body["detail"]
    return body


# -- keys and roles ------------------------------------------------------------------------


@pytest.mark.parametrize("method,path", [("GET", "/sources"), ("GET", f"/entities/{PERSON}"),
                                         ("POST", "/updatez"), ("GET", "/updatez/abc")])
def test_no_key_is_401(client: TestClient, keys: dict[str, str], method: str, path: str) -> None:
    response = client.request(method, path)
    body = is_error(response, 401)
    assert "API key" in body["detail"]
    assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_bad_revoked_and_wrongly_sent_keys_are_401(client: TestClient, store: Store,
                                                   keys: dict[str, str]) -> None:
    is_error(client.get("/sources", headers=as_("wl_000000000000_" + "x" * 43)), 401)
    is_error(client.get("/sources", headers={"Authorization": f"Bearer {keys['screen']}"}), 401)
    is_error(client.get("/sources", headers={"Authorization": "ApiKey "}), 401)


def test_revoked_key_stops_working_within_the_key_cache_period(store: Store) -> None:
    settings = Settings(key_cache_seconds=0.3)
    with TestClient(make_app(store, settings=settings)) as client:
        key, raw = create_key(store, "leaver", "screen")
        assert client.get("/sources", headers=as_(raw)).status_code == 200
        revoke_key(store, key.key_id)
        time.sleep(0.4)
        is_error(client.get("/sources", headers=as_(raw)), 401)
    with TestClient(make_app(store, settings=Settings(key_cache_seconds=0))) as client:
        key, raw = create_key(store, "leaver 2", "screen")
        assert client.get("/sources", headers=as_(raw)).status_code == 200
        revoke_key(store, key.key_id)
        is_error(client.get("/sources", headers=as_(raw)), 401)


def test_both_header_forms_are_accepted(client: TestClient, keys: dict[str, str]) -> None:
    assert client.get("/sources", headers=as_(keys["screen"])).status_code == 200
    assert client.get("/sources", headers={"Authorization": f"ApiKey {keys['screen']}"}
                      ).status_code == 200
    assert client.get("/sources", headers={"authorization": f"apikey {keys['screen']}"}
                      ).status_code == 200


def test_two_different_credentials_are_401_even_beside_a_valid_key(
        client: TestClient, keys: dict[str, str]) -> None:
    valid, other = keys["screen"], keys["admin"]
    for headers in (
        [("X-API-Key", valid), ("Authorization", "Bearer bogus")],
        [("X-API-Key", valid), ("Authorization", f"ApiKey {other}")],
        [("X-API-Key", valid), ("Authorization", "ApiKey wl_000000000000_" + "x" * 43)],
        [("X-API-Key", valid), ("X-API-Key", "bogus")],
        [("Authorization", f"ApiKey {valid}"), ("Authorization", "ApiKey bogus")],
    ):
        is_error(client.get("/sources", headers=headers), 401)
        is_error(client.post("/match", headers=headers, json={}), 401)
    is_error(client.get("/reconcile/suggest/entity", headers=as_(valid),
                        params={"prefix": "a", "api_key": other}), 401)
    same = [("X-API-Key", valid), ("Authorization", f"ApiKey {valid}")]
    assert client.get("/sources", headers=same).status_code == 200


def test_screen_key_on_admin_endpoint_is_403(client: TestClient, keys: dict[str, str]) -> None:
    body = is_error(client.post("/updatez", headers=as_(keys["screen"])), 403)
    assert "admin" in body["detail"]
    is_error(client.get("/updatez/abc", headers=as_(keys["screen"])), 403)
    # An admin key may also screen.
    assert client.get("/sources", headers=as_(keys["admin"])).status_code == 200


def test_health_and_docs_need_no_key(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")  # the fixture's list, dated 2025-01-15, is stale by now
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    assert "publisher's date 2025-01-15" in ready.json()["reasons"][0]
    spec = client.get("/openapi.json").json()
    assert {"/healthz", "/readyz", "/sources", "/entities/{entity_id}", "/updatez"} \
        <= set(spec["paths"])
    assert {"ApiKey", "X-API-Key"} <= set(spec["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200


def test_no_auth_app_lets_requests_through(store: Store) -> None:
    with TestClient(make_app(store, auth=False)) as client:
        assert client.get("/sources").status_code == 200
        assert client.get(f"/entities/{PERSON}").status_code == 200


# -- health, sources, entities, versions ------------------------------------------------


def test_readyz_is_503_until_a_list_serves(home: Path) -> None:
    empty = Store()
    with TestClient(make_app(empty)) as client:
        assert client.get("/healthz").status_code == 200
        body = is_error(client.get("/readyz"), 503)
        assert "no list" in body["detail"]
        assert client.get("/readyz").headers[HEADER] == "none"
        update_from_paths(empty, [V1])
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.headers[HEADER] == "un_sc_sanctions=1"


def test_sources_is_what_status_shows(client: TestClient, store: Store,
                                      keys: dict[str, str]) -> None:
    response = client.get("/sources", headers=as_(keys["screen"]))
    assert response.status_code == 200
    body = response.json()
    [row] = body["sources"]
    [version] = store.serving()
    assert row["source"] == "un_sc_sanctions" and row["version"] == 1
    assert row["published"] == "2025-01-15" and row["targets"] == 3
    assert row["sha256"] == version.sha256 and row["current"] is True
    assert {"names", "fetched_at", "published_from", "format", "warnings"} <= set(row)
    assert body["versions"] == [{"source": "un_sc_sanctions", "version": 1,
                                 "published": "2025-01-15", "sha256": version.sha256}]
    assert response.headers[HEADER] == "un_sc_sanctions=1"


def test_sources_history_and_as_of(client: TestClient, store: Store,
                                   keys: dict[str, str]) -> None:
    update_from_paths(store, [V2])
    now = client.get("/sources", headers=as_(keys["screen"])).json()
    assert [r["version"] for r in now["sources"]] == [2]
    history = client.get("/sources?history=true", headers=as_(keys["screen"])).json()
    assert [(r["version"], r["current"]) for r in history["sources"]] == [(1, False), (2, True)]
    then = client.get("/sources?as_of=2025-02-01", headers=as_(keys["screen"]))
    assert [r["version"] for r in then.json()["sources"]] == [1]
    assert then.headers[HEADER] == "un_sc_sanctions=1"
    is_error(client.get("/sources?as_of=yesterday", headers=as_(keys["screen"])), 422)


def test_entity_profile_has_every_designation(client: TestClient, keys: dict[str, str]) -> None:
    response = client.get(f"/entities/{PERSON}", headers=as_(keys["screen"]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == PERSON and body["schema"] == "Person"
    assert body["caption"] == "IVAN PETROVICH TESTOVSKY"
    assert body["datasets"] == ["un_sc_sanctions"] and body["target"] is True
    assert "1961-07-14" in body["properties"]["birthDate"]
    [designation] = body["designations"]
    assert designation["publisher"] == ["United Nations Security Council"]
    assert designation["regime"] == ["DPRK"]
    assert designation["reference"] == ["KPi.901"]
    assert designation["listing_date"] == ["2016-03-02"]
    assert "reasons" in designation and "properties" in designation
    # yente nests linked entities in the properties.
    [sanction] = body["properties"]["sanctions"]
    assert sanction["schema"] == "Sanction" and sanction["properties"]["program"] == ["DPRK"]
    [passport] = body["properties"]["identification"]
    assert passport["properties"]["number"] == ["P0000001"]
    [address] = body["properties"]["addressEntity"]
    assert address["schema"] == "Address"
    assert body["versions"][0]["source"] == "un_sc_sanctions"
    assert response.headers[HEADER] == "un_sc_sanctions=1"


def test_entity_profile_as_of_an_older_version(client: TestClient, store: Store,
                                               keys: dict[str, str]) -> None:
    update_from_paths(store, [V2])
    now = client.get(f"/entities/{PERSON}", headers=as_(keys["screen"]))
    then = client.get(f"/entities/{PERSON}?as_of=2025-02-01", headers=as_(keys["screen"]))
    assert now.status_code == then.status_code == 200
    assert now.json()["version"] == 2 and now.headers[HEADER] == "un_sc_sanctions=2"
    assert then.json()["version"] == 1 and then.headers[HEADER] == "un_sc_sanctions=1"


def test_unknown_entity_is_404(client: TestClient, keys: dict[str, str]) -> None:
    body = is_error(client.get("/entities/no-such-id", headers=as_(keys["screen"])), 404)
    assert "no-such-id" in body["detail"]


# -- updates -------------------------------------------------------------------------------


def import_v2(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
    return update_from_paths(store, [V2])


def wait_for(client: TestClient, url: str, key: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = client.get(url, headers=as_(key)).json()
        if job["status"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError("the update did not finish")


def test_updatez_as_admin_runs_in_the_background(store: Store, keys: dict[str, str]) -> None:
    with TestClient(make_app(store, updater=import_v2)) as client:
        response = client.post("/updatez", headers=as_(keys["admin"]))
        assert response.status_code == 202, response.text
        job = response.json()
        assert job["status_url"] == f"/updatez/{job['id']}"
        assert response.headers["Location"] == job["status_url"]
        assert job["requested_by"].startswith("key:")
        done = wait_for(client, job["status_url"], keys["admin"])
        assert done["status"] == "succeeded" and done["finished_at"]
        assert [(o["source"], o["status"], o["version"]) for o in done["result"]["outcomes"]] \
            == [("un_sc_sanctions", "imported", 2)]
        assert done["versions"][0]["version"] == 2
        sources = client.get("/sources", headers=as_(keys["screen"]))
        assert sources.headers[HEADER] == "un_sc_sanctions=2"
    [entry] = [e for e in iter_audit(store) if e.action == "update"]
    assert entry.query["job"] == job["id"] and entry.actor == job["requested_by"]


def test_updatez_wait_answers_with_the_result(store: Store, keys: dict[str, str]) -> None:
    def failing(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        return Report(failures=["un: the download failed"])

    with TestClient(make_app(store, updater=failing)) as client:
        response = client.post("/updatez?wait=true", headers=as_(keys["admin"]),
                               json={"sources": ["un_sc_sanctions"]})
        assert response.status_code == 200
        job = response.json()
        assert job["status"] == "failed" and job["sources"] == ["un_sc_sanctions"]
        assert job["result"]["failures"] == ["un: the download failed"]
        assert response.headers[HEADER] == "un_sc_sanctions=1"


def test_an_update_where_some_lists_fail_is_partial_naming_them(store: Store,
                                                                keys: dict[str, str]) -> None:
    def partly(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        report = update_from_paths(store, [V2], reporter=reporter)
        report.failures.append("us_ofac_sdn: https://example.org/sdn.xml: ConnectError")
        return report

    with TestClient(make_app(store, updater=partly)) as client:
        job = client.post("/updatez?wait=true", headers=as_(keys["admin"])).json()
        assert job["status"] == "partial"
        assert "un_sc_sanctions updated; us_ofac_sdn failed" in job["error"]
        assert client.get(job["status_url"], headers=as_(keys["admin"])).json() == job


def test_updatez_refuses_a_second_update_while_one_runs(store: Store,
                                                        keys: dict[str, str]) -> None:
    release = threading.Event()

    def slow(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        reporter.message("un_sc_sanctions: not modified since the last update")
        release.wait(10)
        return Report()

    with TestClient(make_app(store, updater=slow)) as client:
        first = client.post("/updatez", headers=as_(keys["admin"]))
        assert first.status_code == 202
        for _ in range(100):
            running = client.get(first.json()["status_url"], headers=as_(keys["admin"]))
            if running.json()["progress"]:
                break
            time.sleep(0.02)
        assert running.status_code == 200 and running.json()["status"] == "running"
        assert running.json()["progress"] == [
            "un_sc_sanctions: not modified since the last update"]
        second = client.post("/updatez", headers=as_(keys["admin"]))
        body = is_error(second, 409)
        assert body["status_url"] == first.json()["status_url"]
        release.set()
        assert wait_for(client, first.json()["status_url"], keys["admin"])["status"] \
            == "succeeded"
        assert client.post("/updatez", headers=as_(keys["admin"])).status_code == 202


def test_updatez_errors(client: TestClient, keys: dict[str, str]) -> None:
    admin = as_(keys["admin"])
    body = is_error(client.post("/updatez", headers=admin, json={"sources": ["nope"]}), 422)
    assert "unknown source 'nope'" in body["detail"]
    is_error(client.post("/updatez", headers=admin, json={"sauces": []}), 422)
    is_error(client.get("/updatez/does-not-exist", headers=admin), 404)


# -- error bodies ---------------------------------------------------------------------------


def test_malformed_json_is_400(client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/updatez", headers={**as_(keys["admin"]),
                                                "Content-Type": "application/json"},
                           content=b'{"sources": [')
    body = is_error(response, 400)
    assert "malformed JSON" in body["detail"]


def test_oversized_body_is_413(store: Store, keys: dict[str, str]) -> None:
    settings = Settings(max_body_bytes=100)
    with TestClient(make_app(store, settings=settings, updater=import_v2)) as client:
        big = json.dumps({"sources": ["x" * 200]})
        body = is_error(client.post("/updatez", headers=as_(keys["admin"]), content=big), 413)
        assert "100 bytes" in body["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"x" * 50

        is_error(client.post("/updatez", headers=as_(keys["admin"]), content=chunks()), 413)
        small = client.post("/updatez?wait=true", headers=as_(keys["admin"]),
                            json={"sources": None})
        assert small.status_code == 200, small.text


def test_unknown_path_and_method_have_the_error_shape(client: TestClient) -> None:
    response = client.get("/nowhere")
    is_error(response, 404)
    assert HEADER in response.headers
    is_error(client.delete("/healthz"), 405)


def test_every_response_names_the_versions(client: TestClient, keys: dict[str, str]) -> None:
    for response in (client.get("/healthz"), client.get("/sources"),
                     client.get("/sources", headers=as_(keys["screen"])),
                     client.get("/openapi.json")):
        assert response.headers[HEADER] == "un_sc_sanctions=1"


# -- serve -----------------------------------------------------------------------------------


def test_no_auth_only_on_loopback(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli_app, ["serve", "--no-auth", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "loopback" in result.stderr
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    assert not is_loopback("example.com")


def test_serve_on_a_port_in_use_fails_before_its_banner(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli_app, ["serve", "--no-auth", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"127.0.0.1:{port} is already in use" in result.stderr
    assert "watchlist on http" not in result.output and "preparing" not in result.output
    assert not (home / "store.sqlite").exists()  # nothing prepared either


def test_serve_factory_keeps_auth_unless_no_auth_on_loopback(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_NO_AUTH, "1")
    monkeypatch.setenv(ENV_HOST, "0.0.0.0")
    assert serve_app().state.auth is True
    monkeypatch.setenv(ENV_HOST, "127.0.0.1")
    assert serve_app().state.auth is False
    monkeypatch.delenv(ENV_NO_AUTH)
    assert serve_app().state.auth is True


def test_audit_chain_stays_intact_through_api_use(store: Store, keys: dict[str, str]) -> None:
    with TestClient(make_app(store, updater=import_v2)) as client:
        client.post("/updatez?wait=true", headers=as_(keys["admin"]))
    assert verify_audit(store).ok
