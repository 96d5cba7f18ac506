"""POST /scan/payment: raw or JSON-wrapped messages screened, malformed ones a 422 naming
the field, every screening in the audit log, list versions named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, module_home
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.audit import iter_audit, verify_audit
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

PAYMENTS = FIXTURES / "payments"
BELARUSKALI = "us-ofac-sdn-32746"
BELINVESTBANK = "us-ofac-sdn-34752"
HEADER = "X-Watchlist-Versions"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with module_home(tmp_path_factory, "api-payment") as path:
        yield path


@pytest.fixture(scope="module")
def store(home: Path) -> Store:
    store = Store()
    update_from_paths(store, [PAYMENTS / "ofac_belarus_csv"])
    return store


@pytest.fixture(scope="module")
def client(store: Store) -> Iterator[TestClient]:
    screener = Screener.open(store)
    with TestClient(create_app(store, screener_opener=lambda _store: screener)) as client:
        yield client


@pytest.fixture(scope="module")
def key(store: Store) -> str:
    return create_key(store, "payments", "screen")[1]


def post(client: TestClient, key: str | None, body: bytes | str | dict[str, Any],
         content_type: str = "text/plain", params: str = "") -> Any:
    headers = {"X-API-Key": key} if key else {}
    if isinstance(body, dict):
        return client.post(f"/scan/payment{params}", headers=headers, json=body)
    return client.post(f"/scan/payment{params}", headers={**headers,
                                                          "Content-Type": content_type},
                       content=body)


def hits_of(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    return [(h["field"], h["path"], h["entity_id"]) for m in response.json()["messages"]
            for h in m["hits"]]


def is_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and isinstance(body["detail"], str)
    return body["detail"]


def test_raw_mt103_is_screened_and_names_the_versions(client: TestClient, key: str) -> None:
    response = post(client, key, (PAYMENTS / "mt103_listed_beneficiary.fin").read_bytes())
    assert hits_of(response) == [("57A", "{4:}/:57A:", BELINVESTBANK),
                                 ("59", "{4:}/:59:", BELARUSKALI)]
    body = response.json()
    assert body["hit_count"] == 2 and body["matcher"]["threshold"] == 0.8
    assert [(v["source"], v["version"]) for v in body["versions"]] == [("us_ofac_sdn", 1)]
    assert response.headers[HEADER] == "us_ofac_sdn=1"
    message = body["messages"][0]
    assert message["message"]["reference"] == "PO-2024-0117"
    assert message["hits"][1]["role"] == "beneficiary customer"


def test_raw_pacs008_as_xml(client: TestClient, key: str) -> None:
    response = post(client, key, (PAYMENTS / "pacs008_v08_listed.xml").read_bytes(),
                    "application/xml")
    tx1 = "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"
    assert [h for h in hits_of(response) if h[0] != "RmtInf/Strd/AddtlRmtInf"] == [
        ("InstdAgt", f"{tx1}/InstdAgt", BELINVESTBANK),
        ("UltmtDbtr", f"{tx1}/UltmtDbtr", "us-ofac-sdn-9760"),
        ("CdtrAgt", f"{tx1}/CdtrAgt", BELINVESTBANK),
        ("Cdtr", f"{tx1}/Cdtr", BELARUSKALI)]
    assert response.json()["messages"][0]["message"]["end_to_end_ids"] == [
        "E2E-POTASH-2024-17", "E2E-SEEDS-2024-18"]


def test_json_wrapped_message_and_a_clean_payment(client: TestClient, key: str) -> None:
    text = (PAYMENTS / "pacs008_v02_clean.xml").read_text()
    response = post(client, key, {"message": text, "format": "pacs008"})
    assert hits_of(response) == []
    assert response.json()["messages"][0]["message"]["reference"] == "SEPA-20240410-7781"
    assert response.json()["hit_count"] == 0


def test_several_mt_messages_in_one_body(client: TestClient, key: str) -> None:
    one = (PAYMENTS / "mt103_clean.fin").read_text()
    two = (PAYMENTS / "mt103_listed_beneficiary.fin").read_text()
    response = post(client, key, one + "$\r\n" + two)
    assert [m["message"]["reference"] for m in response.json()["messages"]] == [
        "NL-2024-00981", "PO-2024-0117"]
    assert [m["hit_count"] for m in response.json()["messages"]] == [0, 2]


def test_each_message_is_in_the_audit_log(client: TestClient, key: str, store: Store) -> None:
    before = len(list(iter_audit(store)))
    post(client, key, (PAYMENTS / "mt103_listed_beneficiary.fin").read_bytes())
    entries = list(iter_audit(store))[before:]
    assert [(e.action, e.query["reference"]) for e in entries] == [
        ("scan-payment", "PO-2024-0117")]
    assert entries[0].actor.startswith("key:") and entries[0].actor.endswith(":payments")
    assert [(h["where"]["field"], h["listed"]["entity_id"]) for h in entries[0].hits] == [
        ("57A", BELINVESTBANK), ("59", BELARUSKALI)]
    assert verify_audit(store).ok


@pytest.mark.parametrize("body, content_type, needle", [
    ((PAYMENTS / "mt103_batch.fin").read_text(), "text/plain",
     "request message 2: field 32A: amount '12,,5' is not a SWIFT amount"),
    ((PAYMENTS / "pacs008_v08_listed.xml").read_text().replace(
        "<Ctry>BY</Ctry>", "<Ctry>Belarus</Ctry>"), "application/xml",
     "request: field CdtTrfTxInf[1]/Cdtr/PstlAdr/Ctry: 'Belarus' is not an ISO country"),
    ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
     "application/xml", "request: declares a DOCTYPE"),
    ("Dear team, please pay Belaruskali", "text/plain", "is neither an MT103"),
    ((PAYMENTS / "mt103_clean.fin").read_text().replace(":70:", ":70:Café ", 1)
     .encode("cp1252"), "text/plain", "request: not valid UTF-8 text: cannot decode byte 0xe9"),
    ("{1:F01COBADEFFAXXX0000000000}{2:I202RZBAATWWXXXXN}{4:\r\n:20:X\r\n-}", "text/plain",
     "field block 2: the message is an MT202, not an MT103"),
    ("<Document><FIToFICstmrCdtTrf><GrpHdr><MsgId>1</MsgId>", "application/xml",
     "is not well-formed XML"),
])
def test_malformed_messages_are_422_naming_the_field(client: TestClient, key: str,
                                                     store: Store, body: str | bytes,
                                                     content_type: str, needle: str) -> None:
    before = len(list(iter_audit(store)))
    response = post(client, key, body, content_type)
    assert needle in is_error(response, 422)
    assert response.json()["errors"][0]["problem"] in response.json()["detail"]
    assert len(list(iter_audit(store))) == before  # nothing screened, nothing logged


def test_json_format_mismatch_and_bad_bodies(client: TestClient, key: str) -> None:
    text = (PAYMENTS / "pacs008_v02_clean.xml").read_text()
    assert "is not an MT103" in is_error(post(client, key, {"message": text,
                                                            "format": "mt103"}), 422)
    assert "format" in is_error(post(client, key, {"message": text, "format": "mt940"}), 422)
    assert "message" in is_error(post(client, key, {"text": text}), 422)
    assert "malformed JSON" in is_error(post(client, key, b"{not json", "application/json"),
                                        400)
    assert "no message" in is_error(post(client, key, b"  ", "text/plain"), 422)
    assert "not accepted" in is_error(post(client, key, b"x", "image/png"), 415)
    assert "is not an MT103" in is_error(post(client, key, text, "text/plain",
                                              "?format=mt103"), 422)


def test_a_key_is_needed(client: TestClient) -> None:
    response = post(client, None, (PAYMENTS / "mt103_clean.fin").read_bytes())
    assert response.status_code == 401


def test_the_endpoint_is_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/scan/payment"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/plain",
                                                        "application/xml"}
    assert {"200", "401", "415", "422"} <= set(operation["responses"])


def test_fuzzed_requests_never_fail_the_server(client: TestClient, key: str) -> None:
    """Whatever body and parameters a client sends, the answer is a documented status
    with the documented shape, never a 5xx."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation.modes import GenerationMode
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operation = next(op for op in (r.ok() for r in schema.get_all_operations())
                     if op.path == "/scan/payment")
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: Any) -> None:
            case.call_and_validate(headers={"X-API-Key": key}, checks=checks)

        check()
