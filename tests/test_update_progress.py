"""An update shows real progress (bytes of each file parsed, each stage of the index build),
builds the screening index of the new versions before it ends, and a running service
goes on answering from the old index until that one is on disk, then switches whole."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES
from watchlist.cli import app as cli_app
from watchlist.index.build import (
    build_missing_index,
    index_key,
    index_path,
    load_index,
    updating_lists,
)
from watchlist.screener import Screener
from watchlist.screening.holder import open_screener
from watchlist.service import create_app
from watchlist.service_settings import Settings
from watchlist.sources import meter
from watchlist.sources.detect import walk
from watchlist.sources.parse import parse_entities
from watchlist.store.store import Store
from watchlist.updates import jobs
from watchlist.updates.pipeline import Report, Reporter, index_after_update, update_from_paths

V1 = FIXTURES / "un_small_v1.xml"  # lists Amina Examplar
V2 = FIXTURES / "un_small_v2.xml"  # delists her and lists Sample Shipping Lines
QUERIES = {"amina": {"schema": "Person", "properties": {"name": ["Amina Examplar"]}},
           "ship": {"schema": "Organization",
                    "properties": {"name": ["Sample Shipping Lines"]}}}
runner = CliRunner()


@pytest.fixture(autouse=True)
def no_symbol_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """rigour's name symbol tables take seconds to load; these tests do not need them."""
    monkeypatch.setattr("watchlist.index.build.symbol_table", lambda tokens: {
        token: symbols for token in tokens if (symbols := frozenset())})
    monkeypatch.setattr("watchlist.index.build.token_symbols", lambda token: frozenset())


