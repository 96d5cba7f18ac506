"""The monitor run: full screening of new or changed customers, delta screening of the
others against the list entries that changed, only new alerts, suppression and reopening."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pgtest import postgres_schema
from watchlist.cli import app
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import portfolio as book
from watchlist.monitor.delta import DeltaScreener, _SubsetSearch, counting
from watchlist.monitor.run import MonitorError, run_monitor
from watchlist.screener import Screener
from watchlist.store.audit import verify_audit
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

FIXTURES = Path(__file__).parent / "fixtures"
BOOKS = FIXTURES / "monitor"
UN_V1, UN_V2 = FIXTURES / "un_small_v1.xml", FIXTURES / "un_small_v2.xml"
OFAC = FIXTURES / "ofac_sdn_small.xml"


def _lists_v1(store: Store) -> None:
    update_from_paths(store, [UN_V1, OFAC])


def _alerts(store: Store, status: str = "all") -> dict[str, dict]:
    found, _total = alerts_mod.list_alerts(store, status=status)
    return {a["customer_id"]: a for a in found}


def _run(store: Store, full: bool = False):
    return run_monitor(store, Screener.open(store), full=full)


def _cli_text(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False,
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def _table_row(text: str, first: str) -> list[str]:
    """The non-empty cells of the table row of `text` whose first cell is `first`."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if cells and cells[0] == first:
            return [c for c in cells if c]
    raise AssertionError(f"no row {first!r} in:\n{text}")


