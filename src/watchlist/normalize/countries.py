"""Country names and codes as publishers write them, to ISO codes (FollowTheMoney's)."""

from __future__ import annotations

import re
from functools import lru_cache

from followthemoney.types import registry

#: Values that mean "no country" in the lists (EU uses "00").
_UNKNOWN = {"", "00", "xx", "unknown", "-0-", "n/a", "na", "none"}

#: Spellings the lists use that FollowTheMoney does not know, or would read wrongly.
_OVERRIDES = {
    "congo (democratic republic)": "cd",
    "congo, democratic republic of the": "cd",
    "democratic republic of congo": "cd",
    "occupied palestinian territories": "ps",
    "occupied palestinian territory": "ps",
    "palestinian territories": "ps",
}


#: Common English names of countries besides FollowTheMoney's own ("Turkey" for
#: "Türkiye"), each with the code the territory table gives it (tested).
COMMON_NAMES = {
    "turkey": "tr", "turkiye": "tr", "hong kong": "hk", "macau": "mo", "macao": "mo",
    "czech republic": "cz", "ivory coast": "ci", "east timor": "tl",
    "democratic republic of the congo": "cd", "republic of the congo": "cg",
    "russian federation": "ru", "united states of america": "us", "usa": "us", "uk": "gb",
    "great britain": "gb", "england": "gb", "macedonia": "mk", "burma": "mm",
    "swaziland": "sz", "vatican": "va", "the netherlands": "nl", "holland": "nl",
    "the gambia": "gm", "the bahamas": "bs", "united republic of tanzania": "tz",
    "republic of korea": "kr", "state of palestine": "ps", "syrian arab republic": "sy",
    "iran, islamic republic of": "ir", "viet nam": "vn",
}


@lru_cache(maxsize=1)
def _own_names() -> dict[str, str]:
    """FollowTheMoney's own name of each country and the common English ones, lower-cased
    -> code. Most countries people type are these ("Iraq", "Turkey"); finding them here
    spares loading the multilingual territory table behind `registry.country.clean`
    (over a second per process), which gives the same code for each of them (tested)."""
    names = {label.lower(): code for code, label in registry.country.names.items()}
    return {**COMMON_NAMES, **names}


@lru_cache(maxsize=8192)
def country_code(text: str | None) -> str | None:
    """The ISO code of a country name or code, trying each half of bilingual names.

    "Russia / Russie" (Canada) is read as "ru"; a value that is no country gives None.
    Never fuzzy, and never a part in brackets alone ("Congo (Democratic Republic)" is
    not "Congo"): a wrong country is worse than none.
    """
    if text is None:
        return None
    value = re.sub(r"\s+", " ", text).strip()
    key = value.lower()
    if key in _UNKNOWN:
        return None
    if key in _OVERRIDES:
        return _OVERRIDES[key]
    code = _clean(value)
    if code:
        return code
    for part in re.split(r"\s*/\s*|\s*;\s*", value):
        if part and part.lower() not in _UNKNOWN:
            code = _clean(part)
            if code:
                return code
    return None


def _clean(value: str) -> str | None:
    """FollowTheMoney's reading of a country, the usual names looked up first."""
    return _own_names().get(value.lower()) or registry.country.clean(value)


def user_country(text: str | None) -> str | None:
    """A country typed by a user: a two-letter ISO code is taken as a code first
    ("NA" is Namibia here, not "n/a" as in the lists), else read as a name."""
    if text is None:
        return None
    value = text.strip()
    if len(value) == 2 and value.isalpha():
        code = registry.country.clean(value.lower())
        if code:
            return code
    return country_code(value)
