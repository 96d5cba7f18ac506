"""`watchlist ownership import|datasets|show` and `check` reporting a party owned by a
listed one, against a store holding the small OFAC fixture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import module_home
from watchlist.cli import app
from watchlist.screener import Screener
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
OWNERS = """owner,owned,share,as_of,source
Banco Nacional de Cuba,Caribe Holdings SA,55,2024-03-31,annual report 2023
Caribe Holdings SA,Blue River Trading Ltd,60,2024-05-01,registry extract
Someone Else,Green Field Ltd,45,,
"""
TRIAL = """owner,owned,share
Northern Lights Ltd,Southern Star Ltd,30
Eastern Sun Ltd,Southern Star Ltd,25
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store holding the small OFAC fixture with its index built, and the owners' CSV."""
    with module_home(tmp_path_factory, "ownership-cli") as home:
        assert update_from_paths(Store(), [FIXTURES / "ofac_sdn_small.xml"]).ok
        Screener.open()  # builds the index once
        path = home / "owners.csv"
        path.write_text(OWNERS, encoding="utf-8")
        assert runner.invoke(app, ["ownership", "import", str(path)]).exit_code == 0
        yield home


@pytest.fixture
def store(served: Path, tmp_path: Path) -> Path:
    """A file of relations of a dataset of its own (`trial`), to import in a test."""
    path = tmp_path / "trial.csv"
    path.write_text(TRIAL, encoding="utf-8")
    return path


def _datasets(name: str) -> list[dict[str, Any]]:
    listing = json.loads(runner.invoke(app, ["ownership", "datasets", "--json"]).stdout)
    return [d for d in listing if d["dataset"] == name]


def test_import_stores_versions_and_the_same_file_changes_nothing(store: Path):
    first = runner.invoke(app, ["ownership", "import", str(store), "--dataset", "versions"])
    assert first.exit_code == 0, first.output
    assert "Imported 2 relations (ownership-csv)" in first.output and "version 1" in first.output
    again = runner.invoke(app, ["ownership", "import", str(store), "--dataset", "versions"])
    assert "unchanged" in again.output
    store.write_text(TRIAL.replace(",25", ",20"), encoding="utf-8")
    second = runner.invoke(app, ["ownership", "import", str(store), "--dataset", "versions",
                                 "--json"])
    assert json.loads(second.stdout)["version"] == 2
    assert [(d["version"], d["serving"]) for d in _datasets("versions")] == [
        (1, False), (2, True)]


def test_a_bad_file_is_refused_and_the_last_good_version_keeps_serving(store: Path):
    assert runner.invoke(app, ["ownership", "import", str(store)]).exit_code == 0
    store.write_text(TRIAL + "X,Y,lots\n", encoding="utf-8")
    bad = runner.invoke(app, ["ownership", "import", str(store)])
    assert bad.exit_code == 2
    assert "line 4: field 'share'" in bad.output and "Traceback" not in bad.output
    assert [(d["version"], d["relations"], d["serving"]) for d in _datasets("trial")] == [
        (1, 2, True)]


def test_check_reports_a_party_owned_by_a_listed_one_with_its_path(served: Path):
    result = runner.invoke(app, ["check", "Caribe Holdings", "--json"])
    assert result.exit_code == 0, result.output
    (match,) = json.loads(result.stdout)["matches"]
    assert match["basis"] == "ownership" and match["caption"] == "Caribe Holdings SA"
    found = match["ownership"]
    assert (found["share"], found["rule"], found["status"]) == (55.0, "us-ofac-50", "blocked")
    (path,) = found["paths"]
    assert [(e["owner_name"], e["owner_listed"], e["share"], e["source"], e["as_of"])
            for e in path] == [("BANCO NACIONAL DE CUBA", True, 55.0, "annual report 2023",
                                "2024-03-31")]
    assert "owns 55% of Caribe Holdings SA" in found["explanation"]
    misspelt = json.loads(runner.invoke(app, ["check", "Caribe Holdngs", "--json"]).stdout)
    assert [m["entity_id"] for m in misspelt["matches"]] == [match["entity_id"]]
    text = runner.invoke(app, ["check", "Blue River Trading"]).output
    assert "blocked by ownership under us-ofac-50" in text
    assert "which owns 60% of Blue River Trading Ltd" in text


