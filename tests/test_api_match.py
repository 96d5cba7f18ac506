"""POST /match and GET /search: yente's shapes, limits, versions, and the audit log."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, module_home
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.service_settings import Settings
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

V1 = FIXTURES / "un_small_v1.xml"
V2 = FIXTURES / "un_small_v2.xml"
PERSON = "un-sc-sanctions-kpi.901"
COMPANY = "un-sc-sanctions-kpe.903"
HEADER = "X-Watchlist-Versions"
RESULT_KEYS = {"id", "caption", "schema", "properties", "datasets", "score", "match",
               "explanations"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store (and screener index) for the module: opening a screener takes seconds."""
    with module_home(tmp_path_factory, "api-match") as path:
        yield path


@pytest.fixture(scope="module")
def store(home: Path) -> Store:
    store = Store()
    update_from_paths(store, [V1])
    return store


@pytest.fixture(scope="module")
def screener(store: Store) -> Screener:
    return Screener.open(store)


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_key(store, "matcher", "screen")[1]


def make_client(store: Store, screener: Screener, **options: Any) -> TestClient:
    return TestClient(create_app(store, screener_opener=lambda _store: screener, **options))


@pytest.fixture(scope="module")
def client(store: Store, screener: Screener) -> Iterator[TestClient]:
    with make_client(store, screener) as client:
        yield client


