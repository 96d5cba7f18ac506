"""`watchlist screen` and `check` on hostile input: a JSON line nested thousands of levels
deep, or a field too long to screen, is a row error and the other rows are screened; in
`check` it is an error; never a traceback."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.fieldlimits import MAX_NAME_CHARS, MAX_VALUES
from watchlist.jsondepth import MAX_DEPTH
from watchlist.screening.readers import prepare_row

runner = CliRunner()


class StubScreener:
    """Matches every name, and remembers what it was asked."""

    threshold = 0.7
    index = types.SimpleNamespace(versions=[{"source": "un_sc_sanctions", "version": 1}])
    queries: list[dict[str, Any]] = []

    @classmethod
    def open(cls, store: Any = None, threshold: float | None = None) -> StubScreener:
        return cls()

    def check(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries.append(query)
        return [{"entity_id": "e-1", "caption": "IVAN", "schema": "Person", "score": 0.9,
                 "profile_id": "p", "designations": [], "explanation": {}}]

    def screen(self, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for row in rows:
            yield {"id": row["id"], "matches": self.check(row)}


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch, home: Path) -> type[StubScreener]:
    module = types.ModuleType("watchlist.screener")
    module.Screener = StubScreener  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "watchlist.screener", module)
    StubScreener.queries = []
    return StubScreener


def test_a_deep_or_oversized_line_is_a_row_error_and_the_others_are_screened(
        stub: type[StubScreener], tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "name": "Ivan Petrov"}),
        '{"id": "deep", "name": ' + "[" * 100_000 + "}",
        json.dumps({"id": "b", "name": "Ivan Petrov"}),
        json.dumps({"id": "long", "name": "A" * 900_000}),
        json.dumps({"id": "many", "name": ["Ivan Petrov"] * (MAX_VALUES + 1)}),
        json.dumps({"id": "c", "name": "Ivan Petrov", "country": "x" * 201}),
        json.dumps({"id": "d", "name": "Ivan Petrov"}),
    ]
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(source)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", 2, "b", "long", "many", "c", "d"]
    errors = {r["id"]: r.get("error", "") for r in records}
    assert f"more than {MAX_DEPTH} levels deep" in errors[2]
    assert "name: 900,000 characters" in errors["long"]
    assert f"at most {MAX_NAME_CHARS}" in errors["long"]
    assert f"name: {MAX_VALUES + 1} values; at most {MAX_VALUES}" in errors["many"]
    assert "country: 201 characters" in errors["c"]
    screened = [r["id"] for r in records if r["matches"] and not r.get("error")]
    assert screened == ["a", "b", "d"]
    assert "4 errors" in result.stderr


def test_a_json_array_nested_too_deep_is_a_clear_error(stub: type[StubScreener],
                                                       tmp_path: Path) -> None:
    source = tmp_path / "people.json"
    source.write_text('[{"name": "Ivan"}, ' + "[" * 100_000, encoding="utf-8")
    result = runner.invoke(app, ["screen", str(source)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert str(source) in message and f"more than {MAX_DEPTH} levels deep" in message
    assert "JSON lines" in message and not stub.queries


def test_check_refuses_a_name_too_long_to_screen(stub: type[StubScreener]) -> None:
    result = runner.invoke(app, ["check", "A" * 900_000])
    assert result.exit_code == 2, result.output
    assert "name: 900,000 characters" in result.output and "Traceback" not in result.output
    assert not stub.queries
    result = runner.invoke(app, ["check", "Ivan Petrov", "--id", "9" * 201])
    assert result.exit_code == 2 and "identifier: 201 characters" in result.output


def test_rows_at_the_limits_are_screened() -> None:
    row = prepare_row({"name": ["I" * MAX_NAME_CHARS] * MAX_VALUES, "identifier": "9" * 200,
                       "id": "c-1"}, 1)
    assert "error" not in row and len(row["name"]) == MAX_VALUES

