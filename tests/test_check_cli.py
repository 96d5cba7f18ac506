"""`watchlist check`: the JSON shape and the readable table, with a stand-in screener and
against a real store built from the UN list."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from conftest import LISTS
from watchlist.cli import app
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()
UN_FILE = LISTS / "un" / "consolidated_2026-02-27.xml"
MATCH_KEYS = {"entity_id", "caption", "schema", "score", "designations", "explanation", "basis"}


class StubScreener:
    threshold = 0.7
    index = types.SimpleNamespace(versions=[{"source": "un_sc_sanctions", "version": 1}])
    queries: list[dict[str, Any]] = []

    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None) -> StubScreener:
        screener = cls()
        if threshold is not None:
            screener.threshold = threshold
        return screener

    def check(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries.append(query)
        return [
            {"entity_id": "eu-2", "profile_id": "p2", "entity_ids": ["eu-2"],
             "caption": "Viktor LUKASHENKO", "schema": "Person", "score": 0.74,
             "designations": [], "explanation": {}},
            {"entity_id": "un-1", "profile_id": "p1", "entity_ids": ["un-1", "gb-1"],
             "caption": "Aliaksandr LUKASHENKA", "schema": "Person", "score": 0.95,
             "designations": [{"source": "eu_fsf", "ref": "EU.6136.73", "regime": "BLR",
                               "listed": "2020-11-06", "entity_id": "eu-1"}],
             "explanation": {
                 "name": {"score": 0.93, "weight": 0.8, "detail": "transliteration",
                          "query": "Alexander Lukashenko", "candidate": "Aliaksandr Lukashenka"},
                 "birth_date": {"score": 1.0, "weight": 0.1, "detail": "same year",
                                "query": "1954", "candidate": ["1954-08-30"]},
             }},
        ]


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, home: Path) -> type[StubScreener]:
    module = types.ModuleType("watchlist.screener")
    module.Screener = StubScreener  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "watchlist.screener", module)
    StubScreener.queries = []
    return StubScreener


def test_check_json_shape(stub: type[StubScreener]) -> None:
    result = runner.invoke(app, ["check", "Alexander Lukashenko", "--dob", "1954",
                                 "--country", "Belarus", "--schema", "person", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == {"name": "Alexander Lukashenko", "birth_date": "1954",
                             "country": "by", "schema": "Person"}
    assert stub.queries == [data["query"]]
    assert [m["entity_id"] for m in data["matches"]] == ["un-1", "eu-2"]  # best first
    assert all(set(m) == MATCH_KEYS for m in data["matches"])
    assert data["matches"][0]["designations"] == [
        {"source": "eu_fsf", "ref": "EU.6136.73", "regime": "BLR", "listed": "2020-11-06"}]


def test_check_table_explains_each_feature(stub: type[StubScreener]) -> None:
    result = runner.invoke(app, ["check", "Alexander Lukashenko", "--dob", "1954",
                                 "--limit", "1"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "1 match for Alexander Lukashenko, born 1954" in text
    assert "Aliaksandr LUKASHENKA" in text and "Viktor" not in text
    assert "eu_fsf EU.6136.73 (BLR, listed 2020-11-06)" in text
    assert "Date of birth" in text and "1954-08-30" in text and "+0.74" in text  # 0.93 × 0.8
    assert "transliteration" in text


def test_check_bad_date_is_a_clear_error(stub: type[StubScreener]) -> None:
    result = runner.invoke(app, ["check", "Someone", "--dob", "the fifth of never"])
    assert result.exit_code == 2
    assert "unreadable birth date" in result.output and not stub.queries
    result = runner.invoke(app, ["check", "Someone", "--dob", "31/02/1999"])
    assert result.exit_code == 2 and not stub.queries
    assert "impossible birth date '31/02/1999': day 31 does not exist" in result.output


# -- against a real store ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def un_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store holding the real UN list, with its index built; skipped when absent."""
    if not UN_FILE.exists():
        pytest.skip(f"real list snapshot {UN_FILE} not found (../shared/data absent)")
    pytest.importorskip("watchlist.screener")
    home = tmp_path_factory.mktemp("un-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WATCHLIST_HOME", str(home))
        from watchlist.screener import Screener

        assert update_from_paths(Store(), [UN_FILE]).ok
        Screener.open()  # builds the index once
        yield home


def test_check_real_store_json(un_store: Path) -> None:
    result = runner.invoke(app, ["check", "Yun Ho Jin", "--schema", "Person", "--dob", "1944",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == {"name": "Yun Ho Jin", "schema": "Person", "birth_date": "1944"}
    assert data["matches"], "no match for a UN-listed name"
    best = data["matches"][0]
    assert set(best) == MATCH_KEYS and best["score"] >= 0.7
    assert any(d["source"] == "un_sc_sanctions" for d in best["designations"])
    scores = [m["score"] for m in data["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_check_real_store_table(un_store: Path) -> None:
    result = runner.invoke(app, ["check", "Yun Ho-jin", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "YUN HO-JIN" in result.stdout.upper() and "because" in result.stdout
    none = runner.invoke(app, ["check", "Zzyzx Qwertyuiop"])
    assert none.exit_code == 0 and "No match" in none.stdout
