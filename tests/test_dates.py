"""Dates as publishers write them become ISO prefixes; unknown parts are dropped, not guessed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchlist.normalize.dates import (
    DateError,
    excel_serial_date,
    iso_date,
    parse_birth_date,
    parse_date,
)


def test_unknown_day_and_month_read_as_the_year() -> None:
    assert iso_date("00/00/1980") == "1980"
    assert iso_date("dd/mm/1945") == "1945"
    assert iso_date("00/08/1954") == "1954-08"


def test_impossible_day_keeps_year_and_month_and_says_why() -> None:
    parsed = parse_date("31/02/1999")
    assert parsed is not None
    assert parsed.iso == "1999-02"
    assert parsed.problem and "31" in parsed.problem


def test_partial_dates_stay_partial() -> None:
    assert iso_date("1954") == "1954"
    assert iso_date("1954-08") == "1954-08"
    assert iso_date("Aug 1954") == "1954-08"
    assert iso_date("30 Aug 1954") == "1954-08-30"
    assert iso_date("August 30, 1954") == "1954-08-30"


def test_order_decides_ambiguous_slash_dates() -> None:
    assert iso_date("03/28/2025", order="mdy") == "2025-03-28"
    assert iso_date("10/04/2025", order="dmy") == "2025-04-10"


def test_birth_date_ranges_give_every_year_and_keep_the_range() -> None:
    parsed = parse_birth_date("1955 to 1958")
    assert parsed is not None
    assert parsed.values == ("1955", "1956", "1957", "1958")
    assert parsed.range == ("1955", "1958")


def test_circa_birth_date_is_marked() -> None:
    parsed = parse_birth_date("circa 1955")
    assert parsed is not None and parsed.circa and parsed.values == ("1955",)


def test_excel_serial_dates() -> None:
    assert excel_serial_date(45607) == "2024-11-11"
    assert excel_serial_date("junk") is None


def test_absurd_years_are_not_dates() -> None:
    assert iso_date("0001") is None
    assert iso_date("31/12/9999") is None


@given(st.dates(min_value=__import__("datetime").date(1800, 1, 1),
                max_value=__import__("datetime").date(2100, 12, 31)))
def test_any_real_date_round_trips_in_every_layout(day) -> None:  # type: ignore[no-untyped-def]
    iso = day.isoformat()
    assert iso_date(iso) == iso
    assert iso_date(day.strftime("%d/%m/%Y")) == iso
    assert iso_date(day.strftime("%m/%d/%Y"), order="mdy") == iso
    assert iso_date(day.strftime("%d %b %Y")) == iso


@given(st.text(max_size=40))
def test_parsing_never_raises_and_yields_iso_prefixes(text: str) -> None:
    parsed = parse_date(text)
    if parsed is not None:
        assert parse_date(parsed.iso) == parse_date(parsed.iso)
        assert len(parsed.iso) in (4, 7, 10)
    birth = parse_birth_date(text)
    if birth is not None:
        assert all(len(v) in (4, 7, 10) for v in birth.values)


@pytest.mark.parametrize(("text", "problem"), [
    ("31/02/1999", "day 31 does not exist in 1999-02"),
    ("1952-13-45", "month 13 does not exist"),
    ("0000", "year 0 is not between"),
    ("0000-01-01", "year 0 is not between"),
    ("31/12/9999", "year 9999 is not between"),
    ("1700 to 1705", "year 1700 is not between"),
])
def test_strict_reading_refuses_an_impossible_date_instead_of_cutting_it(
        text: str, problem: str) -> None:
    with pytest.raises(DateError, match=problem):
        parse_birth_date(text, strict=True)


def test_strict_reading_keeps_valid_partial_dates() -> None:
    for text, values in [("1954", ("1954",)), ("1954-08", ("1954-08",)),
                         ("00/00/1980", ("1980",)), ("00/08/1954", ("1954-08",)),
                         ("30 Aug 1954", ("1954-08-30",)), ("circa 1955", ("1955",))]:
        parsed = parse_birth_date(text, strict=True)
        assert parsed is not None and parsed.values == values, text
    assert parse_birth_date("someday", strict=True) is None


@given(st.text(max_size=40))
def test_strict_reading_raises_only_date_errors_and_agrees_when_nothing_is_cut(
        text: str) -> None:
    lenient = parse_birth_date(text)
    try:
        strict = parse_birth_date(text, strict=True)
    except DateError:
        assert lenient is None or lenient.problem
        return
    assert strict == lenient
