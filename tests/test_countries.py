"""Country names and codes map to ISO codes, never by guessing."""

from __future__ import annotations

from followthemoney.types import registry
from hypothesis import given
from hypothesis import strategies as st

from watchlist.normalize.countries import country_code


def test_bilingual_canadian_country_names() -> None:
    assert country_code("Russia / Russie") == "ru"
    assert country_code("Belarus / Bélarus") == "by"


def test_unknown_country_markers_are_none() -> None:
    assert country_code("00") is None
    assert country_code("-0- ") is None
    assert country_code("") is None


def test_official_long_names() -> None:
    assert country_code("Democratic People's Republic of Korea") == "kp"
    assert country_code("Iran (Islamic Republic of)") == "ir"


@given(st.text(max_size=30))
def test_result_is_always_a_real_code_or_none(text: str) -> None:
    code = country_code(text)
    assert code is None or registry.country.clean(code) == code
