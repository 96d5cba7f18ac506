"""Country names and codes map to ISO codes, never by guessing."""

from __future__ import annotations

import pytest
from followthemoney.types import registry
from hypothesis import given
from hypothesis import strategies as st

from watchlist.normalize.countries import COMMON_NAMES, country_code


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


def test_every_followthemoney_country_name_reads_as_the_territory_table_reads_it() -> None:
    for code, label in registry.country.names.items():
        assert registry.country.clean(label) == code
        country_code.cache_clear()
        assert country_code(label) == country_code(label.upper()) == code
    for name, code in COMMON_NAMES.items():
        assert registry.country.clean(name) == code, name


def test_a_plain_country_name_is_read_without_the_territory_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args, **kwargs):
        raise AssertionError("the territory table was consulted")

    monkeypatch.setattr(type(registry.country), "clean", unavailable)
    country_code.cache_clear()
    assert country_code("Iraq") == "iq"
    assert country_code("united arab emirates") == "ae"
    with pytest.raises(AssertionError):
        country_code("Republic of Iraq")
    country_code.cache_clear()
