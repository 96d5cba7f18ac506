"""Hostile request bodies: JSON nested thousands of levels deep answers 422 on every
endpoint that reads JSON (never a 500), and names or values too long to screen, or too
many of them, answer 422 naming the field and the limit, at once."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, small_served_store
from watchlist.fieldlimits import (
    MAX_NAME_CHARS,
    MAX_PROPERTIES,
    MAX_REQUEST_NAME_CHARS,
    MAX_VALUES,
)
from watchlist.jsondepth import MAX_DEPTH
from watchlist.screener import Screener
from watchlist.service import create_app

HUGE_NAME = "A" * 900_000


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    with small_served_store(tmp_path_factory, "api-input-limits") as (store, key):
        screener = Screener.open(store)
        app = create_app(store, screener_opener=lambda _store: screener)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client, key


def _refused(response: Any, *words: str) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422
    for word in words:
        assert word in body["detail"], body["detail"]
    return body["detail"]


def _json(client: TestClient, key: str, path: str, body: str | bytes) -> Any:
    return client.post(path, content=body, headers={"X-API-Key": key,
                                                    "Content-Type": "application/json"})


def _match(client: TestClient, key: str, properties: dict[str, Any], **example: Any) -> Any:
    return client.post("/match", headers={"X-API-Key": key}, json={"queries": {
        "q1": {"schema": "Person", "properties": properties, **example}}})


def _reconcile(client: TestClient, key: str, query: dict[str, Any]) -> Any:
    return client.post("/reconcile", headers={"X-API-Key": key},
                       data={"queries": json.dumps({"q0": query})})


DEEP = "[" * 100_000


@pytest.mark.parametrize(("path", "body"), [
    ("/match", DEEP),
    ("/match", '{"queries": {"q1": {"schema": "Person", "properties": {"name": '
     + "[" * 3000 + "}}}}"),
    ("/scan", '{"text": ' + DEEP + "}"),
    ("/scan/payment", '{"message": ' + DEEP + "}"),
    ("/reconcile", '{"queries": ' + DEEP + "}"),
    ("/updatez", DEEP),
])
def test_deep_json_bodies_answer_422_not_500(setup: tuple[TestClient, str], path: str,
                                             body: str) -> None:
    client, key = setup
    _refused(_json(client, key, path, body), "body", f"{MAX_DEPTH} levels")


def test_deep_reconcile_queries_answer_422_by_get_and_by_form(
        setup: tuple[TestClient, str]) -> None:
    client, key = setup
    deep = "[" * 3000
    _refused(client.get("/reconcile", params={"queries": deep}, headers={"X-API-Key": key}),
             "queries", f"{MAX_DEPTH} levels")
    _refused(client.post("/reconcile", data={"queries": deep}, headers={"X-API-Key": key}),
             "queries", f"{MAX_DEPTH} levels")
    wrapped = json.dumps({"queries": "[" * 100_000})  # JSON text inside a JSON string
    _refused(_json(client, key, "/reconcile", wrapped), "queries", f"{MAX_DEPTH} levels")


def test_json_nested_within_the_limit_is_read_as_usual(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    nested = "[" * (MAX_DEPTH - 3) + '"Ivan"' + "]" * (MAX_DEPTH - 3)
    response = _json(client, key, "/reconcile", '{"queries": {"q0": {"query": ' + nested
                     + "}}}")  # 400 levels in all: read, and refused for its shape only
    assert response.status_code == 400 and "a name is needed" in response.json()["detail"]
    good = json.dumps({"queries": {"q0": {"query": "Ivan", "properties": [
        {"pid": "country", "v": [{"id": "ru", "name": "Russia"}]}]}}})
    assert _json(client, key, "/reconcile", good).status_code == 200


@pytest.mark.parametrize("prop", ["name", "alias", "firstName"])
def test_a_900_kb_name_is_refused_at_once(setup: tuple[TestClient, str], prop: str) -> None:
    client, key = setup
    start = time.perf_counter()
    response = _match(client, key, {"name": "Ivan", prop: [HUGE_NAME]})
    assert time.perf_counter() - start < 2.0
    _refused(response, f"queries.q1.properties.{prop}", "900,000 characters",
             f"at most {MAX_NAME_CHARS}")


def test_names_up_to_the_limit_are_screened(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    response = _match(client, key, {"name": ["Ivan " * (MAX_NAME_CHARS // 5)]})
    assert response.status_code == 200, response.text


def test_too_many_values_of_a_property_are_refused(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    _refused(_match(client, key, {"name": ["Ivan Petrov"] * (MAX_VALUES + 1)}),
             "queries.q1.properties.name", f"{MAX_VALUES + 1} values", f"at most {MAX_VALUES}")
    _refused(_match(client, key, {"name": "Ivan", "nationality": ["ru"] * (MAX_VALUES + 1)}),
             "queries.q1.properties.nationality", f"at most {MAX_VALUES}")


def test_other_values_have_their_own_limits(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    _refused(_match(client, key, {"name": "Ivan", "idNumber": "9" * 201}),
             "queries.q1.properties.idNumber", "201 characters", "at most 200")
    _refused(_match(client, key, {"name": "Ivan"}, id="c" * 201), "queries.q1.id")
    long_schema = {"queries": {"q1": {"schema": "P" * 201, "properties": {"name": "Ivan"}}}}
    _refused(client.post("/match", headers={"X-API-Key": key}, json=long_schema),
             "queries.q1.schema", "201 characters")
    long_key = {"queries": {"k" * 201: {"schema": "Person", "properties": {"name": "Ivan"}}}}
    _refused(client.post("/match", headers={"X-API-Key": key}, json=long_key), "queries")
    # Free text is only echoed: as long as the longest real notes (3,333), not without end.
    assert _match(client, key, {"name": "Ivan", "notes": "n" * 3333}).status_code == 200
    _refused(_match(client, key, {"name": "Ivan", "notes": "n" * 5001}),
             "queries.q1.properties.notes", "at most 5,000")


def test_search_takes_a_name_up_to_the_limit(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    headers = {"X-API-Key": key}
    assert client.get("/search", params={"q": "I" * MAX_NAME_CHARS},
                      headers=headers).status_code == 200
    _refused(client.get("/search", params={"q": HUGE_NAME[:9000]}, headers=headers), "q")


def test_reconcile_limits_names_values_and_properties(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    start = time.perf_counter()
    _refused(_reconcile(client, key, {"query": HUGE_NAME}), "queries.q0.query",
             f"at most {MAX_NAME_CHARS}")
    assert time.perf_counter() - start < 2.0
    country = {"pid": "country", "v": "ru"}
    _refused(_reconcile(client, key, {"query": "Ivan",
                                      "properties": [country] * (MAX_PROPERTIES + 1)}),
             "queries.q0.properties", f"at most {MAX_PROPERTIES}")
    _refused(_reconcile(client, key, {"query": "Ivan", "properties": [
        {"pid": "country", "v": ["ru"] * (MAX_VALUES + 1)}]}), "queries.q0.properties[0].v",
        f"at most {MAX_VALUES}")
    _refused(_reconcile(client, key, {"query": "Ivan", "properties": [
        {"pid": "country", "v": ["ru"] * 150}, {"pid": "nationality", "v": ["ru"] * 60}]}),
        "queries.q0.properties", "210 values")
    assert _reconcile(client, key, {"query": "Ivan", "properties": [country]}
                      ).status_code == 200


def test_a_payment_party_named_at_length_is_a_422_naming_it(
        setup: tuple[TestClient, str]) -> None:
    client, key = setup
    xml = (FIXTURES / "payments" / "pacs008_v02_clean.xml").read_text(encoding="utf-8")
    xml = xml.replace("<Nm>Bakkerij de Gouden Korenschoof B.V.</Nm>",
                      f"<Nm>{HUGE_NAME}</Nm>", 1)
    start = time.perf_counter()
    response = client.post("/scan/payment", content=xml.encode(),
                           headers={"X-API-Key": key, "Content-Type": "application/xml"})
    assert time.perf_counter() - start < 2.0
    _refused(response, "Nm", "900,000 characters", f"at most {MAX_NAME_CHARS}")


def test_name_parts_may_not_add_up_to_a_name_too_long(setup: tuple[TestClient, str]) -> None:
    client, key = setup
    _refused(_match(client, key, {"firstName": ["Ivan " * 60], "lastName": ["Petrov " * 50]}),
             "queries.q1.properties: the name its parts make", f"at most {MAX_NAME_CHARS}")


def test_a_request_may_hold_only_so_many_characters_of_names(
        setup: tuple[TestClient, str]) -> None:
    client, key = setup
    per_query = MAX_REQUEST_NAME_CHARS // 50 // MAX_NAME_CHARS + 1  # names of 500 each
    queries = {f"q{i}": {"schema": "Person", "properties": {
        "name": [f"Ivan {i} {j} " + "x" * (MAX_NAME_CHARS - 12) for j in range(per_query)]}}
        for i in range(50)}
    start = time.perf_counter()
    response = client.post("/match", headers={"X-API-Key": key}, json={"queries": queries})
    assert time.perf_counter() - start < 2.0
    _refused(response, "queries:", "characters of names in one request",
             f"at most {MAX_REQUEST_NAME_CHARS:,}")


def test_match_bodies_deeper_than_its_parser_reads_answer_422_not_400(
        setup: tuple[TestClient, str]) -> None:
    client, key = setup
    body = ('{"queries": {"q1": {"schema": "Person", "properties": {"name": '
            + "[" * 300 + "]" * 300 + "}}}}")
    response = _json(client, key, "/match", body)
    assert response.status_code == 422, response.text
    assert "body" in response.json()["detail"]
