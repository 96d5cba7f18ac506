"""The customer book: import (CSV, JSON lines, Parquet), re-import with history, removal;
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bad_files import bad_files
from watchlist.cli import app
from watchlist.monitor import portfolio as book
from watchlist.screening.readers import InputError
from watchlist.store.store import Store

BOOKS = Path(__file__).parent / "fixtures" / "monitor"


def test_import_then_reimport_updates_changed_rows_and_keeps_history(store_url: str) -> None:
    store = Store()
    first = book.import_book(store, BOOKS / "book_v1.csv")
    assert (first.added, first.updated, first.unchanged) == (8, 0, 0)
    again = book.import_book(store, BOOKS / "book_v1.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    second = book.import_book(store, BOOKS / "book_v2.csv")
    assert (second.added, second.updated, second.unchanged) == (1, 2, 6)
    c4 = book.get_customer(store, "c4")
    assert c4.version == 2 and c4.data["country"] == "by"
    versions = book.history(store, "c4")
    assert [v["change"] for v in versions] == ["created", "updated"]
    assert versions[0]["valid_to"] == versions[1]["valid_from"]
    assert versions[0]["data"].get("country") is None and versions[1]["valid_to"] is None
    assert book.customer_changes(versions[0]["data"], versions[1]["data"]) == {
        "country": {"before": None, "after": "by"}}
    customers, total = book.list_customers(store)
    assert total == 9 and [c.id for c in customers][:2] == ["c1", "c2"]


def test_json_lines_and_parquet_books_read_like_csv(store_url: str, tmp_path: Path) -> None:
    store = Store()
    summary = book.import_book(store, BOOKS / "book.jsonl")
    assert summary.added == 2
    assert book.get_customer(store, "2").data["name"] == ["Sample Shipping Lines", "SSL"]
    path = tmp_path / "book.parquet"
    pq.write_table(pa.table({"customer_no": ["p1", "j1"], "full_name": ["Amina Examplar",
                                                                         "Ivan Testovsky"]}),
                   path)
    summary = book.import_book(store, path, {"customer_no": "id", "full_name": "name"})
    assert (summary.added, summary.updated) == (1, 1)
    assert book.get_customer(store, "j1").data == {"name": "Ivan Testovsky"}


def test_bad_rows_stop_the_import_and_are_each_named(store_url: str) -> None:
    store = Store()
    summary = book.import_book(store, BOOKS / "book_bad.csv")
    assert not summary.imported
    problems = {(bad["row"], bad["error"].split(" (")[0]) for bad in summary.invalid}
    assert problems == {(2, "no name"), (3, "unreadable birth date '31/02/19x9'"),
                        (4, "id 'b1' repeats row 1")}
    assert book.list_customers(store)[1] == 0
    summary = book.import_book(store, BOOKS / "book_bad.csv", skip_invalid=True)
    assert summary.imported and summary.added == 1
    assert book.get_customer(store, "b1").data["name"] == "Good Name"


def test_a_book_needs_an_id_column(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("name\nIvan\n", encoding="utf-8")
    with pytest.raises(InputError, match="no `id` column"):
        book.import_book(Store(), path)
    jsonl = tmp_path / "noid.jsonl"
    jsonl.write_text('{"name": "Ivan"}\n', encoding="utf-8")
    summary = book.import_book(Store(), jsonl)
    assert summary.invalid == [{"row": 1, "id": "1", "error": "no id"}]


def test_removed_customer_is_kept_as_history_and_can_come_back(store_url: str) -> None:
    store = Store()
    book.import_book(store, BOOKS / "book_v1.csv")
    assert book.remove_customer(store, "c5", "cli:tester") == 0
    assert "c5" not in {c.id for c in book.list_customers(store)[0]}
    assert book.get_customer(store, "c5").removed_at is not None
    with pytest.raises(book.PortfolioError, match="already removed"):
        book.remove_customer(store, "c5", "cli:tester")
    with pytest.raises(book.PortfolioError, match="no customer 'nobody'"):
        book.remove_customer(store, "nobody", "cli:tester")
    summary = book.import_book(store, BOOKS / "book_v1.csv")
    assert summary.restored == 1
    assert [v["change"] for v in book.history(store, "c5")] == ["created", "removed",
                                                                "restored"]


def test_an_overlong_id_is_a_bad_row_not_a_database_error(store_url: str,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(f"id,name\n{'x' * 201},Ivan\n{'y' * 200},Amina\n", encoding="utf-8")
    store = Store()
    summary = book.import_book(store, path)
    assert not summary.imported
    assert summary.invalid == [{"row": 1, "id": "x" * 60 + "...",
                                "error": "id is 201 characters; at most 200"}]
    summary = book.import_book(store, path, skip_invalid=True)
    assert summary.added == 1 and book.get_customer(store, "y" * 200).data == {"name": "Amina"}


def test_portfolio_show_gives_each_version_and_what_changed(store_url: str) -> None:
    runner = CliRunner()
    for path in (BOOKS / "book_v1.csv", BOOKS / "book_v2.csv"):
        assert runner.invoke(app, ["portfolio", "import", str(path)]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["portfolio", "show", "c4", "--json"]).output)
    assert shown["id"] == "c4" and shown["version"] == 2
    assert [v["change"] for v in shown["history"]] == ["created", "updated"]
    text = runner.invoke(app, ["portfolio", "show", "c4"], env={"COLUMNS": "200"}).output
    assert "country: None -> by" in text
    missing = runner.invoke(app, ["portfolio", "show", "nobody"])
    assert missing.exit_code != 0 and "no customer 'nobody'" in missing.output


def test_a_book_that_is_not_utf8_is_refused_unless_its_encoding_is_named(
        store_url: str, tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_bytes("id;name;country\nc1;José Müller;de\n".encode("cp1252"))
    runner = CliRunner()
    result = runner.invoke(app, ["portfolio", "import", str(source)])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert f"{source}: not valid UTF-8 text: cannot decode byte 0xe9 at offset 22, line 2" \
        in message and "--encoding cp1252" in message
    store = Store()
    assert book.list_customers(store)[1] == 0
    result = runner.invoke(app, ["portfolio", "import", str(source), "--encoding", "cp1252"])
    assert result.exit_code == 0, result.output
    assert book.get_customer(store, "c1").data == {"name": "José Müller", "country": "de"}
    store.close()


def test_a_book_file_it_cannot_read_is_an_error_and_leaves_the_book_alone(
        store_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["portfolio", "import", str(BOOKS / "book_v1.csv")]).exit_code == 0
    store = Store()
    before = [c.to_dict() for c in book.list_customers(store)[0]]
    assert before
    header = tmp_path / "ids_only.csv"
    header.write_text("id,name\n")
    files = {**bad_files(tmp_path), "header only": (header, "no rows to read")}
    for source, problem in files.values():
        result = runner.invoke(app, ["portfolio", "import", str(source)])
        assert result.exit_code == 2, result.output
        assert f"{source}: {problem}" in " ".join(result.output.split())
        assert "Traceback" not in result.output
    dates = tmp_path / "dates.csv"
    dates.write_text("id,name,birth_date\nc1,Ivan Petrov,31/02/1999\nc9,Amina,1954\n")
    result = runner.invoke(app, ["portfolio", "import", str(dates)])
    assert result.exit_code == 2
    assert "row 1 (id c1): impossible birth date '31/02/1999'" in " ".join(result.output.split())
    assert [c.to_dict() for c in book.list_customers(store)[0]] == before
    store.close()


def test_the_books_other_columns_are_kept_apart_and_a_change_to_them_is_not_rescreened(
        store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("id,name,segment,Relationship Manager,notes\n"
                    "c1,Ivan Testovsky,Retail,J. Doe,\n", encoding="utf-8")
    store = Store()
    book.import_book(store, path)
    first = book.get_customer(store, "c1")
    assert first.data == {"name": "Ivan Testovsky",
                          "other": {"segment": "Retail", "Relationship Manager": "J. Doe"}}
    assert first.query == {"id": "c1", "name": "Ivan Testovsky"}
    path.write_text("id,name,segment,Relationship Manager,notes\n"
                    "c1,Ivan Testovsky,Private,J. Doe,\n", encoding="utf-8")
    summary = book.import_book(store, path)
    assert (summary.updated, summary.unchanged) == (1, 0)
    second = book.get_customer(store, "c1")
    assert second.version == 2 and second.data["other"]["segment"] == "Private"
    assert second.hash == first.hash  # what is screened did not change: no re-screen
    assert book.import_book(store, path).unchanged == 1


def test_other_columns_of_json_lines_and_parquet_books_are_kept(store_url: str,
                                                                  tmp_path: Path) -> None:
    lines = tmp_path / "book.jsonl"
    lines.write_text('{"id": "j1", "name": "Ivan", "segment": "Retail", '
                     '"limits": {"daily": 500}}\n', encoding="utf-8")
    parquet = tmp_path / "book.parquet"
    pq.write_table(pa.table({"id": ["p1"], "name": ["Amina"], "branch": [12]}), parquet)
    store = Store()
    book.import_book(store, lines)
    book.import_book(store, parquet)
    assert book.get_customer(store, "j1").data["other"] == {"segment": "Retail",
                                                            "limits": '{"daily": 500}'}
    assert book.get_customer(store, "p1").data["other"] == {"branch": "12"}


def test_an_overlong_or_too_many_other_columns_are_a_bad_row_naming_them(
        store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    many = ",".join(f"c{i}" for i in range(60))
    path.write_text(f"id,name,notes,{many}\nc1,Ivan,{'x' * 1001},{','.join('v' * 60)}\n"
                    f"c2,Amina,short,{','.join('v' * 60)}\n", encoding="utf-8")
    summary = book.import_book(Store(), path)
    assert not summary.imported
    assert [(r["id"], r["error"]) for r in summary.invalid] == [
        ("c1", "column 'notes' is 1001 characters; at most 1000"),
        ("c2", "61 other columns filled; at most 50")]
