"""Versions are ordered by the publisher's date, or by the newest listing date inside a
file that has none (OFAC's CSV, Canada's XML), and `status` says where each date came from.

Runs on SQLite and PostgreSQL where it touches the store (see the `store_url` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, shared_file
from httpserver import ListServer
from watchlist.cli import app
from watchlist.sources.detect import walk
from watchlist.sources.parse import parse_snapshot
from watchlist.sources.snapshot import FETCH_TIME, FILE_DATE, NEWEST_LISTING, UNDATED
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths, update_sources

EMPTY = "-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- "
#: An undated consolidated CSV whose remarks give listing dates (newest 16 Dec 2022); the
#: later effective and divestment dates are no listing dates.
NEWER_CSV = "\n".join([
    f'17018,"PJSC TESTBANK",-0- ,"RUSSIA-EO14024",{EMPTY},"Listing Date (EO 14024 '
    'Directive 2): 24 Feb 2022; Effective Date (EO 14024 Directive 2): 26 Mar 2022."',
    f'9639,"HANIYA, Ismail","individual","NS-PLC",{EMPTY},"DOB 1962; POB Shati."',
    f'33111,"SZ TEST TECHNOLOGY CO., LTD.",-0- ,"CMIC-EO13959",{EMPTY},"Listing Date (CMIC) '
    '16 Dec 2022; Effective Date (CMIC) 15 Dec 2023; Purchase/Sales For Divestment Date '
    '(CMIC) 16 Dec 2030."',
    "\x1a",
])
#: The same list with no date anywhere.
UNDATED_CSV = f'9639,"HANIYA, Ismail","individual","NS-PLC",{EMPTY},"DOB 1962."\n\x1a\n'
#: An older consolidated XML, dated by its Publish_Date.
OLDER_XML = """<?xml version="1.0" standalone="yes"?>
<sdnList xmlns="http://tempuri.org/sdnList.xsd">
  <publshInformation><Publish_Date>04/06/2018</Publish_Date><Record_Count>1</Record_Count>
  </publshInformation>
  <sdnEntry><uid>9639</uid><firstName>Ismail</firstName><lastName>HANIYA</lastName>
    <sdnType>Individual</sdnType><programList><program>NS-PLC</program></programList>
  </sdnEntry>
</sdnList>
"""


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store()
    yield store
    store.close()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"newer": tmp_path / "2022" / "cons_prim.csv",
             "undated": tmp_path / "undated" / "cons_prim.csv",
             "older": tmp_path / "2018" / "consolidated.xml"}
    for path, text in zip(paths.values(), (NEWER_CSV, UNDATED_CSV, OLDER_XML), strict=True):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    return paths


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_ofac_csv_is_dated_by_its_newest_listing_date(files: dict[str, Path]) -> None:
    [fileset], _skipped = walk([files["newer"]])
    snap = parse_snapshot(fileset, "test")
    assert (snap.source, snap.published, snap.published_from) == (
        "us_ofac_cons", "2022-12-16", NEWEST_LISTING)


def test_ofac_csv_without_any_listing_date_is_undated(files: dict[str, Path]) -> None:
    [fileset], _skipped = walk([files["undated"]])
    snap = parse_snapshot(fileset, "test")
    assert (snap.published, snap.published_from) == (None, UNDATED)


@pytest.mark.parametrize("order", [("newer", "older"), ("older", "newer")])
def test_undated_newer_set_stays_current_over_an_older_dated_file(
        store: Store, files: dict[str, Path], order: tuple[str, str]) -> None:
    for name in order:
        assert update_from_paths(store, [files[name]]).ok
    [current] = store.serving()
    assert (current.format, current.published, current.published_from) == (
        "ofac_csv", "2022-12-16", NEWEST_LISTING)


def test_status_says_where_each_date_came_from(home: Path, files: dict[str, Path]) -> None:
    for name in ("older", "newer"):
        run("update", "--from", str(files[name]))
    rows = json.loads(run("status", "--json", "--versions"))
    assert [(r["published"], r["published_from"]) for r in rows] == [
        ("2018-04-06", FILE_DATE), ("2022-12-16", NEWEST_LISTING)]
    text = run("status", "--versions")
    assert "the file's own date" in text and "newest listing date inside" in text


def test_status_of_a_file_with_no_date_at_all_says_so(home: Path,
                                                      files: dict[str, Path]) -> None:
    run("update", "--from", str(files["undated"]))
    [row] = json.loads(run("status", "--json"))
    assert (row["published"], row["published_from"]) == (None, UNDATED)
    text = run("status")
    assert "unknown" in text and "none (no date inside)" in text


def test_download_with_no_date_inside_is_dated_by_its_fetch_time(
        home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An undated download is the list as it stood when fetched: a dated-less local copy
    imported afterwards does not replace it."""
    served = tmp_path / "served"
    served.mkdir()
    lines = (FIXTURES / "sema_small.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    (served / "sema.xml").write_text("".join(x for x in lines if "DateOfListing" not in x),
                                     encoding="utf-8")
    store = Store()
    with ListServer(served) as server:
        monkeypatch.setenv("WATCHLIST_URL_CA_DFATD_SEMA_SANCTIONS", f"{server.url}/data/sema.xml")
        assert update_sources(store, ["ca_dfatd_sema_sanctions"]).ok
    [fetched] = store.serving()
    assert (fetched.published, fetched.published_from) == (fetched.fetched_at[:10], FETCH_TIME)
    local = tmp_path / "local.xml"
    local.write_text((served / "sema.xml").read_text(encoding="utf-8").replace(
        "Test Star", "Test Star Two"), encoding="utf-8")
    assert update_from_paths(store, [local]).ok
    assert store.serving() == [fetched]
    assert "fetch time (no date inside)" in run("status")


@pytest.mark.parametrize("first", ["csv", "xml"])
def test_real_2025_csv_set_stays_current_over_the_2018_xml(home: Path, first: str,
                                                           no_shrink_guard: None) -> None:
    """The 2025-12 consolidated CSV set (no date; its newest listing date is 31 Oct 2023)
    against the 2018 consolidated XML (Publish_Date 04/06/2018), in both orders (the list
    shrank by 31% in between: the shrink guard is off)."""
    csv_set = shared_file("ofac/cons_csv_2025-12")
    xml = shared_file("ofac/cons_csv_2018-05/consolidated.xml")
    store = Store()
    for path in ([csv_set, xml] if first == "csv" else [xml, csv_set]):
        assert update_from_paths(store, [path]).ok
    [current] = store.serving()
    assert (current.format, current.published, current.published_from) == (
        "ofac_csv", "2023-10-31", NEWEST_LISTING)


def test_real_2018_csv_set_has_no_date_at_all(home: Path) -> None:
    folder = shared_file("ofac/cons_csv_2018-05")
    store = Store()
    assert update_from_paths(store, [folder / "cons_prim.csv", folder / "cons_add.csv",
                                     folder / "cons_alt.csv"]).ok
    [version] = store.serving()
    assert (version.published, version.published_from) == (None, UNDATED)
