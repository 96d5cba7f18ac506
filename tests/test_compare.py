"""Who sanctions whom: the matrix per party and jurisdiction, dates from the publisher or
first seen, delisting from the history, gaps, lead and lag, the chart, the exports, and the
command, the API and the pages that offer them; over a small store of the fixtures
(Lukashenko on OFAC, SEMA and DFAT; SEMA in two versions, one party removed)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from conftest import FIXTURES, module_home
from watchlist.cli import app as cli_app
from watchlist.compare.analysis import lead_lag, select_rows, timeline
from watchlist.compare.build import CompareError, compare
from watchlist.compare.cells import make_cell
from watchlist.compare.chart import timeline_svg
from watchlist.compare.export import rows_csv
from watchlist.compare.model import FIRST_SEEN, PUBLISHER, Cell, Dated, Row, Scope
from watchlist.monitor.alerts import list_alerts
from watchlist.monitor.portfolio import import_book
from watchlist.monitor.run import run_monitor
from watchlist.regimes.taxonomy import default_taxonomy
from watchlist.screener import Screener
from watchlist.service import create_app
from watchlist.store.keys import create_key
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

WEB = FIXTURES / "web"
runner = CliRunner()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Screener]]:
    with module_home(tmp_path_factory, "compare"):
        store = Store()
        for path in (WEB / "sema_belarus_v1.xml", WEB / "sema_belarus_v2.xml",
                     FIXTURES / "ofac_sdn_small.xml", WEB / "dfat_belarus.csv"):
            report = update_from_paths(store, [path])
            assert report.ok, report.failures
        yield store, Screener.open(store)


def row_named(rows: list[Row], words: str) -> Row:
    return next(r for r in rows if words.casefold() in r.caption.casefold())


def test_lukashenko_is_one_row_with_each_jurisdictions_date_and_basis(
        served: tuple[Store, Screener]) -> None:
    store, screener = served
    result = compare(store, screener.index, Scope(regime="belarus"), default_taxonomy())
    row = row_named(result.rows, "Ryhorovich LUKASHENKA")
    us, ca, au = row.cells["us"], row.cells["ca"], row.cells["au"]
    assert (ca.listed, ca.basis, ca.in_scope) == ("2020-09-28", PUBLISHER, True)
    # OFAC gives no listing date: the first stored version holding it, marked as such.
    assert (us.listed, us.basis, us.labels) == ("2025-12-24", FIRST_SEEN, ["BELARUS"])
    # DFAT lists him under its Russia framework: shown, but outside the regime.
    assert au.status == "listed" and not au.in_scope and au.regimes == ["russia"]


def test_a_party_gone_from_the_serving_version_is_delisted_on_that_versions_date(
        served: tuple[Store, Screener]) -> None:
    store, screener = served
    result = compare(store, screener.index, Scope(regime="belarus"), default_taxonomy())
    cell = row_named(result.rows, "Testovich").cells["ca"]
    assert (cell.status, cell.listed, cell.delisted) == ("delisted", "2020-09-28",
                                                         "2021-12-02")


def test_gaps_name_the_parties_one_lists_and_the_other_does_not(
        served: tuple[Store, Screener]) -> None:
    store, screener = served
    result = compare(store, screener.index, Scope(regime="belarus"), default_taxonomy(),
                     by=["ca"], not_by=["us"])
    gap = next(g for g in result.gaps() if g["listed_by"] == "ca" and g["not_listed_by"] == "us")
    names = {p["caption"] for p in gap["parties"]}
    assert any("Viktor" in n for n in names) and not any("Ryhorovich" in n for n in names)
    assert not any("Testovich" in n for n in names)  # delisted: not listed by CA now
    assert {r.caption for r in result.selected} == names


def test_a_country_takes_its_programmes_and_a_party_list_its_profiles(
        served: tuple[Store, Screener]) -> None:
    store, screener = served
    by_country = compare(store, screener.index, Scope(country="by"), default_taxonomy())
    assert any("Ryhorovich" in r.caption for r in by_country.rows)
    one = compare(store, screener.index, Scope(parties=("us-ofac-sdn-9760",)),
                  default_taxonomy())
    assert [r.caption for r in one.rows] == ["Alyaksandr Ryhorovich LUKASHENKA"]
    assert one.rows[0].cells["au"].in_scope  # no regime asked: every designation counts


@pytest.mark.parametrize(("scope", "by", "problem"), [
    (Scope(parties=("no-such-record",)), [], "no listed party"),
    (Scope(regime="belarus"), ["xx"], "unknown jurisdiction"),
    (Scope(country="belarus"), [], "unknown country"),
])
def test_a_scope_naming_nothing_known_is_refused(served: tuple[Store, Screener],
                                                 scope: Scope, by: list[str],
                                                 problem: str) -> None:
    store, screener = served
    with pytest.raises(CompareError, match=problem):
        compare(store, screener.index, scope, default_taxonomy(), by=by)


def dated(source: str, listed: str | None, regimes: tuple[str, ...] = ("belarus",),
          delisted: str | None = None, basis: str = PUBLISHER) -> Dated:
    return Dated(source, f"{source}-{listed}", ("L",), regimes, listed, basis, delisted)


def test_a_cell_prefers_the_regimes_designations_and_is_delisted_only_when_all_left() -> None:
    cell = make_cell([dated("a", "2019-01-01", ("russia",)), dated("a", "2021-05-01")],
                     ["belarus"])
    assert (cell.listed, cell.in_scope) == ("2021-05-01", True)
    one_left = make_cell([dated("a", "2020-01-01", delisted="2022-01-01"),
                          dated("a", "2021-01-01")], ["belarus"])
    assert (one_left.status, one_left.listed) == ("listed", "2021-01-01")
    all_left = make_cell([dated("a", "2020-01-01", delisted="2022-01-01"),
                          dated("a", "2021-01-01", delisted="2023-02-01")], ["belarus"])
    assert (all_left.status, all_left.delisted) == ("delisted", "2023-02-01")


def row(name: str, **cells: tuple[str, str]) -> Row:
    return Row(name, name, "Person", {j: Cell(listed=d, basis=b, records=["r"], in_scope=True)
                                      for j, (d, b) in cells.items()}
               | {j: Cell() for j in ("us", "uk", "ca") if j not in cells})


def test_lead_and_lag_count_who_listed_first_over_publisher_dates_only() -> None:
    rows = [row("a", us=("2020-01-01", PUBLISHER), uk=("2020-01-11", PUBLISHER)),
            row("b", us=("2020-03-01", PUBLISHER), uk=("2020-02-20", PUBLISHER)),
            row("c", us=("2020-03-01", PUBLISHER), uk=("2020-03-01", PUBLISHER)),
            row("d", us=("2020-03-01", FIRST_SEEN), uk=("2020-04-01", PUBLISHER)),
            row("e", us=("2020-03-01", PUBLISHER))]
    pair = next(p for p in lead_lag(rows, ["us", "uk", "ca"]) if (p["a"], p["b"]) == ("us", "uk"))
    assert pair == {"a": "us", "b": "uk", "both": 4, "dated": 3, "first_seen": 1,
                    "a_first": 1, "b_first": 1, "same_day": 1, "median_days": 10,
                    "median_b_after_a": 0}
    assert [r.caption for r in select_rows(rows, ["us"], ["uk"])] == ["e"]


def test_the_timeline_counts_designations_cumulatively_per_day() -> None:
    rows = [row("a", us=("2020-01-01", PUBLISHER)), row("b", us=("2020-01-01", PUBLISHER)),
            row("c", us=("2021-06-01", FIRST_SEEN))]
    series = timeline(rows, ["us", "uk"])
    assert series["us"] == {"points": [{"date": "2020-01-01", "count": 2},
                                       {"date": "2021-06-01", "count": 3}], "first_seen": 1}
    assert series["uk"] == {"points": [], "first_seen": 0}
    svg = timeline_svg(series, {"us": "United States"}, "Belarus")
    assert svg.startswith("<svg") and "United States (1 first seen)" in svg
    assert "http://" not in svg.split("-->", 3)[-1].replace("http://www.w3.org", "")


def test_the_csv_has_one_line_per_party_and_no_formula_runs() -> None:
    rows = [row("=HYPERLINK(1)", us=("2020-01-01", PUBLISHER))]
    lines = list(csv.reader(io.StringIO(rows_csv(rows, ["us", "uk"]))))
    assert lines[0][:5] == ["profile_id", "caption", "schema", "us_status", "us_listed"]
    assert lines[1][1] == "'=HYPERLINK(1)" and lines[1][3:5] == ["listed", "2020-01-01"]


def cli(store_home: Path, *args: str) -> Any:
    return runner.invoke(cli_app, list(args), env={"WATCHLIST_HOME": str(store_home)})


@pytest.fixture(scope="module")
def home(served: tuple[Store, Screener]) -> Path:
    from watchlist.config import home as config_home
    return config_home()


def test_the_command_prints_the_json_contract(served: tuple[Store, Screener],
                                              home: Path, tmp_path: Path) -> None:
    chart = tmp_path / "belarus.svg"
    result = cli(home, "compare", "--regime", "belarus", "--json", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert {"regime", "jurisdictions", "parties", "gaps", "lag"} <= set(body)
    assert body["regime"] == "belarus" and body["jurisdictions"] == ["us", "ca", "au"]
    party = next(p for p in body["parties"] if "Ryhorovich" in p["caption"])
    assert party["profile_id"].startswith("wl-")
    assert party["jurisdictions"]["ca"]["listed"] == "2020-09-28"
    assert party["jurisdictions"]["us"]["basis"] == "first-seen"
    assert party["jurisdictions"]["us"]["sources"] == ["us_ofac_sdn"]
    assert chart.read_text(encoding="utf-8").startswith("<svg")


def test_the_command_shows_the_matrix_and_the_gaps(served: tuple[Store, Screener],
                                                   home: Path) -> None:
    result = cli(home, "compare", "--regime", "belarus")
    assert result.exit_code == 0, result.output
    assert "2020-09-28" in result.stdout and "(first seen)" in result.stdout
    assert "CA not US: " in result.stdout
    csv_out = cli(home, "compare", "--regime", "belarus", "--by", "ca", "--not-by", "us",
                  "--csv", "-")
    assert csv_out.exit_code == 0 and "Viktor" in csv_out.stdout
    assert "Ryhorovich" not in csv_out.stdout


def test_the_command_refuses_an_unknown_regime_or_no_scope(served: tuple[Store, Screener],
                                                          home: Path) -> None:
    unknown = cli(home, "compare", "--regime", "atlantis")
    assert unknown.exit_code == 2 and "unknown regime 'atlantis'" in unknown.output
    none = cli(home, "compare")
    assert none.exit_code == 2 and "give one of --regime" in none.output


def test_unmapped_labels_prints_none_when_the_taxonomy_covers_the_store(
        served: tuple[Store, Screener], home: Path) -> None:
    result = cli(home, "regimes", "unmapped")
    assert result.exit_code == 0 and result.stdout.startswith("none")


def test_unmapped_labels_lists_a_label_no_regime_holds(tmp_path: Path) -> None:
    other = tmp_path / "home"
    env = {"WATCHLIST_HOME": str(other)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WATCHLIST_HOME", str(other))
        update_from_paths(Store(), [FIXTURES / "web" / "own_list.ftm.json"], "own_list")
    result = runner.invoke(cli_app, ["regimes", "unmapped", "--json"], env=env)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [{"source": "own_list", "label": "TEST <i>regime</i>",
                                          "designations": 1}]


@pytest.fixture(scope="module")
def client(served: tuple[Store, Screener]) -> Iterator[tuple[TestClient, str]]:
    store, screener = served
    key = create_key(store, "compare test", "screen")[1]
    app = create_app(store, warm=False, screener_opener=lambda _store: screener)
    with TestClient(app) as client:
        yield client, key


def test_get_compare_answers_the_json_contract_and_csv(
        client: tuple[TestClient, str]) -> None:
    http, key = client
    answer = http.get("/compare", params={"regime": "belarus"}, headers={"X-API-Key": key})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["jurisdictions"] == ["us", "ca", "au"] and body["gaps"] and body["lag"]
    assert "X-Watchlist-Versions" in answer.headers
    as_csv = http.get("/compare", params={"regime": "belarus", "by": "ca", "not_by": "us",
                                          "format": "csv"}, headers={"X-API-Key": key})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "Viktor" in as_csv.text and "Ryhorovich" not in as_csv.text


@pytest.mark.parametrize("params", [{}, {"regime": "belarus", "country": "by"},
                                    {"regime": "atlantis"}, {"regime": "belarus", "by": "xx"}])
def test_get_compare_refuses_a_scope_naming_nothing_or_two_things(
        client: tuple[TestClient, str], params: dict[str, str]) -> None:
    http, key = client
    answer = http.get("/compare", params=params, headers={"X-API-Key": key})
    assert answer.status_code == 422 and answer.json()["detail"]


def test_get_compare_needs_a_key(client: tuple[TestClient, str]) -> None:
    http, _key = client
    assert http.get("/compare", params={"regime": "belarus"}).status_code == 401


def test_the_book_compares_the_parties_of_its_open_alerts(
        served: tuple[Store, Screener]) -> None:
    store, screener = served
    import_book(store, WEB / "customers.csv")
    run_monitor(store, screener)
    alerted = {a["profile_id"] for a in list_alerts(store, status="open")[0]}
    result = compare(store, screener.index, Scope(book=True), default_taxonomy())
    assert {r.profile_id for r in result.rows} == alerted
    assert any("Ryhorovich" in r.caption for r in result.rows)


def test_a_delisted_record_stays_in_the_row_of_the_profile_it_last_belonged_to(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHLIST_HOME", str(tmp_path / "home"))
    store = Store()
    update_from_paths(store, [WEB / "sema_belarus_v1.xml"])
    before = Screener.open(store).index  # remembers each record's profile
    record = next(p.id for p in before.parties if "Testovich" in (p.caption or ""))
    profile_id = before.profile_ids[int(before.profile_of[before.by_id[record]])]
    update_from_paths(store, [WEB / "sema_belarus_v2.xml"])
    result = compare(store, Screener.open(store).index, Scope(regime="belarus"),
                     default_taxonomy())
    row = row_named(result.rows, "Testovich")
    assert row.profile_id == profile_id
    assert (row.cells["ca"].status, row.cells["ca"].records) == ("delisted", [record])
