"""The whole profile of a party (every list record linked to it) from `watchlist show` and
`GET /entities/{id}`, whichever of its record ids (or its profile id) is asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app
from watchlist.service import create_app
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths
from webstore import LUKASHENKO, SEMA_LUKASHENKO, World, web_world

runner = CliRunner()
SOURCES = {"us_ofac_sdn", "ca_dfatd_sema_sanctions", "au_dfat_sanctions"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from web_world(tmp_path_factory, "show-profile")


def show(*args: str) -> str:
    result = runner.invoke(app, ["show", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_show_of_any_record_of_a_profile_shows_every_record_and_designation(world: tuple
                                                                            ) -> None:
    for record_id in (LUKASHENKO, SEMA_LUKASHENKO):
        body = json.loads(show(record_id, "--json"))
        assert body["id"] == record_id
        assert {r["source"] for r in body["records"]} == SOURCES
        assert {d["source"] for d in body["designations"]} == SOURCES
        assert body["links"] and all(link["rule"] for link in body["links"])
        sema = next(r for r in body["records"] if r["source"] == "ca_dfatd_sema_sanctions")
        [designation] = sema["designations"]
        assert designation["regime"] and designation["listing_date"]
        assert any("1954-08-30" in r["facts"].get("birthDate", []) for r in body["records"])
    text = show(SEMA_LUKASHENKO)
    assert "Linked record" in text and LUKASHENKO in text and "Link " in text
    assert text.count("Designation") >= 3


def test_show_accepts_the_profile_id(world: tuple) -> None:
    profile_id = json.loads(show(LUKASHENKO, "--json"))["profile_id"]
    body = json.loads(show(profile_id, "--json"))
    assert body["profile_id"] == profile_id
    assert {r["source"] for r in body["records"]} == SOURCES


def test_show_writes_an_address_as_its_text_never_its_id(home: Path) -> None:
    update_from_paths(Store(), [FIXTURES / "un_small_v1.xml"])
    text = show("un-sc-sanctions-kpi.901")
    assert "-addr-" not in text and "Pyongyang" in text
    assert text.count("Pyongyang") == 1  # given as text and as an address entity: one row
    body = json.loads(show("un-sc-sanctions-kpi.901", "--json"))
    assert not any("-addr-" in v for v in body["properties"]["addressEntity"])
    [record] = body["records"]
    assert any("Pyongyang" in a for a in record["facts"]["addresses"])


def test_entities_merges_the_records_of_a_profile_as_yente_does(world: tuple) -> None:
    store, _screener, keys = world
    with TestClient(create_app(store, warm=False)) as client:
        answers = [client.get(f"/entities/{i}", headers={"X-API-Key": keys["screen"]})
                   for i in (LUKASHENKO, SEMA_LUKASHENKO)]
        assert [a.status_code for a in answers] == [200, 200]
        one, other = (a.json() for a in answers)
        assert one["id"] == other["id"] == one["profile_id"]
        assert set(one["datasets"]) == SOURCES
        assert {LUKASHENKO, SEMA_LUKASHENKO} <= set(one["referents"])
        assert {r["source"] for r in one["records"]} == SOURCES
        assert {d["id"] for d in one["designations"]} == {
            d["id"] for r in one["records"] for d in r["designations"]}
        assert len({d["id"] for d in one["designations"]}) >= 3
        assert one["links"]
        names = set(one["properties"]["name"])
        assert {n for r in one["records"] for n in r["properties"]["name"]} == names
        by_profile = client.get(f"/entities/{one['profile_id']}",
                                headers={"X-API-Key": keys["screen"]})
        assert by_profile.status_code == 200
        assert set(by_profile.json()["referents"]) == set(one["referents"])


def test_the_reconciliation_preview_shows_the_whole_profile(world: tuple) -> None:
    store, _screener, keys = world
    with TestClient(create_app(store, warm=False)) as client:
        page = client.get("/reconcile/preview", params={"id": SEMA_LUKASHENKO,
                                                         "api_key": keys["screen"]})
        assert page.status_code == 200
        assert "3 list records, one party" in page.text
        assert LUKASHENKO in page.text and "name+birth_date" in page.text
        assert "1954-08-30" in page.text and "by" in page.text.split("countries", 1)[1]