class Recorder(Reporter):
    """Keeps every progress call of an update."""

    def __init__(self) -> None:
        self.parsed: dict[str, list[tuple[int, int]]] = {}
        self.stages: list[tuple[str, int, int]] = []
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)

    def parsing(self, label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
        seen = self.parsed.setdefault(label, [])
        return (lambda done, total: seen.append((done, total))), (lambda: None)

    def indexing(self) -> tuple[Callable[[str, int, int], None], Callable[[], None]]:
        return (lambda stage, done, total: self.stages.append((stage, done, total))), \
            (lambda: None)


def advanced_to_the_end(seen: list[tuple[int, int]], size: int) -> bool:
    """Progress started at 0, grew through at least three steps and ended at the size."""
    dones = [done for done, _total in seen]
    return ({total for _done, total in seen} == {size} and dones == sorted(dones)
            and dones[0] == 0 and dones[-1] == size
            and len({d for d in dones if 0 < d < size}) >= 3)


def parse_with_progress(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    monkeypatch.setattr(meter, "READ_SIZE", 512)  # a small file is still read in steps
    recorder = Recorder()
    report = update_from_paths(Store(), [path], reporter=recorder)
    assert report.ok and report.outcomes[0].status == "imported", report.failures
    [(label, seen)] = recorder.parsed.items()
    assert label == str(path)
    return seen


def test_parsing_an_xml_file_reports_its_bytes_as_it_goes(home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    seen = parse_with_progress(V1, monkeypatch)
    assert advanced_to_the_end(seen, V1.stat().st_size), seen


def test_parsing_a_csv_file_reports_its_bytes_as_it_goes(home: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / "ofsi_conlist_2022_small.csv"
    seen = parse_with_progress(path, monkeypatch)
    assert advanced_to_the_end(seen, path.stat().st_size), seen


def test_parsing_a_workbook_reports_its_bytes_as_it_goes(home: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    workbook = openpyxl.Workbook()
    with open(FIXTURES / "dfat_small.csv", encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            workbook.active.append(row)
    path = tmp_path / "Australian_Sanctions_Consolidated_List.xlsx"
    workbook.save(path)
    seen = parse_with_progress(path, monkeypatch)
    assert advanced_to_the_end(seen, path.stat().st_size), seen


def test_a_set_of_csv_files_reports_the_bytes_of_all_of_them(home: Path) -> None:
    recorder = Recorder()
    update_from_paths(Store(), [FIXTURES / "ofac_csv_small"], reporter=recorder)
    [seen] = recorder.parsed.values()
    size = sum(p.stat().st_size for p in (FIXTURES / "ofac_csv_small").iterdir())
    assert advanced_to_the_end(seen, size), seen


def test_a_parser_that_reads_everything_first_advances_while_it_builds(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from watchlist.sources import ofac_csv

    seen: list[tuple[int, int]] = []
    at_build: list[int] = []
    real_build = ofac_csv.build

    def build(*args: Any) -> Any:
        at_build.append(seen[-1][0])
        return real_build(*args)

    monkeypatch.setattr(ofac_csv, "build", build)
    folder = FIXTURES / "ofac_csv_small"
    [fileset] = walk([folder])[0]
    parse_entities(fileset, progress=lambda done, total: seen.append((done, total)))
    size = sum(p.stat().st_size for p in folder.iterdir())
    assert at_build[0] <= size // 2  # reading all four files is the first half
    assert at_build == sorted(at_build) and len(set(at_build)) >= 3
    assert seen[-1] == (size, size)


# -- the index, built by the update ---------------------------------------------------------


def serving_index(store: Store) -> Path:
    return index_path(index_key(store.serving()))


def no_build(*args: object, **kwargs: object) -> None:
    raise AssertionError("the index was built")


def test_update_builds_the_index_so_a_screener_opens_without_building(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(cli_app, ["update", "--from", str(V1)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    store = Store()
    assert load_index(serving_index(store)) is not None
    monkeypatch.setattr("watchlist.index.build.build_index", no_build)
    screener = Screener.open(store)
    assert screener.index.key == index_key(store.serving())
    assert screener.check({"name": "Amina Examplar"})


def test_the_index_build_reports_each_stage_up_to_its_total(home: Path) -> None:
    store = Store()
    report = update_from_paths(store, [FIXTURES / "ofac_csv_small"])
    recorder = Recorder()
    index_after_update(store, [report], recorder)
    ends = {stage: (done, total) for stage, done, total in recorder.stages}
    [version] = store.serving()
    assert ends["reading records"] == (version.entities, version.entities)
    assert ends["preparing names"] == (version.targets, version.targets)
    assert "linking profiles" in ends
    assert all(done == total for done, total in ends.values())


def test_an_update_that_imports_nothing_new_does_not_rebuild(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(cli_app, ["update", "--from", str(V1)], catch_exceptions=False)
    built = serving_index(Store()).stat().st_mtime_ns
    monkeypatch.setattr("watchlist.index.build.build_index", no_build)
    result = runner.invoke(cli_app, ["update", "--from", str(V1)], catch_exceptions=False)
    assert result.exit_code == 0 and "could not be built" not in result.output
    assert serving_index(Store()).stat().st_mtime_ns == built


def test_an_update_that_imports_nothing_new_builds_nothing_even_without_an_index(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(cli_app, ["update", "--no-index", "--from", str(V1)], catch_exceptions=False)
    monkeypatch.setattr("watchlist.index.build.build_index", no_build)
    result = runner.invoke(cli_app, ["update", "--from", str(V1)], catch_exceptions=False)
    assert result.exit_code == 0 and "could not be built" not in result.output
    assert not serving_index(Store()).exists()


def test_an_update_with_no_index_leaves_it_to_the_first_screening(home: Path) -> None:
    result = runner.invoke(cli_app, ["update", "--no-index", "--from", str(V1)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not serving_index(Store()).exists()


def test_a_failed_index_build_keeps_the_update_and_the_old_index(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner.invoke(cli_app, ["update", "--from", str(V1)], catch_exceptions=False)
    old = serving_index(Store())

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("watchlist.index.build.build_index", disk_full)
    result = runner.invoke(cli_app, ["update", "--from", str(V2)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "screening index could not be built" in result.output
    assert "No space left on device" in result.output
    store = Store()
    assert [v.version for v in store.serving()] == [2]
    assert load_index(old) is not None and not serving_index(store).exists()


# -- a running service ----------------------------------------------------------------------


def answer(client: TestClient) -> tuple[str, int, int]:
    """The versions that answered, and how many hits for Amina and for the ship."""
    response = client.post("/match", json={"queries": QUERIES})
    assert response.status_code == 200, response.text
    body = response.json()["responses"]
    return (response.headers["X-Watchlist-Versions"], len(body["amina"]["results"]),
            len(body["ship"]["results"]))


OLD = ("un_sc_sanctions=1", 1, 0)
NEW = ("un_sc_sanctions=2", 0, 1)


def test_a_service_answers_from_the_old_index_until_the_updates_index_is_on_disk(
        home: Path) -> None:
    store = Store()
    update_from_paths(store, [V1])
    build_missing_index(store)
    opened: list[bool] = []

    def opener(store: Store) -> Screener:
        opened.append(serving_index(store).exists())
        return open_screener(store)

    mid_build, release = threading.Event(), threading.Event()

    def held_mid_build(stage: str, done: int, total: int) -> None:
        if stage == "linking profiles" and not mid_build.is_set():
            mid_build.set()
            release.wait(30)

    def update() -> None:
        with updating_lists():
            report = update_from_paths(store, [V2])
            index_after_update(store, [report], Reporter(),
                               build=lambda s, _p: build_missing_index(s, held_mid_build))

    app = create_app(store, auth=False, warm=False, screener_opener=opener,
                     settings=Settings(version_check_seconds=0))
    updating = threading.Thread(target=update)
    with TestClient(app) as client:
        assert answer(client) == OLD
        updating.start()
        try:
            assert mid_build.wait(30)
            assert store.serving()[0].version == 2  # stored and current, not yet indexed
            during = [answer(client) for _ in range(5)]
        finally:
            release.set()
            updating.join(30)
        assert during == [OLD] * 5
        deadline = time.monotonic() + 20
        while answer(client) != NEW and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answer(client) == NEW
    assert opened == [True, True]  # the new screener was opened only from the update's index


@pytest.fixture
def saved_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every state of a running job's progress lines, as saved for GET /updatez/{id}."""
    saved: list[list[str]] = []
    real = jobs.JobReporter._save

    def keep(self: jobs.JobReporter) -> None:
        saved.append(list(self.lines))
        real(self)

    monkeypatch.setattr(jobs.JobReporter, "_save", keep)
    yield saved


def test_a_service_update_job_builds_the_index_out_of_process_with_progress(
        home: Path, saved_lines: list[list[str]]) -> None:
    store = Store()
    update_from_paths(store, [V1])
    jobs.ensure_tables(store)

    def import_v2(store: Store, sources: list[str] | None, reporter: Reporter) -> Report:
        return update_from_paths(store, [V2], reporter=reporter)

    row, _created = jobs.start_job(store, "test", None, 3600)
    jobs.run_job(store, row.id, None, import_v2)
    done: dict[str, Any] = jobs.job_dict(jobs.get_job(store, row.id), store)
    assert done["status"] == "succeeded", done
    assert load_index(serving_index(store)) is not None
    final = saved_lines[-1]
    assert f"reading {V2}: 3.7 kB of 3.7 kB" in final
    assert final[-1].startswith("screening index built in ")
    assert not any("could not be built" in line for line in final)
