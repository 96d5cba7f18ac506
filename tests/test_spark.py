"""Screening on Spark (local[2]) gives, row for row, the results of the local `screen`."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install 'watchlist[spark]'")

import watchlist  # noqa: E402
from bad_files import bad_files  # noqa: E402
from conftest import FIXTURES  # noqa: E402
from watchlist.cli import app  # noqa: E402
from watchlist.errors import WatchlistError  # noqa: E402
from watchlist.index.artifact import MANIFEST, export_artifact, members_digest  # noqa: E402
from watchlist.index.codec import JSON_MEMBER, MEMBERS  # noqa: E402
from watchlist.screener import Screener  # noqa: E402
from watchlist.screening.readers import prepare_row  # noqa: E402
from watchlist.screening.runner import screen_chunk  # noqa: E402
from watchlist.spark import OUTPUT_COLUMNS, flatten_record, screen_dataframe  # noqa: E402
from watchlist.store.store import Store  # noqa: E402
from watchlist.updates.pipeline import update_from_paths  # noqa: E402

LISTS = [FIXTURES / "un_small_v1.xml", FIXTURES / "ofac_sdn_small.xml",
         FIXTURES / "sema_small.xml", FIXTURES / "dfat_small.csv"]
#: Listed names written other ways, people on no list, and rows that cannot be screened.
ROWS = [
    ("c-001", "Aleksandr Lukashenko", "1954-08-30", "Belarus", "Person"),
    ("c-002", "LUKASHENKA, Alyaksandr", "", "", ""),
    ("c-003", "Лукашенко Александр Григорьевич", "1954", "", "Person"),
    ("c-004", "Ivan Petrovich Testovich", "1961", "by", ""),
    ("c-005", "Иван Тестов", "", "", ""),
    ("c-006", "Ivan Testoff", "12/03/1960", "", ""),
    ("c-007", "Banco Nacional de Cuba", "", "", "Organization"),
    ("c-008", "National Bank of Cuba", "", "", ""),
    ("c-009", "", "1970-01-01", "", ""),
    ("c-010", "Jane Roe", "someday", "", ""),
    ("c-011", "Amina Examplar", "", "Atlantis", ""),
    ("c-012", "Test Star", "", "", "Vessel"),
    ("c-013", "Nikousokhan Mahmoud", "1961", "", ""),
    ("", "Artem Lifshits", "1992-12-26", "", ""),
    ("c-015", "Example Trading Corporation", "", "", "Company"),
    ("c-016", "Maria Gonzalez", "1980-05-05", "es", "Person"),
    ("c-017", "Tesco PLC", "", "gb", "Company"),
    ("c-018", "Ivan Petrovich", "", "", "Spaceship"),
    ("c-019", "Test Radio Plant", "", "ru", ""),
    ("c-020", "Chen Wei", "1975", "cn", ""),
    ("", "", "", "", ""),
    ("c-022", "Test Shipping Co Ltd", "", "", ""),
    ("c-023", "Aliaksandr Lukashenka", "1954-08-30", "", ""),
    ("c-024", "John Smith", "1960-01-01", "us", "Person"),
    ("c-025", "Ivan Testoff", "31/02/1999", "", ""),  # impossible dates: row errors
    ("c-026", "Aleksandr Lukashenko", "1954-13-30", "", "Person"),
] * 3  # about 70 rows, over several partitions


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("spark") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(path))
        # rigour's name symbols take seconds to load and are not what is tested here
        patch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
        store = Store()
        report = update_from_paths(store, LISTS)
        assert report.ok, report.failures
        store.close()
        yield path


@pytest.fixture(scope="module")
def artifact(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("spark-index") / "watchlist-index.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(home))
        patch.setattr("watchlist.index.build.symbol_table", lambda tokens: {})
        export_artifact(target)
    return target


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("artifact-cache")


@pytest.fixture(scope="module")
def spark(cache: Path) -> Iterator[Any]:
    """A local[2] session whose Python workers run this interpreter and find this watchlist,
    reading small input splits so that a small file spans several partitions."""
    from pyspark.sql import SparkSession

    package_root = str(Path(watchlist.__file__).resolve().parents[1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYSPARK_PYTHON", sys.executable)
        patch.setenv("PYTHONPATH", os.pathsep.join(
            [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]))
        patch.setenv("WATCHLIST_ARTIFACT_CACHE", str(cache))
        session = (SparkSession.builder.master("local[2]").appName("watchlist-tests")
                   .config("spark.ui.enabled", "false")
                   # quick JIT for a short-lived JVM: starts in half the time
                   .config("spark.driver.extraJavaOptions",
                           "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "2")
                   .config("spark.sql.files.maxPartitionBytes", "700")
                   .config("spark.sql.files.openCostInBytes", "1")
                   .getOrCreate())
        session.sparkContext.setLogLevel("ERROR")
        yield session
        session.stop()


@pytest.fixture(scope="module")
def input_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark-input") / "customers.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Customer ID", "full_name", "date_of_birth", "country", "schema"])
        writer.writerows(ROWS)
    return path


def comparable(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Output rows as tuples, JSON columns parsed, in (row, rank) order."""
    out = []
    for row in rows:
        values = dict(row)
        for key in ("designations", "explanation"):
            values[key] = json.loads(values[key]) if values.get(key) else None
        score = values.get("score")
        values["score"] = None if score is None or score != score else round(float(score), 4)
        values["rank"] = None if values.get("rank") is None or values["rank"] != values[
            "rank"] else int(values["rank"])
        out.append(tuple(values.get(c) for c in OUTPUT_COLUMNS if c not in (
            "profile_id", "index_key")))
    return sorted(out, key=lambda t: (t[1], t[2] or 0))