def as_(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def person(name: str, **props: list[str]) -> dict[str, Any]:
    return {"schema": "Person", "properties": {"name": [name], **props}}


def post_match(client: TestClient, key: str, queries: dict[str, Any], params: str = "") -> Any:
    return client.post(f"/match{params}", headers=as_(key), json={"queries": queries})


def is_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and isinstance(body["detail"], str)
    return body["detail"]


def test_match_answers_in_yente_shape(client: TestClient, key: str) -> None:
    response = post_match(client, key, {
        "q1": person("Ivan Testovsky", birthDate=["1961-07-14"], nationality=["kp"],
                     idNumber=["P0000001"]),
        "q2": {"schema": "Company", "properties": {"name": "Example Trading Corp"}},
        "q3": person("Nobody Known Atall"),
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["responses"]) == {"q1", "q2", "q3"}
    q1 = body["responses"]["q1"]
    assert q1["status"] == 200 and q1["total"] == {"value": 1, "relation": "eq"}
    [hit] = q1["results"]
    assert RESULT_KEYS <= set(hit)
    assert hit["id"] == PERSON and hit["schema"] == "Person" and hit["match"] is True
    assert hit["datasets"] == ["un_sc_sanctions"]
    assert "1961-07-14" in hit["properties"]["birthDate"]
    assert {"name_match", "identifier_match", "birth_date_match"} <= set(hit["explanations"])
    assert hit["explanations"]["name_match"]["query"] == "Ivan Testovsky"
    assert hit["designations"][0]["ref"] == "KPi.901"
    assert q1["query"] == {"id": None, "schema": "Person", "properties": {
        "name": ["Ivan Testovsky"], "birthDate": ["1961-07-14"], "nationality": ["kp"],
        "idNumber": ["P0000001"]}}
    assert [r["id"] for r in body["responses"]["q2"]["results"]] == [COMPANY]
    assert body["responses"]["q3"]["results"] == []
    assert body["responses"]["q3"]["total"]["value"] == 0
    assert body["limit"] == 5 and body["matcher"]["threshold"] > 0
    assert [(v["source"], v["version"]) for v in body["versions"]] == [("un_sc_sanctions", 1)]
    assert response.headers[HEADER] == "un_sc_sanctions=1"


def test_match_threshold_limit_and_sources(client: TestClient, key: str) -> None:
    loose = post_match(client, key, {"q": {"schema": "Thing", "properties": {
        "name": ["Example"]}}}, "?threshold=0.3&limit=1")
    assert loose.status_code == 200, loose.text
    answer = loose.json()["responses"]["q"]
    assert len(answer["results"]) <= 1 and answer["total"]["value"] >= len(answer["results"])
    assert loose.json()["matcher"]["threshold"] == 0.3
    strict = post_match(client, key, {"q": person("Ivan Testovsky")}, "?threshold=1")
    assert strict.json()["responses"]["q"]["results"] == []
    only = post_match(client, key, {"q": person("Ivan Testovsky")},
                      "?sources=un_sc_sanctions")
    assert only.status_code == 200 and only.json()["responses"]["q"]["results"]
    detail = is_error(post_match(client, key, {"q": person("Ivan Testovsky")},
                                 "?sources=us_ofac_sdn"), 422)
    assert "not serving" in detail


@pytest.mark.parametrize("params,needle", [
    ("?limit=1000000", "at most 500"), ("?limit=0", "limit"), ("?limit=-3", "limit"),
    ("?limit=lots", "limit"), ("?threshold=1.5", "threshold"), ("?threshold=nan", "threshold"),
])
def test_match_refuses_absurd_parameters(client: TestClient, key: str, params: str,
                                         needle: str) -> None:
    assert needle in is_error(post_match(client, key, {"q": person("x")}, params), 422)


@pytest.mark.parametrize("query,needle", [
    ({"schema": "Banana", "properties": {"name": ["x"]}}, "unknown schema 'Banana'"),
    ({"schema": "Address", "properties": {"full": ["x"]}}, "cannot be screened"),
    ({"schema": "Person", "properties": {"shoeSize": ["44"]}}, "unknown property 'shoeSize'"),
    ({"schema": "Person", "properties": {"idNumber": ["123"]}}, "no name"),
    ({"schema": "Person", "properties": {"name": ["x"], "birthDate": ["someday"]}},
     "unreadable birth date"),
    ({"schema": "Person", "properties": {"name": ["x"], "birthDate": ["1952-13-45"]}},
     "impossible birth date '1952-13-45': month 13 does not exist"),
    ({"schema": "Person", "properties": {"name": ["x"], "birthDate": ["31/02/1999"]}},
     "impossible birth date '31/02/1999': day 31 does not exist"),
    ({"schema": "Person", "properties": {"name": ["x"], "birthDate": ["0000"]}},
     "impossible birth date '0000'"),
    ({"schema": "Person", "properties": {"name": [5]}}, "name"),
    ({"properties": {"name": ["x"]}}, "schema"),
    ({"schema": "Person", "properties": {"name": ["x"]}, "weights": {}}, "weights"),
])
def test_match_refuses_bad_queries_naming_them(client: TestClient, key: str,
                                               query: dict[str, Any], needle: str) -> None:
    detail = is_error(post_match(client, key, {"bad": query}), 422)
    assert needle in detail and "bad" in detail


def test_match_refuses_bad_bodies(client: TestClient, key: str) -> None:
    headers = {**as_(key), "Content-Type": "application/json"}
    assert "malformed JSON" in is_error(
        client.post("/match", headers=headers, content=b'{"queries": {"q1": '), 400)
    is_error(client.post("/match", headers=headers, content=b"[1, 2]"), 422)
    is_error(client.post("/match", headers=headers, content=b'{"query": {}}'), 422)
    assert "at least 1" in is_error(post_match(client, key, {}), 422)


def test_match_batch_and_body_limits(store: Store, screener: Screener, key: str) -> None:
    settings = Settings(max_batch=3, max_body_bytes=2000)
    with make_client(store, screener, settings=settings) as client:
        three = {f"q{i}": person("Amina Examplar") for i in range(3)}
        assert post_match(client, key, three).status_code == 200
        four = {f"q{i}": person("Amina Examplar") for i in range(4)}
        assert "at most 3" in is_error(post_match(client, key, four), 422)
        big = {"q": person("A" * 3000)}
        assert "too large" in is_error(post_match(client, key, big), 413)


class RecordingScreener(Screener):
    """The module's screener, noting each query it scores in `events`."""

    def __init__(self, screener: Screener, events: list[str]) -> None:
        super().__init__(screener.index, screener.threshold)
        self.events = events

    def check(self, *args: Any, **kwargs: Any) -> Any:
        self.events.append("check")
        return super().check(*args, **kwargs)


def test_a_large_batch_lets_other_requests_in_between_its_queries(
        store: Store, screener: Screener, key: str) -> None:
    events: list[str] = []
    recording = RecordingScreener(screener, events)
    app = create_app(store, screener_opener=lambda _store: recording)
    batch = {f"q{i}": person("Amina Examplar") for i in range(12)}

    async def scenario() -> int:
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=transport, base_url="http://test") as client:
            await client.post("/match", headers=as_(key), json={"queries": {"w": person("x")}})
            events.clear()
            done = False

            async def other_work() -> None:
                while not done:
                    events.append("other")
                    await asyncio.sleep(0)

            ticker = asyncio.ensure_future(other_work())
            response = await client.post("/match", headers=as_(key), json={"queries": batch})
            done = True
            await ticker
            return response.status_code

    assert asyncio.run(scenario()) == 200
    checks = [i for i, event in enumerate(events) if event == "check"]
    assert len(checks) == 12
    between = events[checks[0]:checks[-1]]
    assert between.count("other") >= 2  # the loop turned between chunks of queries


def test_match_and_search_need_a_key(client: TestClient) -> None:
    is_error(client.post("/match", json={"queries": {"q": person("x")}}), 401)
    is_error(client.get("/search?q=x"), 401)


def test_every_screening_is_audited(client: TestClient, store: Store, key: str) -> None:
    before = len(list(iter_audit(store)))
    post_match(client, key, {"a": person("Amina Examplar"), "b": person("Nobody Atall")},
               "?limit=3")
    client.get("/search?q=Testovsky", headers=as_(key))
    entries = list(iter_audit(store))[before:]
    assert [(e.action, e.query.get("key")) for e in entries] == [
        ("match", "a"), ("match", "b"), ("search", "q")]
    a, b, search = entries
    assert a.actor.startswith("key:") and a.actor.endswith(":matcher")
    assert a.query["properties"] == {"name": ["Amina Examplar"]}
    assert a.query["limit"] == 3 and a.query["threshold"] > 0
    assert a.versions == [{"source": "un_sc_sanctions", "version": 1,
                           "published": "2025-01-15", "sha256": a.versions[0]["sha256"]}]
    assert [h["id"] for h in a.hits] == ["un-sc-sanctions-qdi.902"]
    assert set(a.hits[0]) == {"id", "caption", "schema", "score", "match", "datasets"}
    assert b.hits == []
    assert search.query["q"] == "Testovsky" and search.hits[0]["id"] == PERSON
    assert verify_audit(store).ok


def test_search_by_name(client: TestClient, key: str) -> None:
    response = client.get("/search?q=Testovsky", headers=as_(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["id"] for r in body["results"]] == [PERSON]
    assert RESULT_KEYS <= set(body["results"][0])
    assert body["total"]["value"] == 1 and body["limit"] == 5
    assert body["versions"][0]["source"] == "un_sc_sanctions"
    assert response.headers[HEADER] == "un_sc_sanctions=1"
    company = client.get("/search?q=Example%20Trading&schema=Organization", headers=as_(key))
    assert [r["id"] for r in company.json()["results"]] == [COMPANY]
    none = client.get("/search?q=Testovsky&schema=Vessel", headers=as_(key))
    assert none.json()["results"] == []


def test_search_refuses_bad_parameters(client: TestClient, key: str) -> None:
    is_error(client.get("/search", headers=as_(key)), 422)
    is_error(client.get("/search?q=", headers=as_(key)), 422)
    is_error(client.get("/search?q=x&limit=99999", headers=as_(key)), 422)
    assert "unknown schema" in is_error(
        client.get("/search?q=x&schema=Banana", headers=as_(key)), 422)


def test_openapi_lists_match_and_search(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/match", "/search"} <= set(spec["paths"])
    assert "MatchRequest" in json.dumps(spec["paths"]["/match"])


def test_match_on_an_empty_store_is_503(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "empty"))
    empty = Store()
    raw = create_key(empty, "k", "screen")[1]
    with TestClient(create_app(empty, warm=False)) as client:
        assert "no list" in is_error(post_match(client, raw, {"q": person("x")}), 503)


def test_answers_move_to_the_new_version_after_an_update(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "moving"))
    store = Store()
    update_from_paths(store, [V1])
    raw = create_key(store, "k", "screen")[1]
    Screener.open(store)  # the index of version 1, built here (quicker in this process)
    # The app's own screener: it builds the index of version 2 in a child process.
    with TestClient(create_app(store)) as client:  # opens the screener at startup
        first = post_match(client, raw, {"q": person("Amina Examplar")})
        assert first.headers[HEADER] == "un_sc_sanctions=1"
        update_from_paths(store, [V2])
        deadline = time.monotonic() + 60
        seen = []
        while time.monotonic() < deadline:
            response = post_match(client, raw, {"q": person("Amina Examplar")})
            assert response.status_code == 200
            seen.append(response.headers[HEADER])
            if seen[-1] == "un_sc_sanctions=2":
                break
            time.sleep(0.1)
        assert seen[-1] == "un_sc_sanctions=2"
        assert response.json()["versions"][0]["version"] == 2
        # Until the new screener was ready, answers named the version they came from.
        assert set(seen) <= {"un_sc_sanctions=1", "un_sc_sanctions=2"}
    entries = [e for e in iter_audit(store) if e.action == "match"]
    assert entries[-1].versions[0]["version"] == 2
