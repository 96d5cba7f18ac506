"""The OpenAPI document says what the service does: every error in the one error body (a
string `detail`), JSONP where a route takes `callback`, POST /reconcile's manifest, the
configured limits, the ranges of ids and offsets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import small_served_store
from watchlist.service import create_app
from watchlist.service_settings import Settings
from watchlist.store.store import Store

ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    with small_served_store(tmp_path_factory, "api-openapi", "screen") as found:
        yield found


def document_of(store: Store) -> dict[str, Any]:
    with TestClient(create_app(store, warm=False)) as client:
        return client.get("/openapi.json").json()


@pytest.fixture(scope="module")
def document(served: tuple[Store, str]) -> dict[str, Any]:
    return document_of(served[0])


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_error_is_documented_as_the_error_body(document: dict[str, Any]) -> None:
    errors = 0
    for path, method, operation in operations(document):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")):
                errors += 1
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": ERROR_REF}}}, (method, path, code)
    assert errors > 50
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorResponse"]["properties"]["detail"]["type"] == "string"


def test_every_route_with_input_documents_its_422(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in operation["responses"], (method, path)


def test_a_validation_error_answers_a_string_detail_and_the_errors(
        served: tuple[Store, str]) -> None:
    store, key = served
    with TestClient(create_app(store, warm=False)) as client:
        body = client.get("/alerts/0", headers={"X-API-Key": key}).json()
    assert isinstance(body["detail"], str) and body["status"] == 422
    assert body["errors"][0]["loc"] == ["path", "alert_id"]


@pytest.mark.parametrize("path", ["/reconcile", "/reconcile/suggest/entity",
                                  "/reconcile/suggest/type", "/reconcile/suggest/property"])
def test_jsonp_is_documented_where_a_callback_is_taken(document: dict[str, Any],
                                                        path: str) -> None:
    operation = document["paths"][path]["get"]
    assert {"application/json", "application/javascript"} <= set(
        operation["responses"]["200"]["content"])
    callback = next(p for p in operation["parameters"] if p["name"] == "callback")
    assert callback["schema"]["maxLength"] == 100 and "pattern" in callback["schema"]
    assert "400" in operation["responses"]


def test_post_reconcile_documents_the_manifest_it_answers_without_queries(
        document: dict[str, Any], served: tuple[Store, str]) -> None:
    operation = document["paths"]["/reconcile"]["post"]
    answers = operation["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert {"$ref": "#/components/schemas/ReconcileManifest"} in answers
    assert set(operation["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "application/json"}
    with TestClient(create_app(served[0], warm=False)) as client:
        assert client.post("/reconcile").json()["versions"] == ["0.2"]


def test_the_document_states_the_configured_limits(served: tuple[Store, str]) -> None:
    settings = Settings(max_limit=40, max_batch=7)
    with TestClient(create_app(served[0], warm=False, settings=settings)) as client:
        document = client.get("/openapi.json").json()
    for path, method in (("/match", "post"), ("/search", "get")):
        limit = next(p for p in document["paths"][path][method]["parameters"]
                     if p["name"] == "limit")
        assert {"type": "integer", "minimum": 1, "maximum": 40} in limit["schema"]["anyOf"]
    queries = document["components"]["schemas"]["MatchRequest"]["properties"]["queries"]
    assert queries["maxProperties"] == 7


def test_ids_and_offsets_have_documented_ranges(document: dict[str, Any]) -> None:
    for path in ("/alerts/{alert_id}", "/alerts/{alert_id}/decision"):
        for operation in document["paths"][path].values():
            alert_id = next(p for p in operation["parameters"] if p["name"] == "alert_id")
            assert (alert_id["schema"]["minimum"], alert_id["schema"]["maximum"]) == (
                1, 2**63 - 1)
    listing = {p["name"]: p["schema"] for p in document["paths"]["/alerts"]["get"]["parameters"]}
    assert (listing["offset"]["minimum"], listing["offset"]["maximum"]) == (0, 1_000_000_000)
    assert (listing["limit"]["minimum"], listing["limit"]["maximum"]) == (1, 1000)


def test_a_wrong_method_is_answered_with_every_method_of_the_path(
        served: tuple[Store, str]) -> None:
    with TestClient(create_app(served[0], warm=False)) as client:
        for method, path, allowed in (("OPTIONS", "/reconcile", "GET, POST"),
                                      ("DELETE", "/alerts/5", "GET"), ("PUT", "/match", "POST")):
            answer = client.request(method, path)
            assert answer.status_code == 405 and answer.headers["Allow"] == allowed
            assert answer.json()["status"] == 405


def test_an_empty_scan_body_is_refused_not_found_clean(served: tuple[Store, str]) -> None:
    store, key = served
    with TestClient(create_app(store, warm=False)) as client:
        answer = client.post("/scan", headers={"X-API-Key": key})
    assert answer.status_code == 422 and "no text" in answer.json()["detail"]
    body = document_of(store)["paths"]["/scan"]["post"]["requestBody"]["content"]
    assert body["text/plain"]["schema"]["minLength"] == 1


def test_a_version_not_stored_is_not_found(served: tuple[Store, str]) -> None:
    store, key = served
    with TestClient(create_app(store, warm=False)) as client:
        for params in ({}, {"to": "99"}, {"from": "1999-01-01"}):
            answer = client.get("/diff/un_sc_sanctions", params=params,
                                headers={"X-API-Key": key})
            assert answer.status_code == 404, answer.text
        same = client.get("/diff/un_sc_sanctions", params={"from": "1", "to": "1"},
                          headers={"X-API-Key": key})
        assert same.status_code == 422


def test_as_of_is_exactly_the_date_the_document_says(served: tuple[Store, str],
                                                     document: dict[str, Any]) -> None:
    store, key = served
    as_of = next(p for p in document["paths"]["/sources"]["get"]["parameters"]
                 if p["name"] == "as_of")
    assert as_of["schema"]["format"] == "date"
    with TestClient(create_app(store, warm=False)) as client:
        for value in ("2025-02-01x", "20250201", "2025-02-30", "2025-W05-6"):
            answer = client.get("/sources", params={"as_of": value}, headers={"X-API-Key": key})
            assert answer.status_code == 422, value
        assert client.get("/sources", params={"as_of": "2025-02-01"},
                          headers={"X-API-Key": key}).status_code == 200


@pytest.mark.parametrize("path", ["/search", "/match"])
def test_a_blank_sources_value_is_refused_as_documented(served: tuple[Store, str],
                                                        document: dict[str, Any],
                                                        path: str) -> None:
    store, key = served
    method = "post" if path == "/match" else "get"
    sources = next(p for p in document["paths"][path][method]["parameters"]
                   if p["name"] == "sources")
    assert {"type": "array", "items": {"type": "string", "pattern": r"[^,\s]"}} in \
        sources["schema"]["anyOf"]
    query = {"q": "Ivan"} if method == "get" else {}
    body = {"queries": {"a": {"schema": "Person", "properties": {"name": ["Ivan"]}}}}
    with TestClient(create_app(store, warm=False)) as client:
        def ask(value: str) -> Any:
            return client.request(method, path, params={**query, "sources": value},
                                  headers={"X-API-Key": key},
                                  json=body if method == "post" else None)

        for blank in ("", " , "):
            answer = ask(blank)
            assert answer.status_code == 422 and "name a source" in answer.json()["detail"]
        assert ask("un_sc_sanctions,").status_code == 200
