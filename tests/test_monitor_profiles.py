"""Monitoring per customer and profile: one alert for a party however many publishers list
it, a newly linked record joining the existing alert (its history says so), and the
profile keeping its id across list versions."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from watchlist.cli import app
from watchlist.monitor import alerts as alerts_mod
from watchlist.monitor import portfolio as book
from watchlist.monitor.run import run_monitor
from watchlist.screener import Screener
from watchlist.store.audit import verify_audit
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

FIXTURES = Path(__file__).parent / "fixtures"
UN_V1 = FIXTURES / "un_small_v1.xml"
OFAC = FIXTURES / "ofac_sdn_small.xml"
BOOK = FIXTURES / "monitor" / "book_v1.csv"

#: The UN's Ivan Petrovich Testovsky (KPi.901) as OFAC would list him: same birth date.
IVAN_AT_OFAC = """  <sdnEntry>
    <uid>99901</uid>
    <firstName>Ivan Petrovich</firstName>
    <lastName>TESTOVSKY</lastName>
    <sdnType>Individual</sdnType>
    <programList>
      <program>DPRK</program>
    </programList>
    <dateOfBirthList>
      <dateOfBirthItem>
        <uid>99902</uid>
        <dateOfBirth>14 Jul 1961</dateOfBirth>
        <mainEntry>true</mainEntry>
      </dateOfBirthItem>
    </dateOfBirthList>
  </sdnEntry>
