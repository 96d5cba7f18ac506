"""/reconcile: the W3C Reconciliation Service API 0.2 (OpenRefine), its keys and audit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
PERSON = "un-sc-sanctions-kpi.901"
COMPANY = "un-sc-sanctions-kpe.903"
AMINA = "un-sc-sanctions-qdi.902"
HEADER = "X-Watchlist-Versions"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with module_home(tmp_path_factory, "api-reconcile") as path:
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
def keys(store: Store) -> dict[str, str]:
    return {"screen": create_key(store, "refine", "screen")[1],
            "admin": create_key(store, "boss", "admin")[1]}


def make_client(store: Store, screener: Screener, **options: Any) -> TestClient:
    return TestClient(create_app(store, screener_opener=lambda _store: screener, **options))


@pytest.fixture(scope="module")
def client(store: Store, screener: Screener) -> Iterator[TestClient]:
    with make_client(store, screener) as client:
        yield client


@pytest.fixture(scope="module")
def open_client(store: Store, screener: Screener) -> Iterator[TestClient]:
    with make_client(store, screener, auth=False) as client:
        yield client


def is_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and isinstance(body["detail"], str)
    return body["detail"]


def post(client: TestClient, queries: Any, key: str | None = None) -> Any:
    raw = queries if isinstance(queries, str) else json.dumps(queries)
    params = {"api_key": key} if key else None
    return client.post("/reconcile", data={"queries": raw}, params=params)


BATCH = {
    "q0": {"query": "Ivan Petrovich Testovsky", "type": "Person", "limit": 3},
    "q1": {"query": "Example Trading Corporation", "type": "Organization"},
    "q2": {"query": "Nobody Known Atall", "type": "Person"},
    "q3": {"query": "Amina Examplar"},
}


def test_manifest_is_open_and_shaped_as_the_spec_says(client: TestClient) -> None:
    response = client.get("/reconcile")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["versions"] == ["0.2"]
    assert body["name"] and body["identifierSpace"].endswith("/entities/")
    assert body["schemaSpace"].startswith("http")
    types = {t["id"]: t["name"] for t in body["defaultTypes"]}
    assert {"Person", "Organization", "Company", "Vessel", "Thing"} <= set(types)
    assert body["view"]["url"] == "http://testserver/entities/{{id}}"
    assert "{{id}}" in body["preview"]["url"]
    for kind in ("entity", "type", "property"):
        service = body["suggest"][kind]
        assert service["service_url"] == "http://testserver"
        assert service["service_path"] == f"/reconcile/suggest/{kind}"
    assert "api_key" not in json.dumps(body)
    assert client.post("/reconcile").json()["versions"] == ["0.2"]  # POST without queries


def test_manifest_fetched_with_a_key_passes_it_on(client: TestClient,
                                                  keys: dict[str, str]) -> None:
    body = client.get("/reconcile", params={"api_key": keys["screen"]}).json()
    assert body["suggest"]["entity"]["service_path"] == (
        f"/reconcile/suggest/entity?api_key={keys['screen']}")
    assert body["preview"]["url"].endswith(f"&api_key={keys['screen']}")
    # An unknown key is not echoed.
    assert "api_key" not in json.dumps(client.get("/reconcile?api_key=nope").json())


def test_batch_answered_as_the_spec_says(client: TestClient, keys: dict[str, str]) -> None:
    response = post(client, BATCH, keys["screen"])
    assert response.status_code == 200, response.text
    assert response.headers[HEADER] == "un_sc_sanctions=1"
    body = response.json()
    assert set(body) == set(BATCH)
    [ivan] = body["q0"]["result"]
    assert ivan["id"] == PERSON and ivan["name"] == "IVAN PETROVICH TESTOVSKY"
    assert ivan["type"] == [{"id": "Person", "name": "Person"}]
    assert 0 <= ivan["score"] <= 100 and ivan["score"] >= 90 and ivan["match"] is True
    assert "KPi.901" in ivan["description"]
    assert [r["id"] for r in body["q1"]["result"]] == [COMPANY]
    assert body["q1"]["result"][0]["match"] is True
    assert body["q2"] == {"result": []}
    assert [r["id"] for r in body["q3"]["result"]] == [AMINA]
    for answer in body.values():
        for result in answer["result"]:
            assert {"id", "name", "type", "score", "match"} <= set(result)


def test_get_with_queries_and_a_header_key(client: TestClient, keys: dict[str, str]) -> None:
    response = client.get("/reconcile", params={"queries": json.dumps(BATCH)},
                          headers={"X-API-Key": keys["screen"]})
    assert response.status_code == 200, response.text
    assert response.json()["q0"]["result"][0]["id"] == PERSON


def test_json_body_is_accepted_too(client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/reconcile", json={"queries": {"a": {"query": "Amina Examplar"}}},
                           headers={"Authorization": f"ApiKey {keys['screen']}"})
    assert response.status_code == 200, response.text
    assert response.json()["a"]["result"][0]["id"] == AMINA


def test_properties_are_used(open_client: TestClient) -> None:
    def score(*props: dict[str, Any]) -> float:
        body = post(open_client, {"q": {"query": "Ivan Testovsky", "type": "Person",
                                        "properties": list(props)}}).json()
        results = body["q"]["result"]
        return results[0]["score"] if results else 0.0

    plain = score()
    assert score({"pid": "birthDate", "v": "1961-07-14"}) > plain
    assert score({"pid": "idNumber", "v": "P0000001"}) >= plain
    assert score({"pid": "birthDate", "v": "1990-01-01"}) < score(
        {"pid": "birthDate", "v": "1961"})
    # Values as OpenRefine may send them: numbers, reconciled cells, lists.
    assert score({"pid": "birthDate", "v": 1961}) == score({"pid": "birthDate", "v": "1961"})
    assert score({"pid": "nationality", "v": {"id": "kp", "name": "kp"}}) >= plain
    assert score({"pid": "country", "v": ["kp"]}) >= plain


def test_type_filters_and_limit(open_client: TestClient) -> None:
    body = post(open_client, {
        "as_company": {"query": "Ivan Petrovich Testovsky", "type": "Company"},
        "any": {"query": "Example", "type": ["Person", "Organization"]},
        "one": {"query": "Example", "limit": 1},
    }).json()
    assert body["as_company"]["result"] == []
    assert len(body["one"]["result"]) <= 1


@pytest.mark.parametrize("queries,status,needle", [
    ('{"q0": {"query": ', 400, "malformed JSON"),
    ("[1, 2]", 400, "JSON object"),
    ("{}", 400, "JSON object"),
    ('{"q0": "Ivan"}', 400, "query object"),
    ('{"q0": {"type": "Person"}}', 400, "q0.query"),
    ('{"q0": {"query": "x", "type": "Banana"}}', 400, "unknown type 'Banana'"),
    ('{"q0": {"query": "x", "limit": -1}}', 400, "q0.limit"),
    ('{"q0": {"query": "x", "properties": [{"pid": "shoeSize", "v": "44"}]}}', 400,
     "unknown property 'shoeSize'"),
    ('{"q0": {"query": "x", "properties": {"pid": "birthDate"}}}', 400, "properties"),
    ('{"q0": {"query": "x", "properties": [{"pid": "birthDate", "v": "someday"}]}}', 422,
     "q0"),
    ('{"q0": {"query": "x", "properties": [{"pid": "birthDate", "v": "1952-13-45"}]}}', 422,
     "impossible birth date '1952-13-45'"),
])
def test_bad_queries_are_json_errors(open_client: TestClient, queries: str, status: int,
                                     needle: str) -> None:
    assert needle in is_error(post(open_client, queries), status)
    # GET answers the same, never as JSONP.
    response = open_client.get("/reconcile", params={"queries": queries, "callback": "cb"})
    assert needle in is_error(response, status)


def test_batch_limit(store: Store, screener: Screener) -> None:
    with make_client(store, screener, auth=False, settings=Settings(max_batch=2)) as client:
        three = {f"q{i}": {"query": "Amina Examplar"} for i in range(3)}
        assert "at most 2" in is_error(post(client, three), 422)


def test_jsonp(open_client: TestClient) -> None:
    response = open_client.get("/reconcile", params={
        "queries": json.dumps({"a": {"query": "Amina Examplar"}}), "callback": "jQuery_123"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    text = response.text
    assert text.startswith("/**/jQuery_123(") and text.endswith(");")
    body = json.loads(text[len("/**/jQuery_123("):-2])
    assert body["a"]["result"][0]["id"] == AMINA
    manifest = open_client.get("/reconcile?callback=cb").text
    assert manifest.startswith("/**/cb(") and '"versions"' in manifest
    assert open_client.get("/reconcile/suggest/type?prefix=ve&callback=cb").text.startswith(
        "/**/cb(")
    assert "callback" in is_error(open_client.get("/reconcile?callback=alert(1)"), 400)


def test_suggest_entity(client: TestClient, keys: dict[str, str]) -> None:
    response = client.get("/reconcile/suggest/entity",
                          params={"prefix": "testov", "api_key": keys["screen"]})
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result[0] == {"id": PERSON, "name": "IVAN PETROVICH TESTOVSKY",
                         "description": "Person"}
    by_start = client.get("/reconcile/suggest/entity",
                          params={"prefix": "EXAMPLE TR", "api_key": keys["screen"]}).json()
    assert by_start["result"][0]["id"] == COMPANY
    none = client.get("/reconcile/suggest/entity",
                      params={"prefix": "zzzzqqq", "api_key": keys["screen"]}).json()
    assert none == {"result": []}
    is_error(client.get("/reconcile/suggest/entity", params={"prefix": "testov"}), 401)


def test_suggest_type_and_property_are_open(client: TestClient) -> None:
    types = client.get("/reconcile/suggest/type", params={"prefix": "pe"}).json()["result"]
    assert [t["id"] for t in types] == ["Person"]
    every = client.get("/reconcile/suggest/type").json()["result"]
    assert {"Person", "Organization", "Company", "Vessel"} <= {t["id"] for t in every}
    props = client.get("/reconcile/suggest/property").json()["result"]
    assert {p["id"] for p in props} == {"birthDate", "nationality", "country", "idNumber",
                                        "passportNumber", "registrationNumber"}
    birth = client.get("/reconcile/suggest/property", params={"prefix": "birth"}).json()
    assert [p["id"] for p in birth["result"]] == ["birthDate"]
    assert all({"id", "name"} <= set(p) for p in props)


def test_preview(client: TestClient, keys: dict[str, str]) -> None:
    response = client.get("/reconcile/preview", params={"id": PERSON,
                                                         "api_key": keys["screen"]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "IVAN PETROVICH TESTOVSKY" in response.text and "KPi.901" in response.text
    is_error(client.get("/reconcile/preview", params={"id": "nope",
                                                      "api_key": keys["screen"]}), 404)
    is_error(client.get("/reconcile/preview", params={"id": PERSON}), 401)
    escaped = client.get("/reconcile/preview", params={"id": "<script>",
                                                       "api_key": keys["screen"]})
    assert escaped.status_code == 404  # a JSON error, never HTML echoing the id
    assert escaped.headers["content-type"].startswith("application/json")


def test_auth_rules(client: TestClient, keys: dict[str, str]) -> None:
    # Queries need a key: none, unknown, or a wrong header scheme is 401.
    is_error(post(client, BATCH), 401)
    is_error(post(client, BATCH, "not-a-key"), 401)
    is_error(client.get("/reconcile", params={"queries": json.dumps(BATCH)}), 401)
    is_error(client.post("/reconcile", data={"queries": json.dumps(BATCH)},
                         headers={"Authorization": f"Bearer {keys['screen']}"}), 401)
    # The key works as a query parameter, a header, and for admin keys too.
    assert post(client, BATCH, keys["screen"]).status_code == 200
    assert post(client, BATCH, keys["admin"]).status_code == 200
    # ?api_key= works on /reconcile routes only.
    is_error(client.get(f"/entities/{PERSON}", params={"api_key": keys["screen"]}), 401)
    is_error(client.post("/match", params={"api_key": keys["screen"]}, json={
        "queries": {"q": {"schema": "Person", "properties": {"name": ["x"]}}}}), 401)


def test_without_auth_everything_is_open(open_client: TestClient) -> None:
    assert post(open_client, BATCH).status_code == 200
    assert open_client.get("/reconcile/suggest/entity?prefix=amina").status_code == 200
    assert open_client.get(f"/reconcile/preview?id={PERSON}").status_code == 200


def test_every_reconcile_query_is_audited(client: TestClient, store: Store,
                                          keys: dict[str, str]) -> None:
    before = len(list(iter_audit(store)))
    post(client, {"a": {"query": "Ivan Petrovich Testovsky", "type": "Person",
                        "properties": [{"pid": "birthDate", "v": "1961"}]},
                  "b": {"query": "Nobody Known Atall"}}, keys["screen"])
    entries = list(iter_audit(store))[before:]
    assert [(e.action, e.query["key"]) for e in entries] == [("reconcile", "a"),
                                                             ("reconcile", "b")]
    a, b = entries
    assert a.actor.startswith("key:") and a.actor.endswith(":refine")
    assert a.query["query"] == "Ivan Petrovich Testovsky" and a.query["type"] == "Person"
    assert a.query["properties"] == [{"pid": "birthDate", "v": ["1961"]}]
    assert a.query["limit"] == 5 and a.query["threshold"] > 0
    assert [(v["source"], v["version"]) for v in a.versions] == [("un_sc_sanctions", 1)]
    assert [h["id"] for h in a.hits] == [PERSON] and a.hits[0]["match"] is True
    assert b.hits == []
    assert verify_audit(store).ok
