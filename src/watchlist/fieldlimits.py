"""Limits on the size of what is screened: one party's names and other values.

Screening time grows with the length of a name (against the real lists, a name of 100,000
letters took 100 s, one of 500 characters of listed words 21 ms), so each value, the values
of one property and the properties of one query are bounded; everything that takes queries
(the API, `watchlist check`, `watchlist screen`) refuses more with an error naming the field.

The real lists (68,065 entities) set the numbers: the longest name is 324 characters (a UN
alias packing several spellings into one), the longest identifier 95, URL or entity
id 121, free text (notes) 3,333; an entity has at most 143 values of one property
(aliases) and 28 properties.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

Kind = Literal["name", "value", "text"]

#: The longest name (any name value, or name part) screened, in characters.
MAX_NAME_CHARS = 500
#: The longest other screened value: id, birth date, country, identifier, and any property
#: that is not a name or free text.
MAX_VALUE_CHARS = 200
#: The longest free-text value (an address, notes), only echoed and logged, never screened.
MAX_TEXT_CHARS = 5000
#: The most values one property of one query may have (names, countries...).
MAX_VALUES = 200
#: The most properties one query may have.
MAX_PROPERTIES = 50
#: The most characters of names in one request (all its queries): one query at the limits
#: (200 names of 500 characters of listed words) took 1.9 s to screen against the real
#: lists; a batch of 100 parties with 1,000 characters of names each fits.
MAX_REQUEST_NAME_CHARS = 100_000

_LIMITS: dict[Kind, int] = {"name": MAX_NAME_CHARS, "value": MAX_VALUE_CHARS,
                            "text": MAX_TEXT_CHARS}


def length_problem(where: str, value: str, kind: Kind = "value") -> str | None:
    """The error for a value too long to take, else None."""
    limit = _LIMITS[kind]
    if len(value) <= limit:
        return None
    return f"{where}: {len(value):,} characters; {'a ' + kind} may have at most {limit:,}"


def values_problem(where: str, values: Sequence[str], kind: Kind = "value") -> str | None:
    """The error for too many values of one property, or for one too long, else None."""
    if len(values) > MAX_VALUES:
        return f"{where}: {len(values):,} values; at most {MAX_VALUES}"
    for i, value in enumerate(values):
        problem = length_problem(f"{where}[{i}]" if len(values) > 1 else where, value, kind)
        if problem:
            return problem
    return None


def properties_problem(where: str, count: int) -> str | None:
    """The error for a query with too many properties, else None."""
    if count > MAX_PROPERTIES:
        return f"{where}: {count:,} properties; at most {MAX_PROPERTIES}"
    return None


def request_names_problem(where: str, names: Iterable[str]) -> str | None:
    """The error for a request whose queries hold more characters of names than one
    request may screen, else None."""
    total = sum(len(name) for name in names)
    if total > MAX_REQUEST_NAME_CHARS:
        return (f"{where}: {total:,} characters of names in one request; at most "
                f"{MAX_REQUEST_NAME_CHARS:,} (send the queries in smaller batches)")
    return None
