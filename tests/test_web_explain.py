"""Explanations in plain words, text highlighting and the sign-in redirect: pure functions."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from watchlist.match.model import WatchlistV1
from watchlist.match.prepare import Party
from watchlist.web.explain import (
    CUSTOMER,
    SURNAME_ONLY,
    explain,
    matched_name,
    name_detail,
    one_name_only,
    summary,
)
from watchlist.web.highlight import pieces
from watchlist.web.pages.signin import HOME, safe_next


def explanation(query: dict, candidate: dict) -> dict:
    def party(data: dict) -> Party:
        return Party.from_query(data["names"], schema=data.get("schema", "Person"),
                                birth_date=data.get("dates", []),
                                country=data.get("countries", []),
                                identifier=data.get("ids", []))
    return WatchlistV1.compare(party(query), party(candidate)).explanation


def by_label(aspects: list) -> dict:
    return {a.label: a for a in aspects}


def test_agreeing_birth_dates_and_countries_speak_for_the_match() -> None:
    found = explanation({"names": ["Alexander Lukashenko"], "dates": ["1954-08-30"],
                         "countries": ["by"]},
                        {"names": ["Aleksandr Lukashenko"], "dates": ["1954-08-30"],
                         "countries": ["by"]})
    aspects = by_label(explain(found, {"name": "x", "birth_date": "1954-08-30",
                                       "country": "by"}))
    assert aspects["Birth date"].verdict == "for"
    assert aspects["Birth date"].text == \
        "Same birth date: 1954-08-30 (searched), 1954-08-30 (listed)."
    assert aspects["Birth date"].effect_text == "+0.10"
    assert aspects["Country"].text == "Belarus on both."
    assert aspects["Name"].verdict == "for" and "“Alexander Lukashenko”" in aspects["Name"].text
    assert "How alike the names are" in aspects["Name"].help[0]


def test_a_distant_birth_date_speaks_against_and_says_by_how_much() -> None:
    found = explanation({"names": ["Alexander Lukashenko"], "dates": ["1990"]},
                        {"names": ["Alexander Lukashenko"], "dates": ["1954-08-30"]})
    aspect = by_label(explain(found, {"name": "x", "birth_date": "1990"}))["Birth date"]
    assert aspect.verdict == "against" and aspect.effect_text == "−0.30"
    assert aspect.text.startswith("Birth dates more than two years apart: 1990 (searched)")


def test_a_missing_value_is_blamed_on_the_side_that_lacks_it() -> None:
    found = explanation({"names": ["Alexander Lukashenko"], "dates": ["1954"]},
                        {"names": ["Alexander Lukashenko"]})
    search = by_label(explain(found, {"name": "x", "birth_date": "1954"}))
    assert search["Birth date"].text == "Not compared: the listed record has no birth date."
    assert search["Identifier"].text == "Not compared: the search gave no identifier."
    customer = by_label(explain(found, {"name": "x"}, CUSTOMER))
    assert customer["Birth date"].text == \
        "Not compared: the customer record gave no birth date."


def test_the_same_identifier_is_decisive_and_a_different_one_counts_against() -> None:
    same = explanation({"names": ["Oceanic Star"], "schema": "Vessel", "ids": ["9321483"]},
                       {"names": ["Ocean Star"], "schema": "Vessel", "ids": ["9321483"]})
    assert "decisive" in by_label(explain(same, {"identifier": "9321483"}))["Identifier"].text
    other = explanation({"names": ["Oceanic Star"], "schema": "Vessel", "ids": ["9321483"]},
                        {"names": ["Oceanic Star"], "schema": "Vessel", "ids": ["9999999"]})
    aspect = by_label(explain(other, {"identifier": "9321483"}))["Identifier"]
    assert aspect.verdict == "against" and "9999999 (listed)" in aspect.text


def test_rare_aspects_appear_only_when_they_found_something() -> None:
    plain = explanation({"names": ["Alexander Lukashenko"]},
                        {"names": ["Alexander Lukashenko"]})
    assert set(by_label(explain(plain))) == {"Name", "Identifier", "Birth date", "Country"}
    kinds = explanation({"names": ["Test Star"], "schema": "Person"},
                        {"names": ["Test Star"], "schema": "Vessel"})
    aspect = by_label(explain(kinds))["Kind of party"]
    assert aspect.verdict == "against" and "Person (searched), Vessel (listed)" in aspect.text


def test_name_alignment_reads_as_words() -> None:
    assert name_detail("alexandr~alexander (0.89), lukashenka~lukashenko (0.90)") == \
        "alexandr ≈ alexander (89%), lukashenka ≈ lukashenko (90%)"
    assert name_detail("lukashenko; only one side: grigoryevich") == \
        "lukashenko; in one name only: grigoryevich"


def test_the_summary_says_whether_the_score_reaches_the_threshold() -> None:
    assert "at or above" in summary(0.81, 0.8) and "below" in summary(0.79, 0.8)


def test_an_empty_explanation_still_explains() -> None:
    aspects = explain({}, None)
    assert [a.verdict for a in aspects] == ["unknown"] * 4


@dataclass
class M:
    start: int
    end: int


def test_a_surname_alone_is_told_to_add_given_names_or_a_birth_date() -> None:
    found = explanation({"names": ["Lukashenko"]}, {"names": ["Alexander Lukashenko"]})
    name = by_label(explain(found, {"name": "Lukashenko"}))["Name"]
    assert name.verdict == "partial" and name.text.startswith("Surname only — add given "
                                                               "names or a birth date:")
    assert "neither" not in name.text and SURNAME_ONLY in name.text.lower()
    assert one_name_only({"name": "Lukashenko"})
    for asked in ({"name": "Alexander Lukashenko"}, {"name": "Lukashenko",
                                                     "birth_date": "1954"},
                  {"name": "Gazprom", "schema": "Company"}):
        assert not one_name_only(asked)
    customer = by_label(explain(found, {"name": "Lukashenko"}, CUSTOMER))["Name"]
    assert customer.verdict != "partial"  # a customer record is not a search to refine


def test_the_matched_name_is_the_listed_name_compared() -> None:
    found = explanation({"names": ["Александр Лукашенко"]},
                        {"names": ["Alyaksandr LUKASHENKA", "Александр Лукашенко"]})
    assert matched_name(found) == "Александр Лукашенко"
    assert matched_name({}) == ""


def test_mentions_cut_the_text_into_marked_and_plain_runs() -> None:
    text = "Alexander Lukashenko met Viktor Lukashenko."
    found = pieces(text, [M(0, 20), M(25, 42)])
    assert [(p.text, p.mention) for p in found] == [
        ("Alexander Lukashenko", 0), (" met ", None), ("Viktor Lukashenko", 1), (".", None)]


def test_an_overlapping_mention_leaves_the_words_to_the_first() -> None:
    found = pieces("Bank of Russia", [M(0, 14), M(8, 14)])
    assert [(p.text, p.mention) for p in found] == [("Bank of Russia", 0)]


@given(st.text(max_size=60), st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)),
                                      max_size=6))
def test_highlighting_never_loses_or_repeats_text(text: str, spans: list) -> None:
    mentions = sorted((M(a, b) for a, b in spans), key=lambda m: m.start)
    assert "".join(p.text for p in pieces(text, mentions)) == text


def test_sign_in_only_returns_to_pages_of_this_site() -> None:
    assert safe_next("/ui/alerts?status=open") == "/ui/alerts?status=open"
    for target in (None, "", "https://evil.example/ui/", "//evil.example", "/ui\\x",
                   "/elsewhere", "/ui/x?u=http://e"):
        assert safe_next(target) == HOME