"""


def _ofac_with_ivan(folder: Path) -> Path:
    text = OFAC.read_text(encoding="utf-8")
    text = text.replace("<Record_Count>5</Record_Count>", "<Record_Count>6</Record_Count>")
    path = folder / "sdn.xml"
    path.write_text(text.replace("</sdnList>", IVAN_AT_OFAC + "</sdnList>"), encoding="utf-8")
    return path


def _ivan_alerts(store: Store) -> list[dict]:
    found, _total = alerts_mod.list_alerts(store, customer="c1")
    return found


def _profile_of(store: Store, record_id: str) -> tuple[str, set[str]]:
    index = Screener.open(store).index
    pid = index.profile_of[index.by_id[record_id]]
    return index.profile_ids[pid], {index.parties[e].id for e in index.profiles[pid]}


def test_one_alert_for_a_person_listed_by_two_publishers(store_url: str,
                                                          tmp_path: Path) -> None:
    store = Store()
    update_from_paths(store, [UN_V1, _ofac_with_ivan(tmp_path)])
    book.import_book(store, BOOK)
    run_monitor(store, Screener.open(store))
    [alert] = _ivan_alerts(store)
    assert {d["source"] for d in alert["designations"]} == {"un_sc_sanctions", "us_ofac_sdn"}


def test_a_newly_linked_record_joins_the_alert_and_its_history_says_so(
        store_url: str, tmp_path: Path) -> None:
    store = Store()
    update_from_paths(store, [UN_V1, OFAC])
    book.import_book(store, BOOK)
    run_monitor(store, Screener.open(store))
    [before] = _ivan_alerts(store)
    update_from_paths(store, [_ofac_with_ivan(tmp_path)])
    profile, records = _profile_of(store, "un-sc-sanctions-kpi.901")
    assert profile == before["profile_id"]  # the profile keeps its id as a record joins
    assert records == {"un-sc-sanctions-kpi.901", "us-ofac-sdn-99901"}
    stats = run_monitor(store, Screener.open(store))
    assert stats.new_alerts == 0
    [after] = _ivan_alerts(store)
    assert after["id"] == before["id"] and after["profile_id"] == before["profile_id"]
    assert {d["source"] for d in after["designations"]} == {"un_sc_sanctions", "us_ofac_sdn"}
    alert = alerts_mod.get_alert(store, after["id"])
    [joined] = [d for d in alert["decisions"] if d["decision"] == "joined"]
    assert joined["reason"] == ("record us-ofac-sdn-99901 of list us_ofac_sdn joined this "
                                "alert's party")
    assert joined["status"] == before["status"]
    assert verify_audit(store).ok


def test_diff_reports_a_record_that_joined_a_profile_with_the_links_evidence(
        store_url: str, tmp_path: Path) -> None:
    store = Store()
    update_from_paths(store, [UN_V1, OFAC])
    profile, _records = _profile_of(store, "un-sc-sanctions-kpi.901")
    update_from_paths(store, [_ofac_with_ivan(tmp_path)])
    assert _profile_of(store, "us-ofac-sdn-99901")[0] == profile  # the index is built
    result = CliRunner().invoke(app, ["diff", "us_ofac_sdn", "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [joined] = json.loads(result.output)["profiles"]
    assert joined["change"] == "joined" and joined["profile_id"] == profile
    assert joined["record_id"] == "us-ofac-sdn-99901"
    [link] = joined["evidence"]
    assert {link["a"], link["b"]} == {"un-sc-sanctions-kpi.901", "us-ofac-sdn-99901"}
    shown = CliRunner().invoke(app, ["diff", "us_ofac_sdn"], catch_exceptions=False,
                               env={"COLUMNS": "200"}).output
    assert "us-ofac-sdn-99901" in shown and profile in shown
    assert "un-sc-sanctions-kpi.901" in shown  # the other side of the link


def test_diff_reports_a_record_that_left_a_profile_and_the_split(store_url: str,
                                                                tmp_path: Path) -> None:
    store = Store()
    update_from_paths(store, [UN_V1, _ofac_with_ivan(tmp_path)])
    profile, _records = _profile_of(store, "un-sc-sanctions-kpi.901")
    other = tmp_path / "other"
    other.mkdir()
    reborn = _ofac_with_ivan(other)
    reborn.write_text(reborn.read_text(encoding="utf-8").replace("14 Jul 1961", "3 Mar 1985"),
                      encoding="utf-8")
    update_from_paths(store, [reborn])  # OFAC's Ivan now born 24 years later: not him
    kept, records = _profile_of(store, "un-sc-sanctions-kpi.901")
    assert kept == profile and records == {"un-sc-sanctions-kpi.901"}
    alone, _ = _profile_of(store, "us-ofac-sdn-99901")
    found = json.loads(CliRunner().invoke(app, ["diff", "us_ofac_sdn", "--json"],
                                          catch_exceptions=False).output)["profiles"]
    assert [(f["change"], f["record_id"], f["profile_id"], f["other_id"]) for f in found] == [
        ("left", "us-ofac-sdn-99901", profile, alone), ("split", None, profile, alone)]


def test_two_alerts_on_records_that_become_one_profile_become_one(store_url: str,
                                                                  tmp_path: Path) -> None:
    store = Store()
    undated = _ofac_with_ivan(tmp_path)
    text = undated.read_text(encoding="utf-8")
    text = text.replace("<program>DPRK</program>\n    </programList>\n    <dateOfBirthList>",
                        "<program>SDGT</program>\n    </programList>\n    <dateOfBirthList>")
    undated.write_text(text.replace("""    <dateOfBirthList>
      <dateOfBirthItem>
        <uid>99902</uid>
        <dateOfBirth>14 Jul 1961</dateOfBirth>
        <mainEntry>true</mainEntry>
      </dateOfBirthItem>
    </dateOfBirthList>
""", ""), encoding="utf-8")
    update_from_paths(store, [UN_V1, undated])  # no birth date, thematic programme: no link
    book.import_book(store, BOOK)
    run_monitor(store, Screener.open(store))
    first = _ivan_alerts(store)
    assert len(first) == 2
    dated = tmp_path / "dated"
    dated.mkdir()
    update_from_paths(store, [_ofac_with_ivan(dated)])  # OFAC adds his birth date: linked
    stats = run_monitor(store, Screener.open(store))
    assert stats.new_alerts == 0
    open_now = [a for a in _ivan_alerts(store) if a["open"]]
    [kept] = open_now
    assert {d["source"] for d in kept["designations"]} == {"un_sc_sanctions", "us_ofac_sdn"}
    [closed] = [a for a in first if a["id"] != kept["id"]]
    history = alerts_mod.get_alert(store, closed["id"])["decisions"]
    assert [(d["decision"], d["status"]) for d in history] == [("joined", "closed")]
    assert f"alert {kept['id']}" in history[0]["reason"]
    assert verify_audit(store).ok