def test_check_does_not_report_a_minority_holding(served: Path):
    result = runner.invoke(app, ["check", "Green Field", "--json"])
    assert json.loads(result.stdout)["matches"] == []


def test_show_gives_owners_and_holdings(served: Path):
    shown = json.loads(runner.invoke(app, ["ownership", "show", "Caribe Holdings SA",
                                           "--json"]).stdout)
    (item,) = shown
    assert item["tree"]["status"] == "blocked"
    assert [o["name"] for o in item["tree"]["owners"]] == ["BANCO NACIONAL DE CUBA"]
    assert [h["name"] for h in item["tree"]["holdings"]] == ["Blue River Trading Ltd"]
    missing = runner.invoke(app, ["ownership", "show", "Nobody At All"])
    assert missing.exit_code == 2 and "no party 'Nobody At All'" in missing.output


def test_monitoring_alerts_on_an_owned_customer_and_closes_when_the_share_falls(
        served: Path, tmp_path: Path):
    from watchlist.monitor.alerts import list_alerts
    from watchlist.monitor.portfolio import import_book
    from watchlist.monitor.run import run_monitor

    store = Store()
    owners = tmp_path / "orchid.csv"
    owners.write_text("owner,owned,share\nBanco Nacional de Cuba,Orchid Trading SA,70\n",
                      encoding="utf-8")
    runner.invoke(app, ["ownership", "import", str(owners)])
    book = tmp_path / "book.csv"
    book.write_text("id,name\nK-1,Orchid Trading SA\n", encoding="utf-8")
    assert import_book(store, book).imported
    run_monitor(store, Screener.open(store), full=True)
    alerts, _total = list_alerts(store, customer="K-1")
    assert [(a["status"], a["entity_ids"]) for a in alerts] == [
        ("new", ["name-orchid-trading-sa"])]
    run_monitor(store, Screener.open(store), full=True)
    assert [a["status"] for a in list_alerts(store, customer="K-1")[0]] == ["new"]
    owners.write_text("owner,owned,share\nBanco Nacional de Cuba,Orchid Trading SA,40\n",
                      encoding="utf-8")
    runner.invoke(app, ["ownership", "import", str(owners)])
    run_monitor(store, Screener.open(store), full=True)
    assert [a["status"] for a in list_alerts(store, customer="K-1")[0]] == ["delisted"]


def test_scanning_text_finds_parties_blocked_by_ownership(served: Path):
    from watchlist.text.scanner import Scanner

    text = "Funds went to Blue River Trading last May, then on to Caribe Holdings S.A."
    found = [m.to_dict() for m in Scanner.open().scan(text)]
    owned = [(m["text"], m["basis"], m["ownership"]["rule"]) for m in found
             if m["basis"] == "ownership"]
    assert owned == [("Blue River Trading", "ownership", "us-ofac-50"),
                     ("Caribe Holdings", "ownership", "us-ofac-50")]
    assert "owns 55% of Caribe Holdings SA" in found[-1]["ownership"]["explanation"]


def test_a_delta_monitoring_run_raises_an_ownership_alert_and_says_why(served: Path,
                                                                        tmp_path: Path):
    from watchlist.monitor.alerts import list_alerts
    from watchlist.monitor.portfolio import import_book
    from watchlist.monitor.run import run_monitor

    store = Store()
    book = tmp_path / "book.csv"
    book.write_text("id,name\nK-2,Lotus Marine SA\n", encoding="utf-8")
    assert import_book(store, book).imported
    run_monitor(store, Screener.open(store), full=True)
    assert list_alerts(store, customer="K-2")[0] == []
    owners = tmp_path / "lotus.csv"
    owners.write_text("owner,owned,share\nBanco Nacional de Cuba,Lotus Marine SA,51\n",
                      encoding="utf-8")
    runner.invoke(app, ["ownership", "import", str(owners)])
    stats = run_monitor(store, Screener.open(store))  # delta: no list changed
    assert stats.mode == "delta"
    (alert,) = list_alerts(store, customer="K-2")[0]
    assert (alert["status"], alert["cause"], alert["entity_ids"]) == (
        "new", "ownership", ["name-lotus-marine-sa"])
