"""Batch input readers (CSV, JSON lines, Parquet) and output writers of `watchlist screen`."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from watchlist.screening.readers import (
    BatchReader,
    InputError,
    detect_format,
    parse_mapping,
    prepare_row,
)
from watchlist.screening.writers import CSV_COLUMNS, open_writer, shape_match

HIT = {
    "entity_id": "un-1", "profile_id": "p-1", "entity_ids": ["un-1", "eu-9"],
    "caption": "Ivan PETROV", "schema": "Person", "score": 0.912345,
    "designations": [{"source": "un_sc_sanctions", "ref": "QDi.1", "regime": "ISIL",
                      "listed": "2001-10-06", "entity_id": "un-1"}],
    "explanation": {"name": {"score": 0.9, "weight": 1.0, "detail": "close",
                             "query": "Ivan Petrov", "candidate": "Ivan PETROV"}},
}


def rows(path: Path, **kwargs: object) -> list[dict]:
    return list(BatchReader(path, **kwargs))  # type: ignore[arg-type]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- rows -------------------------------------------------------------------------------------


def test_prepare_row_normalises_and_defaults_the_id() -> None:
    row = prepare_row({"name": " Ivan Petrov ", "birth_date": "12/03/1960", "country": "Russia",
                       "schema": "person", "identifier": " 123 "}, 7)
    assert row == {"id": 7, "name": "Ivan Petrov", "birth_date": "1960-03-12", "country": "ru",
                   "schema": "Person", "identifier": "123"}


@pytest.mark.parametrize(("raw", "error"), [
    ({"name": ""}, "no name"),
    ({"name": "A B", "birth_date": "next tuesday"}, "unreadable birth date"),
    ({"name": "A B", "country": "Atlantis"}, "unknown country"),
    ({"name": "A B", "schema": "Spaceship"}, "unknown schema"),
])
def test_bad_rows_become_error_rows(raw: dict, error: str) -> None:
    row = prepare_row({"id": "x1", **raw}, 3)
    assert row["id"] == "x1" and error in row["error"] and "name" not in row


@pytest.mark.parametrize(("birth", "problem"), [
    ("31/02/1999", "day 31 does not exist"),
    ("1952-13-45", "month 13 does not exist"),
    ("0000", "year 0 is not between"),
    ("99999", "unreadable"),
    ("1954-02-30", "day 30 does not exist"),
])
def test_an_impossible_birth_date_is_a_row_error_naming_the_value(birth: str,
                                                                   problem: str) -> None:
    row = prepare_row({"id": "c1", "name": "Ivan Petrov", "birth_date": birth}, 1)
    assert row["id"] == "c1" and "birth_date" not in row
    assert f"birth date {birth!r}" in row["error"] and problem in row["error"]


@pytest.mark.parametrize(("birth", "iso"), [
    ("1954", "1954"), ("1954-08", "1954-08"), ("00/00/1980", "1980"), ("08/1954", "1954-08"),
])
def test_valid_partial_birth_dates_stay_accepted(birth: str, iso: str) -> None:
    assert prepare_row({"name": "Ivan Petrov", "birth_date": birth}, 1)["birth_date"] == iso


def test_parse_mapping() -> None:
    assert parse_mapping(["Full Name=name", "dob=birth_date"]) == {
        "full_name": "name", "dob": "birth_date"}
    for bad in (["full_name"], ["x=nonsense"], ["a=name", "b=name"]):
        with pytest.raises(InputError):
            parse_mapping(bad)


# -- CSV --------------------------------------------------------------------------------------


def test_csv_with_bom_mapping_and_bad_rows(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv",
                 "\ufeffFull Name,date_of_birth,Nationality,other\n"
                 "Ivan Petrov,1960,Russia,x\n"
                 ",1970,,y\n"
                 "Jane Roe,31/31/31,,z\n"
                 "\n"
                 "\"Doe, John\",1970-02,by,w\n")
    got = rows(path, mapping=parse_mapping(["full_name=name", "date_of_birth=birth_date",
                                            "nationality=country"]))
    assert got[0] == {"id": 1, "name": "Ivan Petrov", "birth_date": "1960", "country": "ru"}
    assert got[1]["id"] == 2 and got[1]["error"] == "no name"
    assert got[2]["id"] == 3 and "unreadable birth date" in got[2]["error"]
    assert got[3] == {"id": 4, "name": "Doe, John", "birth_date": "1970-02", "country": "by"}


def test_csv_semicolons_ids_and_windows_1252_when_named(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "id;name;country\nc-1;José Müller;DE\n;Zoë;\n",
                 encoding="cp1252")
    assert rows(path, encoding="cp1252") == [
        {"id": "c-1", "name": "José Müller", "country": "de"}, {"id": 2, "name": "Zoë"}]


def test_csv_without_a_name_column_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "full_name,dob\nIvan,1960\n")
    with pytest.raises(InputError, match="no `name` column"):
        rows(path)
    with pytest.raises(InputError, match="not in the file"):
        rows(path, mapping={"fullname": "name"})


def test_a_file_that_is_not_utf8_is_refused_never_guessed(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "name\nAleksandr ÿþ Lukashenko\nJosé\n",
                 encoding="cp1252")
    with pytest.raises(InputError) as caught:
        rows(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not valid UTF-8 text: cannot decode byte 0xff at "
                              "offset 15, line 2")
    assert "--encoding cp1252" in message and "--encoding latin-1" in message
    assert rows(path, encoding="cp1252") == [{"id": 1, "name": "Aleksandr ÿþ Lukashenko"},
                                             {"id": 2, "name": "José"}]
    assert rows(path, encoding="latin-1")[1] == {"id": 2, "name": "José"}


def test_no_row_of_a_file_is_read_before_its_last_byte_decodes(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(b'{"name": "Ivan Petrov"}\n' * 5000 + b'{"name": "Jos\xe9"}\n')
    reader = iter(BatchReader(path))
    with pytest.raises(InputError, match="line 5,001"):
        next(reader)


@pytest.mark.parametrize(("encoding", "problem"), [
    ("klingon", "--encoding klingon: unknown encoding"),
    ("rot13", "--encoding rot13: not a text encoding"),
])
def test_an_encoding_that_cannot_read_text_is_refused(tmp_path: Path, encoding: str,
                                                      problem: str) -> None:
    path = write(tmp_path / "in.csv", "name\nIvan\n")
    with pytest.raises(InputError, match=problem):
        rows(path, encoding=encoding)


def test_utf16_named_without_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "name\nJosé\n", encoding="utf-16-le")
    with pytest.raises(InputError, match="NUL byte"):
        rows(path)
    assert rows(path, encoding="utf-16-le") == [{"id": 1, "name": "José"}]


def test_binary_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    program = tmp_path / "program.csv"
    program.symlink_to(Path(sys.executable).resolve())
    noise = tmp_path / "noise.csv"
    noise.write_bytes(b"name\n" + bytes(range(256)) * 8)
    workbook = tmp_path / "book.csv"
    workbook.write_bytes(b"PK\x03\x04" + bytes(200))
    for path, what in ((program, "program"), (noise, "NUL byte at offset 5"),
                       (workbook, "Excel workbook")):
        with pytest.raises(InputError, match=what) as caught:
            rows(path)
        assert str(path) in str(caught.value)


def test_bytes_that_do_not_decode_are_named_by_offset_and_line(tmp_path: Path) -> None:
    head = "name\n" + "".join(f"Person {i:04d}\n" for i in range(500))  # past the sample
    late = tmp_path / "late.csv"
    late.write_bytes(head.encode() + b"Jos\xe9\n")
    with pytest.raises(InputError) as caught:
        rows(late)
    message = str(caught.value)
    assert message.startswith(f"{late}: not valid UTF-8 text")
    assert f"byte 0xe9 at offset {len(head) + 3:,}, line 502" in message
    mixed = write(tmp_path / "mixed.csv", "name\nJosé\n", encoding="cp1252")
    mixed.write_bytes(mixed.read_bytes() + b"Zo\x90\n")  # 0x90: no Windows-1252 character
    with pytest.raises(InputError, match=r"not valid Windows-1252 text \(--encoding cp1252\): "
                                         r"cannot decode byte 0x90 at offset 12, line 3"):
        rows(mixed, encoding="cp1252")
    packed = tmp_path / "late.csv.gz"
    packed.write_bytes(gzip.compress(late.read_bytes()))
    with pytest.raises(InputError, match="line 502 .*decompressed"):
        rows(packed)


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("empty.csv", b"", "the file is empty (0 bytes)"),
    ("empty.csv.gz", gzip.compress(b"", mtime=0), "the file is empty once decompressed"),
    ("header.csv", b"name,birth_date\n", "no rows to read: only a header line (name, "
                                          "birth_date)"),
    ("blank.csv", b"\n  \n\n", "no rows to read: only blank lines"),
    ("header.tsv", codecs.BOM_UTF8 + b"id\tname\r\n\r\n", "only a header line (id, name)"),
    ("empty.jsonl", b"\n\n", "no rows to read"),
    ("empty.json", b"[]", "no rows to read"),
])
def test_a_file_without_rows_is_an_error(tmp_path: Path, name: str, content: bytes,
                                         problem: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        rows(path)
    assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value)


def test_an_empty_parquet_table_is_an_error(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "none.parquet"
    pq.write_table(pa.table({"name": pa.array([], pa.string())}), path)
    with pytest.raises(InputError, match="no rows to read"):
        rows(path)


def test_gzipped_csv_and_progress(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    path.write_bytes(gzip.compress(b"name\n" + b"".join(b"P%d\n" % i for i in range(1000))))
    reader = BatchReader(path)
    assert reader.format == "csv" and reader.unit == "bytes"
    chunks = list(reader.chunks(300))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    assert chunks[-1][-1] == {"id": 1000, "name": "P999"}
    assert reader.progress == reader.total


def test_csv_is_streamed_not_loaded_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("id,name\n")
        handle.writelines(f"{i},Person number {i}\n" for i in range(200_000))
    reader = BatchReader(path)
    first = next(reader.chunks(100))
    assert first[0] == {"id": "0", "name": "Person number 0"}
    assert reader.progress < reader.total / 20  # only a buffer's worth read so far


# -- JSON lines -------------------------------------------------------------------------------


def test_jsonl_rows_lists_and_bad_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", "\n".join([
        json.dumps({"id": 10, "name": ["Ivan Petrov", "Иван Петров"], "birth_date": 1960}),
        "{not json",
        json.dumps({"fullName": "Jane Roe", "DOB": "1980-05-06"}),
        json.dumps(["a list"]),
        json.dumps({"name": "Acme", "schema": "Company"}),
    ]) + "\n")
    got = rows(path, mapping=parse_mapping(["fullname=name", "dob=birth_date"]))
    assert got[0] == {"id": 10, "name": ["Ivan Petrov", "Иван Петров"], "birth_date": "1960"}
    assert got[1]["id"] == 2 and "not a JSON object" in got[1]["error"]
    assert got[2] == {"id": 3, "name": "Jane Roe", "birth_date": "1980-05-06"}
    assert got[3]["error"] == "not a JSON object"
    assert got[4] == {"id": 5, "name": "Acme", "schema": "Company"}


def test_json_array_and_detection_by_content(tmp_path: Path) -> None:
    path = write(tmp_path / "in.txt", '[{"name": "A"}, {"name": "B", "id": "b"}]')
    assert detect_format(path) == "jsonl"
    assert rows(path) == [{"id": 1, "name": "A"}, {"id": "b", "name": "B"}]
    bom = write(tmp_path / "bom.data", codecs.BOM_UTF8.decode() + '{"name": "C"}\n')
    assert rows(bom) == [{"id": 1, "name": "C"}]


def test_misnamed_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        detect_format(write(tmp_path / "x.parquet", "name\nA\n"))
    with pytest.raises(InputError):
        detect_format(write(tmp_path / "x.jsonl", "name\nA\n"))
    with pytest.raises(FileNotFoundError):
        BatchReader(tmp_path / "missing.csv")


# -- Parquet ----------------------------------------------------------------------------------


def test_parquet_by_batches(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "ref": [1, 2, None, 4],
        "full_name": ["Ivan Petrov", None, "Jane Roe", "Acme"],
        "dob": [dt.date(1960, 3, 12), None, None, None],
        "country": ["ru", None, "xx-bad", None],
        "ignored": [1.5, 2.5, 3.5, 4.5],
    })
    path = tmp_path / "in.data"
    pq.write_table(table, path, row_group_size=2)
    reader = BatchReader(path, parse_mapping(["ref=id", "full_name=name", "dob=birth_date"]),
                         batch_size=2)
    assert reader.format == "parquet" and reader.total == 4
    got = list(reader)
    assert got[0] == {"id": 1, "name": "Ivan Petrov", "birth_date": "1960-03-12",
                      "country": "ru"}
    assert got[1] == {"id": 2, "error": "no name"}
    assert got[2]["id"] == 3 and "unknown country" in got[2]["error"]
    assert got[3] == {"id": 4, "name": "Acme"}
    assert reader.progress == 4


# -- writers ----------------------------------------------------------------------------------


def test_shape_match_keeps_the_documented_keys() -> None:
    shaped = shape_match(HIT)
    assert list(shaped) == ["entity_id", "caption", "schema", "score", "designations",
                            "explanation", "basis"]
    assert shaped["basis"] == "listed"
    assert shaped["designations"] == [{"source": "un_sc_sanctions", "ref": "QDi.1",
                                       "regime": "ISIL", "listed": "2001-10-06"}]


def test_shape_match_keeps_what_an_ownership_hit_says() -> None:
    found = {"share": 55.0, "rule": "us-ofac-50", "paths": []}
    shaped = shape_match({**HIT, "basis": "ownership", "ownership": found})
    assert (shaped["basis"], shaped["ownership"]) == ("ownership", found)


def test_jsonl_writer(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with open_writer(path) as writer:
        writer.write({"id": 1, "matches": [shape_match(HIT)]})
        writer.write({"id": 2, "matches": [], "error": "no name"})
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["matches"][0]["entity_id"] == "un-1"
    assert lines[1] == {"id": 2, "matches": [], "error": "no name"}


def test_csv_writer_flattens_best_match(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    second = {**shape_match(HIT), "entity_id": "eu-9", "score": 0.8}
    with open_writer(path) as writer:
        writer.write({"id": "a", "matches": [shape_match(HIT), second]})
        writer.write({"id": "b", "matches": []})
        writer.write({"id": "c", "matches": [], "error": "no name"})
    got = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert list(got[0]) == CSV_COLUMNS
    assert got[0]["best_entity_id"] == "un-1" and got[0]["best_score"] == "0.9123"
    assert got[0]["match_count"] == "2"
    assert got[0]["best_designations"] == "un_sc_sanctions QDi.1 (ISIL, listed 2001-10-06)"
    assert [m["entity_id"] for m in json.loads(got[0]["matches"])] == ["un-1", "eu-9"]
    assert got[1]["match_count"] == "0" and got[1]["matches"] == ""
    assert got[2]["error"] == "no name"
