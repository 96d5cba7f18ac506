"""`watchlist screen` end to end: with a stand-in screener, and on a small CSV against a
real store built from the UN list."""

from __future__ import annotations

import csv
import io
import json
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bad_files import bad_files
from conftest import LISTS
from watchlist.cli import app
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()
UN_FILE = LISTS / "un" / "consolidated_2026-02-27.xml"


class StubScreener:
    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None) -> StubScreener:
        return cls()

    def check(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        if query["name"].startswith("Nobody"):
            return []
        return [{"entity_id": f"e-{query['name']}", "caption": query["name"].upper(),
                 "schema": "Person", "score": 0.8, "profile_id": "x",
                 "designations": [{"source": "un_sc_sanctions", "ref": "QDi.1",
                                   "regime": None, "listed": "2001-01-01", "entity_id": "e"}],
                 "explanation": {}}]

    def screen(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            yield {"id": row["id"], "matches": self.check(row)}


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    module = types.ModuleType("watchlist.screener")
    module.Screener = StubScreener  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "watchlist.screener", module)


def test_screen_to_stdout_jsonl_with_mapping(stub: None, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("full_name,date_of_birth\nIvan Petrov,1960\n,1970\nNobody Here,\n"
                      "Jane Roe,someday\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(source), "--map", "full_name=name",
                                 "--map", "date_of_birth=birth_date"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == [1, 2, 3, 4]
    assert records[0]["matches"][0]["entity_id"] == "e-Ivan Petrov"
    assert records[0]["matches"][0]["designations"][0] == {
        "source": "un_sc_sanctions", "ref": "QDi.1", "regime": None, "listed": "2001-01-01"}
    assert records[1] == {"id": 2, "matches": [], "error": "no name"}
    assert records[2] == {"id": 3, "matches": []}
    assert "unreadable birth date" in records[3]["error"]
    assert "Screened 4 rows" in result.stderr and "1 with matches" in result.stderr
    assert "2 errors" in result.stderr


def test_screen_to_csv_file(stub: None, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "name": "Ivan"}\n{"id": "b", "name": "Nobody"}\n')
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["screen", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["id"], r["match_count"], r["best_caption"]) for r in rows] == [
        ("a", "1", "IVAN"), ("b", "0", "")]


def test_screen_bad_input_is_a_clear_error(stub: None, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("who,dob\nIvan,1960\n")
    result = runner.invoke(app, ["screen", str(source)])
    assert result.exit_code == 2 and "no `name` column" in result.output
    result = runner.invoke(app, ["screen", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "missing.csv" in result.output
    result = runner.invoke(app, ["screen", str(source), "--map", "who"])
    assert result.exit_code == 2 and "COLUMN=FIELD" in result.output


@pytest.mark.parametrize("kind", ["binary", "undecodable", "empty", "header only"])
def test_screen_of_a_file_it_cannot_read_fails_with_a_message(stub: None, tmp_path: Path,
                                                              kind: str) -> None:
    source, problem = bad_files(tmp_path)[kind]
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["screen", str(source), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert f"{source}: {problem}" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output and "Screened" not in result.output
    assert not target.exists()  # found before any row is screened: no output at all


def test_screen_refuses_a_file_that_is_not_utf8_unless_its_encoding_is_named(
        stub: None, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_bytes("name\nAleksandr ÿþ Lukashenko\n".encode("cp1252"))
    target = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["screen", str(source), "-o", str(target)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert f"{source}: not valid UTF-8 text: cannot decode byte 0xff at offset 15, line 2" \
        in message and "--encoding cp1252" in message
    assert not target.exists() and "Traceback" not in result.output
    result = runner.invoke(app, ["screen", str(source), "-o", str(target),
                                 "--encoding", "cp1252"])
    assert result.exit_code == 0, result.output
    record = json.loads(target.read_text(encoding="utf-8"))
    assert record["matches"][0]["entity_id"] == "e-Aleksandr ÿþ Lukashenko"
    result = runner.invoke(app, ["screen", str(source), "--encoding", "klingon"])
    assert result.exit_code == 2 and "--encoding klingon: unknown encoding" in result.stderr


def test_screen_gives_an_impossible_birth_date_a_row_error_and_goes_on(
        stub: None, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,birth_date\nIvan Petrov,31/02/1999\nIvan Petrov,1952-13-45\n"
                      "Ivan Petrov,0000\nIvan Petrov,99999\nIvan Petrov,1954-08\n"
                      "Ivan Petrov,00/00/1980\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(source)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    errors = [r.get("error", "") for r in records]
    assert "birth date '31/02/1999': day 31 does not exist in 1999-02" in errors[0]
    assert "birth date '1952-13-45': month 13 does not exist" in errors[1]
    assert "birth date '0000'" in errors[2] and "birth date '99999'" in errors[3]
    assert errors[4:] == ["", ""] and records[4]["matches"] and records[5]["matches"]
    assert "4 errors" in result.stderr


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


def test_screen_real_store_csv(un_store: Path, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text(
        "customer,full_name,dob,nationality\n"
        "c1,YUN HO-JIN,1944-10-13,kp\n"
        "c2,Patricia Lucas Wheeler,2002-07-14,Ethiopia\n"
        "c3,,1950,\n"
        "c4,Mohammed Omar Ghulam Nabi,1966,Afghanistan\n", encoding="utf-8")
    target = tmp_path / "hits.jsonl"
    for workers in ("1", "2"):
        result = runner.invoke(app, [
            "screen", str(source), "-o", str(target), "--workers", workers,
            "--map", "customer=id", "--map", "full_name=name", "--map", "dob=birth_date",
            "--map", "nationality=country"])
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in target.read_text().splitlines()]
        assert [r["id"] for r in records] == ["c1", "c2", "c3", "c4"]
        for found in (records[0], records[3]):
            assert found["matches"], found
            best = found["matches"][0]
            assert any(d["source"] == "un_sc_sanctions" for d in best["designations"])
            assert best["explanation"]
        assert records[1]["matches"] == []
        assert records[2]["error"] == "no name"
        assert "Screened 4 rows" in result.stderr