def test_walkthrough_from_the_readme_on_small_lists(store_url: str) -> None:
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(app, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    cli("update", "--from", str(UN_V1))
    cli("update", "--from", str(OFAC))
    cli("portfolio", "import", str(BOOKS / "book_v1.csv"))
    first = json.loads(cli("monitor", "--json"))
    assert first["full"] == 8 and first["new_alerts"] == 5
    cli("update", "--from", str(UN_V2))
    second = json.loads(cli("monitor", "--json"))
    assert second["full"] == 0 and second["delta"] == 8
    assert second["searches"] < 8 and second["targets_added"] == 1
    listed = json.loads(cli("alerts", "list", "--json"))
    new = [a for a in listed["alerts"] if a["id"] in second["new_alert_ids"]]
    assert [(a["customer_id"], a["caption"], a["cause"]) for a in new] == [
        ("c3", "SAMPLE SHIPPING LINES", "listing-added")]
    # c2's party left the UN list: its alert is delisted, not open.
    assert "c2" not in {a["customer_id"] for a in listed["alerts"]}
    alert_id = next(a["id"] for a in listed["alerts"] if a["customer_id"] == "c8")
    cli("alerts", "decide", str(alert_id), "--decision", "false-positive",
        "--reason", "our customer is a Havana bakery", "--user", "analyst1")
    # Four-eyes: the false positive takes effect once a second person approves it.
    created = runner.invoke(app, ["users", "create", "ravi", "--role", "approve",
                                  "--password-stdin"], input="a long password\n")
    assert created.exit_code == 0, created.output
    assert "now false-positive" in cli("alerts", "approve", str(alert_id), "--user", "ravi")
    third = json.loads(cli("monitor", "--json"))
    assert third["new_alerts"] == 0
    assert alert_id not in {a["id"] for a in json.loads(cli("alerts", "list", "--json"))
                            ["alerts"]}
    assert "audit log intact" in cli("audit", "verify")
    shown = json.loads(cli("alerts", "show", str(alert_id), "--json"))
    assert shown["decisions"][0]["user"] == "analyst1"
    text = cli("monitor")
    assert "a full re-screen makes 8 searches" in text


def test_delta_run_raises_the_same_new_alerts_as_a_full_rescreen(store_url: str,
                                                                tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        # A twin store on the same backend, built by the same steps.
        twin_url = (f"sqlite:///{tmp_path / 'twin.sqlite'}" if store_url.startswith("sqlite")
                    else stack.enter_context(postgres_schema()))
        stores = [Store(store_url), Store(twin_url)]
        for store in stores:
            stack.callback(store.close)
            _lists_v1(store)
            book.import_book(store, BOOKS / "book_v1.csv")
            _run(store)
            update_from_paths(store, [UN_V2])
        delta, full = _run(stores[0]), _run(stores[1], full=True)
        assert delta.mode == "delta" and full.mode == "full"
        assert full.full == 8 and delta.full == 0
        assert delta.searches < full.searches

        def new(store: Store, ids: list[int]) -> set[tuple[str, str]]:
            found, _ = alerts_mod.list_alerts(store, status="all")
            return {(a["customer_id"], a["matched_entity_id"]) for a in found if a["id"] in ids}

        assert new(stores[0], delta.new_alert_ids) == new(stores[1], full.new_alert_ids) == {
            ("c3", "un-sc-sanctions-kpe.904")}


def test_false_positive_is_suppressed_until_the_listing_changes(store_url: str) -> None:
    store = Store()
    _lists_v1(store)
    book.import_book(store, BOOKS / "book_v1.csv")
    _run(store)
    ivan = _alerts(store)["c1"]
    alerts_mod.decide(store, ivan["id"], "false-positive", "different person", "analyst")
    again = _run(store, full=True)  # nothing changed: still suppressed
    assert again.suppressed == 1 and again.reopened == 0 and again.new_alerts == 0
    update_from_paths(store, [UN_V2])  # KPi.901 gets a new alias
    after = _run(store)
    assert after.reopened == 1
    alert = alerts_mod.get_alert(store, ivan["id"])
    assert alert["status"] == "reopened" and alert["open"]
    assert alert["changes"]["listing"]["changed"] == {
        "un-sc-sanctions-kpi.901": {"alias": {"added": ["Ivan P. Testovski"],
                                              "removed": []}}}
    assert [d["decision"] for d in alert["decisions"]] == ["false-positive", "reopened"]
    assert verify_audit(store).ok
    shown = _cli_text("alerts", "show", str(ivan["id"]))
    assert "What changed since the decision" in shown
    assert _table_row(shown, "un-sc-sanctions-kpi.901") == [
        "un-sc-sanctions-kpi.901", "alias", "Ivan P. Testovski"]


def test_false_positive_reopens_when_the_customer_changes(store_url: str) -> None:
    store = Store()
    _lists_v1(store)
    book.import_book(store, BOOKS / "book_v1.csv")
    _run(store)
    luka = _alerts(store)["c4"]
    alerts_mod.decide(store, luka["id"], "false-positive", "namesake", "analyst")
    book.import_book(store, BOOKS / "book_v2.csv")  # c4 now gives a country
    stats = _run(store)
    assert stats.full == 3  # c1 and c4 changed, c9 is new
    alert = alerts_mod.get_alert(store, luka["id"])
    assert alert["status"] == "reopened"
    assert alert["changes"] == {"customer": {"country": {"before": None, "after": "by"}}}
    assert alert["cause"] == "customer-new"  # why it was first raised
    assert _table_row(_cli_text("alerts", "show", str(luka["id"])), "customer") == [
        "customer", "country", "by"]
    listed = _cli_text("alerts", "list", "--customer", "c4")
    assert f"c4 {alert['customer']['name']}" in listed


def test_confirmed_match_stays_open_and_is_not_raised_twice(store_url: str) -> None:
    store = Store()
    _lists_v1(store)
    book.import_book(store, BOOKS / "book_v1.csv")
    _run(store)
    bank = _alerts(store)["c8"]
    alerts_mod.decide(store, bank["id"], "match", "it is the bank", "analyst")
    stats = _run(store, full=True)
    assert stats.new_alerts == 0 and stats.refreshed == 5
    assert alerts_mod.get_alert(store, bank["id"])["status"] == "match"
    assert bank["id"] in {a["id"] for a in alerts_mod.list_alerts(store, "open")[0]}


def test_removing_a_customer_closes_its_open_alerts(store_url: str) -> None:
    store = Store()
    _lists_v1(store)
    book.import_book(store, BOOKS / "book_v1.csv")
    _run(store)
    assert book.remove_customer(store, "c6", "cli:tester", "account closed") == 1
    alert = _alerts(store)["c6"]
    assert alert["status"] == "closed"
    stats = _run(store, full=True)
    assert stats.customers == 7
    book.import_book(store, BOOKS / "book_v1.csv")  # back in the book: screened in full
    stats = _run(store)
    assert stats.full == 1 and stats.reopened == 1
    assert _alerts(store)["c6"]["status"] == "reopened"
    assert verify_audit(store).ok


def test_a_second_run_cannot_start_while_one_is_running(store_url: str) -> None:
    store = Store()
    _lists_v1(store)
    book.import_book(store, BOOKS / "book_v1.csv")
    from sqlalchemy import insert

    from watchlist.monitor import schema as m
    from watchlist.store.store import now_iso

    with store.engine.begin() as conn:
        conn.execute(insert(m.monitor_runs).values(started_at=now_iso(), status="running",
                                                   actor="cli:other", mode="delta",
                                                   versions="[]", index_key="x"))
    with pytest.raises(MonitorError, match="running since"):
        _run(store)
    assert run_monitor(store, Screener.open(store), force=True).customers == 8


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 6:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:]


def test_delta_screener_finds_what_a_full_search_finds_among_the_subset(home: Path) -> None:
    store = Store()
    update_from_paths(store, [UN_V2, OFAC, FIXTURES / "sema_small.xml",
                              FIXTURES / "ofac_csv_small"])
    screener = Screener.open(store)
    index = screener.index
    rng = random.Random(5)
    queries = []
    for party in index.parties:
        for name, _weak in party.names:
            queries.append({"name": name})
            queries.append({"name": _typo(name, rng)})
    queries += [{"name": n} for n in ("John Smith", "Maria Garcia", "Cuba", "Ivan", "Bank")]
    ids = [p.id for p in index.parties]
    for trial in range(6):
        subset = set(rng.sample(ids, max(1, len(ids) // 4)))
        delta = DeltaScreener(screener, subset)
        plain, _counter = counting(screener)
        plain.search = _SubsetSearch(screener.search, delta.positions)  # type: ignore
        for query in queries:
            want = [(h.profile_id, round(h.score, 6)) for h in plain.check(query)]
            got = [(h.profile_id, round(h.score, 6)) for h in delta.check(query)]
            assert got == want, (trial, query)
        assert delta.searches < len(queries)
