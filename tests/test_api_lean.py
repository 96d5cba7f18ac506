"""POST /match's lean route answers exactly as FastAPI's own request handling would.

The same endpoint is mounted a second time as a plain FastAPI route (which validates the
response against MatchResponse); every request, good or bad, gets the same answer from both.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from conftest import small_served_store
from watchlist.api import lean
from watchlist.api.models import MatchResponse
from watchlist.api.routers import match as match_router
from watchlist.screener import Screener
from watchlist.service import create_app

GOOD = {"queries": {"q1": {"schema": "Person", "properties": {
    "name": ["Ivan Testovsky"], "birthDate": ["1961-07-14"], "nationality": ["kp"]}},
    "q2": {"schema": "Company", "properties": {"name": "Testovsky Trading"}},
    "q3": {"schema": "Thing", "id": "c-3", "properties": {"name": ["nobody at all"]}}}}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    with small_served_store(tmp_path_factory, "api-lean") as (store, key):
        screener = Screener.open(store)
        app = create_app(store, screener_opener=lambda _store: screener)
        app.add_api_route("/match-reference", match_router.match, methods=["POST"],
                          response_model=MatchResponse)
        with TestClient(app) as client:
            yield client, key


def both(client: TestClient, params: str = "", **request: Any) -> tuple[Any, Any]:
    lean = client.post(f"/match{params}", **request)
    plain = client.post(f"/match-reference{params}", **request)
    return lean, plain


def same(lean: Any, plain: Any) -> Any:
    assert lean.status_code == plain.status_code, (lean.text, plain.text)
    assert lean.json() == plain.json()
    assert lean.headers["content-type"] == plain.headers["content-type"]
    assert lean.headers["x-watchlist-versions"] == plain.headers["x-watchlist-versions"]
    return lean.json()


@pytest.mark.parametrize("params", [
    "", "?threshold=0.3&limit=2", "?sources=un_sc_sanctions", "?sources=un_sc_sanctions,"
    "&sources=un_sc_sanctions", "?threshold=0", "?unknown=1"])
def test_lean_match_answers_as_fastapi_would(setup: tuple[TestClient, str],
                                             params: str) -> None:
    client, key = setup
    body = same(*both(client, params, headers={"X-API-Key": key}, json=GOOD))
    assert body["responses"]["q1"]["results"], "the listed person was found"
    assert body["responses"]["q3"]["query"]["id"] == "c-3"


@pytest.mark.parametrize("params,content,content_type", [
    ("?threshold=2", GOOD, "application/json"),
    ("?threshold=abc&limit=0", GOOD, "application/json"),
    ("?limit=abc", {"queries": {}}, "application/json"),
    ("?limit=100000", GOOD, "application/json"),
    ("?sources=nowhere", GOOD, "application/json"),
    ("", None, "application/json"),
    ("", [1, 2], "application/json"),
    ("", {"query": {}}, "application/json"),
    ("", {"queries": {}}, "application/json"),
    ("", {"queries": {"a": {"schema": "Banana", "properties": {"name": ["x"]}}}},
     "application/json"),
    ("", {"queries": {"a": {"schema": "Person", "properties": {"colour": ["red"]}}}},
     "application/json"),
    ("", {"queries": {"a": {"schema": "Person", "properties": {"name": [1]}}}},
     "application/json"),
    ("", {"queries": {"a": {"properties": {"name": ["x"]}}}}, "application/json"),
    ("", GOOD, "text/plain"),
    ("", GOOD, None),
    ("", GOOD, "application/vnd.api+json; charset=utf-8"),
])
def test_lean_match_refuses_as_fastapi_would(setup: tuple[TestClient, str], params: str,
                                             content: Any, content_type: str | None) -> None:
    client, key = setup
    headers = {"X-API-Key": key}
    if content_type:
        headers["Content-Type"] = content_type
    raw = b"" if content is None else json.dumps(content).encode()
    same(*both(client, params, headers=headers, content=raw))


@pytest.mark.parametrize("params", ["", "?threshold=2"])
def test_lean_match_says_malformed_json_as_fastapi_does(setup: tuple[TestClient, str],
                                                        params: str) -> None:
    client, key = setup
    lean, plain = both(client, params,
                       headers={"X-API-Key": key, "Content-Type": "application/json"},
                       content=b'{"queries": {"q1": ')
    assert lean.status_code == plain.status_code == 400
    assert lean.json()["detail"].startswith("malformed JSON in the request body: ")


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"},
                                     {"Authorization": "ApiKey wrong"}])
def test_lean_match_needs_a_key_as_fastapi_does(setup: tuple[TestClient, str],
                                                headers: dict[str, str]) -> None:
    client, _key = setup
    lean, plain = both(client, headers=headers, json=GOOD)
    assert lean.status_code == 401
    same(lean, plain)
    assert lean.headers["www-authenticate"] == plain.headers["www-authenticate"]


def test_match_is_served_by_the_lean_route(setup: tuple[TestClient, str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    client, key = setup
    encoded: list[Any] = []

    def dumps(value: Any) -> bytes:
        encoded.append(value)
        return orjson.dumps(value)

    monkeypatch.setattr(lean, "orjson", SimpleNamespace(dumps=dumps, loads=orjson.loads,
                                                        JSONDecodeError=orjson.JSONDecodeError))
    client.post("/match-reference", headers={"X-API-Key": key}, json=GOOD)
    assert encoded == []
    client.post("/match", headers={"X-API-Key": key}, json=GOOD)
    assert len(encoded) == 1 and set(encoded[0]["responses"]) == {"q1", "q2", "q3"}
