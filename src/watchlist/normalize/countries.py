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
    if value.lower() in _UNKNOWN:
        return None
    if value.lower() in _OVERRIDES:
        return _OVERRIDES[value.lower()]
    code = registry.country.clean(value)
    if code:
        return code
    for part in re.split(r"\s*/\s*|\s*;\s*", value):
        if part and part.lower() not in _UNKNOWN:
            code = registry.country.clean(part)
            if code:
                return code
    return None


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
