"""The user's files of relations: the CSV, FollowTheMoney Ownership/Directorship, GLEIF
relationship records (XML and CSV) and UK PSC records, each recognised by content; a bad
file is refused whole with each problem named by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchlist.errors import SourceError
from watchlist.ownership.compute import assess
from watchlist.ownership.explain import explain
from watchlist.ownership.graph import Graph
from watchlist.ownership.rules import RULES
from watchlist.sources.relation_formats import read_relations
from watchlist.sources.relations import CONTROL, LINKED, OWNERSHIP, parse_share

HERE = Path(__file__).parent / "fixtures" / "ownership"


def relations(name: str) -> tuple[str, list]:
    fmt, found = read_relations(HERE / name)
    return fmt, list(found)


@pytest.mark.parametrize("text,expected", [
    ("55", (55.0, 55.0)), ("55%", (55.0, 55.0)), ("12.5 %", (12.5, 12.5)),
    ("50-75", (50.0, 75.0)), ("50% to 75%", (50.0, 75.0)), ("", (None, None)),
    ("unknown", (None, None))])
def test_shares_are_percentages_bands_or_unknown(text, expected):
    assert parse_share(text) == expected


@pytest.mark.parametrize("text", ["fifty", "120", "75-50", "-5"])
def test_a_share_that_is_no_percentage_is_refused(text):
    with pytest.raises(ValueError):
        parse_share(text)


def test_the_csv_gives_names_ids_bands_unknown_shares_dates_and_sources():
    fmt, found = relations("owners.csv")
    assert fmt == "ownership-csv"
    assert [(r.owner, r.owner_name, r.owned, r.owned_name, r.low, r.high, r.as_of, r.source)
            for r in found] == [
        ("", "Xavier Holdings", "", "Alpha Trading Ltd", 55.0, 55.0, "2024-03-31",
         "annual report"),
        ("us-ofac-sdn-306", "", "", "Beta Shipping", 50.0, 75.0, "", ""),
        ("", "Alpha Trading Ltd", "OWN-7", "Gamma LLC", None, None, "2024-01-01", "registry")]


def test_a_bad_csv_is_refused_whole_naming_each_line_and_field():
    with pytest.raises(SourceError) as caught:
        read_relations(HERE / "bad.csv")
    text = str(caught.value)
    assert str(HERE / "bad.csv") in text and "nothing imported" in text
    assert "line 3: field 'share'" in text and "fifty" in text
    assert "line 4: field 'owner' is empty" in text
    assert "line 5: field 'share'" in text and "more than 100%" in text
    assert "line 5: field 'as_of'" in text


def test_a_csv_with_an_unknown_column_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("owner,owned,share,percent\nA,B,10,10\n", encoding="utf-8")
    with pytest.raises(SourceError, match="unknown column percent"):
        read_relations(path)


def test_an_unknown_file_is_named_with_the_formats_there_are(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(SourceError, match="owner,owned,share"):
        read_relations(path)


def test_ftm_ownership_and_directorship_name_their_parties():
    fmt, found = relations("ftm.json")
    assert fmt == "ftm-ownership"
    assert [(r.owner, r.owner_name, r.owned_name, r.kind, r.low, r.as_of) for r in found] == [
        ("p-1", "Ivan Petrov", "Northwind OOO", OWNERSHIP, 51.0, "2021-06-01"),
        ("p-1", "Ivan Petrov", "Northwind OOO", LINKED, None, "")]


@pytest.mark.parametrize("name", ["gleif_rr.xml", "gleif_rr.csv"])
def test_gleif_consolidation_is_control_with_its_share_and_inactive_records_are_skipped(name):
    fmt, found = relations(name)
    assert fmt == "gleif-rr"
    consolidated = [(r.owner, r.owned, r.kind, r.low, r.as_of) for r in found
                    if "CONSOLIDATED" in r.source]
    assert consolidated == [
        ("lei-529900parent00000001", "lei-529900child000000001", CONTROL, None, "2019-01-01"),
        ("lei-529900parent00000001", "lei-529900child000000001", OWNERSHIP, 80.0,
         "2019-01-01")]
    if name.endswith(".xml"):
        assert [r.kind for r in found if "FUND" in r.source] == [LINKED]


def test_psc_bands_keep_their_bounds_and_the_uk_rule_reads_more_than_half():
    fmt, found = relations("psc.jsonl")
    assert fmt == "uk-psc"
    shares = [(r.owner, r.owner_name, r.owned, r.kind, round(r.low or 0, 4), r.high)
              for r in found]
    assert shares == [
        ("", "Ivan PETROV", "gb-coh-01234567", OWNERSHIP, 50.0, 75.0),
        ("", "Ivan PETROV", "gb-coh-01234567", CONTROL, 0, None),
        ("gb-coh-01234567", "NORTHWIND HOLDINGS LIMITED", "gb-coh-07654321", OWNERSHIP,
         75.0, 100.0)]
    graph = Graph()
    graph.add_all(r.__class__(r.owner or "ivan", r.owned, r.kind, r.low, r.high, r.source)
                  for r in found if r.kind == OWNERSHIP)
    assessment = assess(graph, RULES["uk-ownership-control"], ["ivan"])
    assert assessment.status("gb-coh-01234567") == "blocked"  # more than 50%
    assert assessment.status("gb-coh-07654321") == "blocked"  # through its 75% parent
    finding = explain(assessment, "gb-coh-01234567")
    assert (finding.share, finding.share_high) == (50.0, 75.0)


def test_a_bad_psc_line_is_named(tmp_path):
    path = tmp_path / "psc.jsonl"
    path.write_text('{"company_number":"1","data":{"name":"A","natures_of_control":[]}}\n'
                    '{"company_number":"2","data":"x", "natures_of_control": 1}\n',
                    encoding="utf-8")
    with pytest.raises(SourceError, match="line 2: is not a PSC record"):
        read_relations(path)