def local_cli_rows(input_path: Path, home: Path, tmp: Path, *args: str) -> list[dict[str, Any]]:
    """`watchlist screen` (local engine) on input_path, flattened to one row per hit."""
    target = tmp / "local.jsonl"
    result = CliRunner().invoke(app, ["screen", str(input_path), "-o", str(target),
                                      "--workers", "1", *args],
                                env={"WATCHLIST_HOME": str(home)})
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(ROWS) - 3  # blank lines are skipped
    return [flat for number, record in enumerate(records, 1)
            for flat in flatten_record(record, number)]


def read_output(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def test_spark_cli_on_a_csv_equals_local_screen_row_for_row(
        spark: Any, home: Path, artifact: Path, input_csv: Path, tmp_path: Path) -> None:
    mapping = ["--map", "customer_id=id", "--map", "full_name=name",
               "--map", "date_of_birth=birth_date", "--threshold", "0.7"]
    expected = local_cli_rows(input_csv, home, tmp_path, *mapping)
    target = tmp_path / "hits.parquet"
    result = CliRunner().invoke(app, ["screen", str(input_csv), "-o", str(target),
                                      "--engine", "spark", "--master", "local[2]",
                                      "--index", str(artifact), *mapping],
                                env={"WATCHLIST_HOME": str(home)})
    assert result.exit_code == 0, result.output
    got = read_output(target)
    assert comparable(got) == comparable(expected)
    assert len({r["row"] for r in expected if r["error"] is None}) == 45
    assert sum(1 for r in expected if r["error"]) == 18
    assert {r["error"] for r in got if r["id"] in ("c-025", "c-026")} == {
        "impossible birth date '31/02/1999': day 31 does not exist in 1999-02",
        "impossible birth date '1954-13-30': month 13 does not exist"}
    assert {r["id"] for r in got if r["row"] in (14, 39, 64)} == {"14", "39", "64"}  # no id
    assert "Screened 75 rows" in result.stderr and "45 with matches" in result.stderr
    assert spark.sparkContext._jsc is not None  # the session it did not start is left running


def test_spark_on_parquet_with_name_lists_and_number_ids_writes_tsv_equal_to_local(
        spark: Any, home: Path, artifact: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "book.parquet"
    pq.write_table(pa.table({
        "id": pa.array([n if n % 7 else None for n in range(1, len(ROWS) + 1)], pa.int64()),
        "name": pa.array([[name, name.upper()] if n % 3 == 0 else ([name] if name else [])
                          for n, (_i, name, *_rest) in enumerate(ROWS, 1)],
                         pa.list_(pa.string())),
        "birth_date": [dob or None for _i, _n, dob, _c, _s in ROWS],
    }), source, row_group_size=10)
    result = CliRunner().invoke(app, ["screen", str(source), "-o", str(tmp_path / "local.jsonl"),
                                      "--workers", "1"], env={"WATCHLIST_HOME": str(home)})
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in
               (tmp_path / "local.jsonl").read_text(encoding="utf-8").splitlines()]
    expected = [flat for n, record in enumerate(records, 1)
                for flat in flatten_record(record, n)]

    target = tmp_path / "hits.tsv"
    result = CliRunner().invoke(app, ["screen", str(source), "-o", str(target), "--engine",
                                      "spark", "--index", str(artifact)],
                                env={"WATCHLIST_HOME": str(home)})
    assert result.exit_code == 0, result.output
    got = []
    for part in sorted(target.glob("part-*.csv")):
        with open(part, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                values: dict[str, Any] = {k: (v if v != "" else None) for k, v in row.items()}
                values["row"] = int(values["row"])
                values["score"] = float(values["score"]) if values["score"] else None
                got.append(values)
    assert comparable(got) == comparable(expected)
    assert {r["id"] for r in got if r["row"] == 7} == {"7"}  # no id: the row number
    assert any(r["error"] == "no name" for r in got)
    assert "CSV to" in result.stderr


def test_screen_dataframe_equals_the_local_screener_hit_for_hit(
        spark: Any, home: Path, artifact: Path) -> None:
    records = [{"ref": i * 10, "full_name": name or None, "dob": dob or None,
                "country": country or None, "schema": schema or None}
               for i, (_id, name, dob, country, schema) in enumerate(ROWS, 1)]
    frame = spark.createDataFrame(
        records, "ref long, full_name string, dob string, country string, schema string"
    ).repartition(3)
    frame = spark.createDataFrame(frame.orderBy("ref").collect(), frame.schema)
    mapping = {"ref": "id", "full_name": "name", "dob": "birth_date"}
    hits = screen_dataframe(frame, str(artifact), limit=3, mapping=mapping)
    got = [row.asDict() for row in hits.collect()]

    screener = Screener.from_artifact(artifact)
    prepared = [prepare_row({"id": r["ref"], "name": r["full_name"], "birth_date": r["dob"],
                             "country": r["country"], "schema": r["schema"]}, n)
                for n, r in enumerate(records, 1)]
    expected = [flat for n, record in enumerate(screen_chunk(screener, prepared, 3,
                                                             shape=False), 1)
                for flat in flatten_record(record, n, screener.index.key)]
    key = lambda r: (r["row"], r["rank"] or 0)  # noqa: E731
    assert sorted(got, key=key) == [
        {**r, "score": r["score"]} for r in sorted(expected, key=key)]
    assert all(r["profile_id"].startswith("wl-") for r in got if not r["error"])
    assert max(r["rank"] or 0 for r in got) <= 3


def test_executors_read_a_url_through_fsspec_or_a_path_they_see_themselves(
        spark: Any, artifact: Path, cache: Path) -> None:
    frame = spark.createDataFrame([("a", "Banco Nacional de Cuba"), ("b", "Nobody Atall")],
                                  "id string, name string")
    url = "local://" + str(artifact)  # fsspec's local filesystem, through the URL path
    got = screen_dataframe(frame, url, ship=False).collect()
    assert [(r["id"], r["entity_id"], r["score"]) for r in got] == [
        ("a", "us-ofac-sdn-306", 1.0)]
    assert any(p.suffix == ".zip" for p in cache.iterdir())
    unshipped = screen_dataframe(frame, str(artifact), ship=False).collect()
    assert [(r["id"], r["entity_id"]) for r in unshipped] == [("a", "us-ofac-sdn-306")]


def test_an_altered_artifact_is_refused_before_any_task(spark: Any, artifact: Path,
                                                         tmp_path: Path) -> None:
    with zipfile.ZipFile(artifact) as archive:
        manifest = archive.read(MANIFEST)
        members = {name: archive.read(name) for name in MEMBERS}
    members[JSON_MEMBER] = members[JSON_MEMBER][:-10] + b"0123456789"
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(altered, "w") as archive:
        archive.writestr(MANIFEST, manifest)
        for name, data in members.items():
            archive.writestr(name, data)
    frame = spark.createDataFrame([("a", "Ivan")], "id string, name string")
    with pytest.raises(WatchlistError, match="does not match the checksum"):
        screen_dataframe(frame, str(altered))


class Marker:
    """Unpickling this creates the marker file: what a malicious index would do."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (open, (str(self.path), "w"))


def test_an_artifact_holding_a_pickle_is_refused_and_never_run_by_driver_or_executors(
        spark: Any, artifact: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    evil = pickle.dumps(Marker(marker))
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(artifact) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        members = {name: archive.read(name) for name in MEMBERS}
    members[JSON_MEMBER] = evil
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    manifest.update(members=digests, sha256=members_digest(digests))
    with zipfile.ZipFile(forged, "w") as archive:
        archive.writestr(MANIFEST, json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name, data)
    frame = spark.createDataFrame([("a", "Ivan")], "id string, name string")
    for ship in (True, False):
        with pytest.raises(WatchlistError, match=f"{JSON_MEMBER} is not JSON"):
            screen_dataframe(frame, str(forged), ship=ship)
    assert not marker.exists()


def test_spark_cli_refuses_what_it_cannot_do_with_a_clear_error(
        spark: Any, home: Path, artifact: Path, input_csv: Path, tmp_path: Path) -> None:
    def run(*args: str) -> Any:
        return CliRunner().invoke(app, ["screen", str(input_csv), *args],
                                  env={"WATCHLIST_HOME": str(home)})

    result = run("--engine", "spark")
    assert result.exit_code == 2 and "give -o OUTPUT" in result.stderr
    result = run("-o", str(tmp_path / "x.parquet"), "--master", "local[2]")
    assert result.exit_code == 2 and "go with --engine spark" in result.stderr
    existing = tmp_path / "exists.parquet"
    existing.mkdir()
    result = run("-o", str(existing), "--engine", "spark", "--index", str(artifact))
    assert result.exit_code == 2 and "already exists" in result.stderr
    result = run("-o", str(tmp_path / "y.jsonl"), "--engine", "spark", "--index",
                 str(artifact))
    assert result.exit_code == 2 and "writes Parquet or CSV" in result.stderr
    result = run("-o", str(tmp_path / "y.parquet"), "--engine", "spark", "--index",
                 str(artifact))
    assert result.exit_code == 2 and "no `name` column" in result.stderr
    assert "Traceback" not in result.output


def test_spark_refuses_a_file_it_cannot_read_as_local_screen_does(
        spark: Any, home: Path, artifact: Path, tmp_path: Path) -> None:
    for kind, (source, problem) in bad_files(tmp_path).items():
        target = tmp_path / f"{kind}.parquet"
        result = CliRunner().invoke(app, ["screen", str(source), "-o", str(target), "--engine",
                                          "spark", "--index", str(artifact)],
                                    env={"WATCHLIST_HOME": str(home)})
        assert result.exit_code == 2, (kind, result.output)
        message = " ".join(result.stderr.split())
        assert str(source) in message and problem.split(":")[0] in message, (kind, message)
        assert "Traceback" not in result.output and not target.exists()


def test_spark_csv_output_neutralises_cells_a_spreadsheet_would_run(
        spark: Any, home: Path, artifact: Path, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = tmp_path / "book.parquet"
    pq.write_table(pa.table({"id": ["+cmd|' /C calc'!A0", "=2"],
                             "name": ["Aleksandr Lukashenko", ""]}), source)
    target = tmp_path / "hits.csv"
    result = CliRunner().invoke(app, ["screen", str(source), "-o", str(target), "--engine",
                                      "spark", "--index", str(artifact)],
                                env={"WATCHLIST_HOME": str(home)})
    assert result.exit_code == 0, result.output
    rows = []
    for part in sorted(target.glob("part-*.csv")):
        with open(part, encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    assert {r["id"] for r in rows} == {"'+cmd|' /C calc'!A0", "'=2"}
    assert all(0 < float(r["score"]) <= 1 for r in rows if not r["error"])
    assert {r["error"] for r in rows if r["id"] == "'=2"} == {"no name"}


def test_spark_reads_csv_in_the_encoding_named_with_rfc_4180_quotes(
        spark: Any, home: Path, artifact: Path, tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_bytes('id;name;country\nc1;Aleksandr Lukashenko;by\n'
                       'c2;"Rosneft ""R"", PJSC";Zoë-land\n'.encode("cp1252"))
    target = tmp_path / "hits.parquet"

    def run(*args: str) -> Any:
        return CliRunner().invoke(app, ["screen", str(source), "-o", str(target), "--engine",
                                        "spark", "--index", str(artifact), *args],
                                  env={"WATCHLIST_HOME": str(home)})

    refused = run()
    assert refused.exit_code == 2 and "--encoding cp1252" in " ".join(refused.stderr.split())
    result = run("--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    got = read_output(target)
    assert {r["error"] for r in got if r["id"] == "c2"} == {
        "unknown country 'Zoë-land' (use a country name or ISO code)"}
    assert any(r["id"] == "c1" and r["score"] > 0.8 for r in got)
