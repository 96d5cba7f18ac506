"""POST /match answers a party owned or controlled by a listed one as a hit on the basis of
ownership, with its share, rule and paths; listed hits say they are listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import FIXTURES, module_home
from watchlist.ownership.stored import import_file
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

OWNERS = """owner,owned,share,owner_id,as_of,source
,Zephyr Pearl Shipping Ltd,70,un-sc-sanctions-kpe.903,2024-02-01,port registry
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    with module_home(tmp_path_factory, "api-ownership") as home:
        store = Store()
        update_from_paths(store, [FIXTURES / "un_small_v1.xml"])
        path = home / "owners.csv"
        path.write_text(OWNERS, encoding="utf-8")
        import_file(store, path)
        screener = Screener.open(store)
        key = create_key(store, "matcher", "screen")[1]
        yield TestClient(create_app(store, screener_opener=lambda _store: screener)), key


def _match(client: TestClient, key: str, name: str, schema: str = "Company",
           **params: str) -> list[dict]:
    answer = client.post("/match", params=params, headers={"X-API-Key": key},
                         json={"queries": {"q": {"schema": schema,
                                                 "properties": {"name": [name]}}}})
    assert answer.status_code == 200, answer.text
    return answer.json()["responses"]["q"]["results"]


def test_match_reports_an_owned_party_with_its_share_rule_and_path(client):
    (result,) = _match(*client, "Zephyr Pearl Shipping")
    assert result["basis"] == "ownership" and result["caption"] == "Zephyr Pearl Shipping Ltd"
    found = result["ownership"]
    assert (found["share"], found["status"]) == (70.0, "blocked")
    assert found["rule"] in {"eu-ownership-control", "uk-ownership-control"}
    (path,) = found["paths"]
    assert [(e["owner"], e["share"], e["source"], e["as_of"]) for e in path] == [
        ("un-sc-sanctions-kpe.903", 70.0, "port registry", "2024-02-01")]


def test_a_person_is_never_a_hit_on_the_basis_of_ownership(client):
    assert _match(*client, "Zephyr Pearl Shipping", schema="Person") == []
    (result,) = _match(*client, "Zephyr Pearl Shipping", schema="LegalEntity")
    assert result["basis"] == "ownership"


def test_listed_hits_say_they_are_listed(client):
    results = _match(*client, "Example Trading Corporation")
    assert results and {r["basis"] for r in results} == {"listed"}


def test_a_source_filter_keeps_ownership_hits_of_rules_over_those_sources(client):
    assert _match(*client, "Zephyr Pearl Shipping", sources="un_sc_sanctions")


def test_the_datasets_and_a_partys_findings_and_tree(client):
    web, key = client
    listing = web.get("/ownership/datasets", headers={"X-API-Key": key}).json()
    assert [(d["dataset"], d["version"], d["serving"]) for d in listing["datasets"]] == [
        ("owners", 1, True)]
    body = web.get("/ownership/parties/name-zephyr-pearl-shipping-ltd",
                   headers={"X-API-Key": key}).json()
    assert [f["share"] for f in body["findings"]] and body["tree"]["status"] == "blocked"
    assert [o["id"] for o in body["tree"]["owners"]] == ["un-sc-sanctions-kpe.903"]
    missing = web.get("/ownership/parties/nobody", headers={"X-API-Key": key})
    assert missing.status_code == 404 and "no party 'nobody'" in missing.json()["detail"]
    assert web.get("/ownership/datasets").status_code == 401
