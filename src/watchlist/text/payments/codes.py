"""Codes payment messages carry: BICs (ISO 9362), country codes (ISO 3166), and the country
an unstructured address ends with."""

from __future__ import annotations

import re
from functools import lru_cache

from followthemoney.types import registry

from watchlist.normalize.countries import country_code

#: SWIFT's MT form of a BIC: 4!a2!a2!c[3!c] (institution, country, location, branch).
MT_BIC = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
#: ISO 20022's BICFI/AnyBIC pattern: the institution code may hold digits.
ISO_BIC = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")


@lru_cache(maxsize=1)
def _iso_countries() -> frozenset[str]:
    codes = {c for c in registry.country.names if len(c) == 2 and c != "zz"}
    return frozenset(codes | {"xk"})


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code (upper or lower case; XK for Kosovo too)."""
    return len(code) == 2 and code.lower() in _iso_countries()


def bic_problem(value: str, iso: bool = False) -> str | None:
    """Why `value` is not a BIC (8 or 11 characters, a real country in letters 5-6), or None."""
    pattern = ISO_BIC if iso else MT_BIC
    if len(value) not in (8, 11):
        return f"BIC {value!r} has {len(value)} characters; a BIC has 8 or 11"
    if not pattern.match(value):
        shape = ("4 letters or digits" if iso else "4 letters") + (
            ", 2 letters (country), 2 letters or digits (location), optionally 3 (branch)")
        return f"{value!r} is not a BIC ({shape})"
    if not is_country(value[4:6]):
        return f"BIC {value!r}: {value[4:6]!r} (letters 5-6) is not an ISO country code"
    return None


def bic_country(bic: str) -> str:
    """The ISO country code of a BIC, lower case (letters 5-6)."""
    return bic[4:6].lower()


def bic_identifiers(bic: str) -> list[str]:
    """A BIC as the lists may hold it: the 8-character institution code, and the full
    11-character code when a branch other than XXX is given."""
    values = [bic[:8]]
    if len(bic) == 11 and bic[8:] != "XXX":
        values.append(bic)
    return values


_TRAILING_CODE = re.compile(r"(?:^|,|\s-\s|/)\s*([A-Za-z]{2})\s*\.?$")


def address_country(lines: list[str]) -> str | None:
    """The country an unstructured address ends with ("MINSK, BELARUS", "10117 BERLIN, DE"),
    or None. Only a whole country name, or a two-letter code standing apart after a comma,
    counts: "MAIN ST" is not São Tomé. A wrong country is worse than none."""
    if not lines:
        return None
    last = lines[-1].strip().rstrip(".").strip()
    if not last:
        return None
    candidates = [last]
    if "," in last:
        candidates.append(last.rsplit(",", 1)[1].strip())
    words = last.replace(",", " ").split()
    for n in (3, 2, 1):
        if len(words) > n and words[-n - 1].upper() != "NEW":  # not "New Jersey"
            candidates.append(" ".join(words[-n:]))
    for text in candidates:
        if len(text) > 3:
            code = country_code(text)
            if code and is_country(code):
                return code
    match = _TRAILING_CODE.search(last)
    if match and (match.start(1) > 0 or last == match.group(1)) and is_country(match.group(1)):
        return match.group(1).lower()
    return None
