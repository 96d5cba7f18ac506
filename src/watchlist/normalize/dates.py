"""Reading the many ways publishers write dates into ISO prefixes (YYYY, YYYY-MM, YYYY-MM-DD).

Unknown parts are dropped rather than guessed: `00/00/1980` and `dd/mm/1945` are the year
1980 and 1945; `31/02/1999`, an impossible day, keeps its year and month (with a warning),
as a publisher's typo should not lose the rest of a record. Customer input is read
`strict`ly instead: an impossible day, month or year there is a `DateError`, never a cut.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MIN_YEAR = 1800
MAX_YEAR = 2100

_MONTHS = {
    m.lower(): i
    for i in range(1, 13)
    for m in (calendar.month_name[i], calendar.month_abbr[i])
}
_MONTHS["sept"] = 9

_ISO = re.compile(
    r"^(\d{4})(?:-(\d{1,2}|[xX]{2})(?:-(\d{1,2}|[xX]{2}))?)?(?:[T ].*|Z|[+-]\d{2}:\d{2})?$"
)
_DMY = re.compile(r"^(\d{1,2}|[dDxX]{1,2})[./-](\d{1,2}|[mMxX]{1,2})[./-](\d{4})$")
_MY = re.compile(r"^(\d{1,2}|[mMxX]{2})[./-](\d{4})$")
_MDY_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TEXT_DMY = re.compile(r"^(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?,?\s+(\d{4})$")
_TEXT_MDY = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


class DateError(ValueError):
    """A date naming a day, month or year that cannot be (raised by strict reading only)."""


@dataclass(frozen=True)
class ParsedDate:
    """An ISO prefix and, if the input held more than was valid, why it was cut."""

    iso: str
    problem: str | None = None


def _year_problem(year: int) -> str | None:
    if MIN_YEAR <= year <= MAX_YEAR:
        return None
    return f"year {year} is not between {MIN_YEAR} and {MAX_YEAR}"


def _assemble(year: int, month: int | None, day: int | None,
              strict: bool = False) -> ParsedDate | None:
    problem = _year_problem(year)
    if problem:
        if strict:
            raise DateError(problem)
        return None
    parsed = _assemble_valid_year(year, month, day)
    if strict and parsed.problem:
        raise DateError(parsed.problem)
    return parsed


def _assemble_valid_year(year: int, month: int | None, day: int | None) -> ParsedDate:
    if month is None or month == 0:
        return ParsedDate(f"{year:04d}")
    if not 1 <= month <= 12:
        return ParsedDate(f"{year:04d}", f"month {month} does not exist")
    if day is None or day == 0:
        return ParsedDate(f"{year:04d}-{month:02d}")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return ParsedDate(
            f"{year:04d}-{month:02d}", f"day {day} does not exist in {year:04d}-{month:02d}"
        )
    return ParsedDate(f"{year:04d}-{month:02d}-{day:02d}")


def _num(part: str | None) -> int | None:
    if part is None or not part.isdigit():
        return None
    return int(part)


def parse_date(text: str | None, order: str = "dmy",
               strict: bool = False) -> ParsedDate | None:
    """Read one date; `order` says whether `01/02/2003` is day-first ("dmy") or not ("mdy").

    Returns None when nothing date-like is there, a ParsedDate with `problem` set when
    part of the date had to be dropped; `strict` raises DateError instead of dropping it
    (and for a year out of range, which is otherwise no date).
    """
    if text is None:
        return None
    parts = _parts(text.strip().strip("."), order)
    return _assemble(*parts, strict=strict) if parts else None


def _parts(value: str, order: str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) as written, unchecked; None when `value` is not date-like."""
    if not value:
        return None
    m = _ISO.match(value)
    if m:
        return int(m.group(1)), _num(m.group(2)), _num(m.group(3))
    if order == "mdy":
        m = _MDY_SLASH.match(value)
        if m:
            return int(m.group(3)), _num(m.group(1)), _num(m.group(2))
    m = _DMY.match(value)
    if m:
        return int(m.group(3)), _num(m.group(2)), _num(m.group(1))
    m = _MY.match(value)
    if m:
        return int(m.group(2)), _num(m.group(1)), None
    m = _TEXT_DMY.match(value)
    if m and m.group(2).lower() in _MONTHS:
        return int(m.group(3)), _MONTHS[m.group(2).lower()], _num(m.group(1))
    m = _TEXT_MDY.match(value)
    if m and m.group(1).lower() in _MONTHS:
        return int(m.group(3)), _MONTHS[m.group(1).lower()], _num(m.group(2))
    m = _YEAR.match(value)
    if m:
        return int(m.group(1)), None, None
    return None


def iso_date(text: str | None, order: str = "dmy") -> str | None:
    """The ISO prefix of a date, or None; use when the problems need not be reported."""
    parsed = parse_date(text, order)
    return parsed.iso if parsed else None


def excel_serial_date(value: float | int | str) -> str | None:
    """An Excel serial day number (1900 system, e.g. 45607) as an ISO date."""
    try:
        serial = float(value)
    except (TypeError, ValueError):
        return None
    if not 1 <= serial <= 80000:
        return None
    return (datetime(1899, 12, 30) + timedelta(days=int(serial))).date().isoformat()


_RANGE = re.compile(
    r"^(?:between\s+)?(\d{4})\s*(?:-|–|to|and)\s*(\d{4})$", re.IGNORECASE
)
_CIRCA = re.compile(r"^(?:circa|ca\.?|c\.|approx(?:imately|\.)?|about|around)\s+(.+)$", re.I)


@dataclass(frozen=True)
class BirthDate:
    """A birth date as a publisher gives it: exact or partial, a year range, or circa."""

    values: tuple[str, ...]
    circa: bool = False
    range: tuple[str, str] | None = None
    problem: str | None = None


def years_between(start: int, end: int) -> tuple[str, ...]:
    """Every year of a short range (both ends for a long one): each is a possible birth year."""
    if end < start:
        start, end = end, start
    if end - start <= 15:
        return tuple(str(y) for y in range(start, end + 1))
    return (str(start), str(end))


def parse_birth_date(text: str | None, order: str = "dmy",
                     strict: bool = False) -> BirthDate | None:
    """Read exact, partial, ranged ("1955-1958", "between 1955 and 1958") and circa dates.

    None when nothing date-like is there; `strict` (customer input) raises DateError for an
    impossible day, month or year instead of cutting the date to what is left.
    """
    if text is None or not text.strip():
        return None
    value = re.sub(r"\s+", " ", text.strip())
    circa = False
    m = _CIRCA.match(value)
    if m:
        circa, value = True, m.group(1).strip()
    m = _RANGE.match(value)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if MIN_YEAR <= min(a, b) and max(a, b) <= MAX_YEAR:
            lo, hi = sorted((a, b))
            return BirthDate(years_between(lo, hi), circa, (str(lo), str(hi)))
        if strict:
            raise DateError(_year_problem(a) or _year_problem(b))
        return None
    parsed = parse_date(value, order, strict)
    if parsed is None:
        return None
    return BirthDate((parsed.iso,), circa, None, parsed.problem)


def today_iso() -> str:
    """Today's date, ISO; a seam for tests."""
    return date.today().isoformat()
