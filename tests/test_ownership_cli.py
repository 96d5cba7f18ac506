"""`watchlist ownership import|datasets|show` and `check` reporting a party owned by a
listed one, against a store holding the small OFAC fixture (the screener stands in: the
listed side of `check` is tested in test_check_cli)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
OWNERS = """owner,owned,share,as_of,source
Banco Nacional de Cuba,Caribe Holdings SA,55,2024-03-31,annual report 2023
Caribe Holdings SA,Blue River Trading Ltd,60,2024-05-01,registry extract
Someone Else,Green Field Ltd,45,,
"""


class NameScreener:
    """Stands in for the screener: no listed hits; a name matches when its words are all
    in the candidate's."""

    threshold = 0.8
    index = types.SimpleNamespace(versions=[])

    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None) -> NameScreener:
        return cls()

    def check(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    def score(self, query: dict[str, Any], candidate: dict[str, Any]) -> Any:
        words = set(str(query["name"]).lower().split())
        found = words <= set(candidate["name"].lower().split())
        return types.SimpleNamespace(score=1.0 if found else 0.2, match=found)


@pytest.fixture
def store(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    assert update_from_paths(Store(), [FIXTURES / "ofac_sdn_small.xml"]).ok
    module = types.ModuleType("watchlist.screener")
    module.Screener = NameScreener  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "watchlist.screener", module)
    path = home / "owners.csv"
    path.write_text(OWNERS, encoding="utf-8")
    return path


def test_import_stores_versions_and_the_same_file_changes_nothing(store: Path):
    first = runner.invoke(app, ["ownership", "import", str(store)])
    assert first.exit_code == 0, first.output
    assert "Imported 3 relations (ownership-csv)" in first.output and "version 1" in first.output
    again = runner.invoke(app, ["ownership", "import", str(store)])
    assert "unchanged" in again.output
    store.write_text(OWNERS.replace(",45,", ",51,"), encoding="utf-8")
    second = runner.invoke(app, ["ownership", "import", str(store), "--json"])
    assert json.loads(second.stdout)["version"] == 2
    listing = json.loads(runner.invoke(app, ["ownership", "datasets", "--json"]).stdout)
    assert [(d["dataset"], d["version"], d["serving"]) for d in listing] == [
        ("owners", 1, False), ("owners", 2, True)]


def test_a_bad_file_is_refused_and_the_last_good_version_keeps_serving(store: Path):
    assert runner.invoke(app, ["ownership", "import", str(store)]).exit_code == 0
    store.write_text(OWNERS + "X,Y,lots,,\n", encoding="utf-8")
    bad = runner.invoke(app, ["ownership", "import", str(store)])
    assert bad.exit_code == 2
    assert "line 5: field 'share'" in bad.output and "Traceback" not in bad.output
    listing = json.loads(runner.invoke(app, ["ownership", "datasets", "--json"]).stdout)
    assert [(d["version"], d["relations"], d["serving"]) for d in listing] == [(1, 3, True)]


def test_check_reports_a_party_owned_by_a_listed_one_with_its_path(store: Path):
    runner.invoke(app, ["ownership", "import", str(store)])
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
    text = runner.invoke(app, ["check", "Blue River Trading"]).output
    assert "blocked by ownership under us-ofac-50" in text
    assert "which owns 60% of Blue River Trading Ltd" in text


def test_check_does_not_report_a_minority_holding(store: Path):
    runner.invoke(app, ["ownership", "import", str(store)])
    result = runner.invoke(app, ["check", "Green Field", "--json"])
    assert json.loads(result.stdout)["matches"] == []


def test_show_gives_owners_and_holdings(store: Path):
    runner.invoke(app, ["ownership", "import", str(store)])
    shown = json.loads(runner.invoke(app, ["ownership", "show", "Caribe Holdings SA",
                                           "--json"]).stdout)
    (item,) = shown
    assert item["tree"]["status"] == "blocked"
    assert [o["name"] for o in item["tree"]["owners"]] == ["BANCO NACIONAL DE CUBA"]
    assert [h["name"] for h in item["tree"]["holdings"]] == ["Blue River Trading Ltd"]
    missing = runner.invoke(app, ["ownership", "show", "Nobody At All"])
    assert missing.exit_code == 2 and "no party 'Nobody At All'" in missing.output
