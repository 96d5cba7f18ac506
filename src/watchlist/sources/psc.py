"""UK Companies House PSC snapshot records (JSON lines of `{"company_number", "data"}`):
who has significant control over each company, with `natures_of_control` giving share
bands and kinds of control.

A band is kept as the register means it: `ownership-of-shares-25-to-50-percent` is more
than 25% up to 50%, `50-to-75` more than 50% but under 75%, `75-to-100` 75% or more.
Majority voting rights, the right to appoint and remove directors, and significant
influence or control are control. Ceased interests and statements are skipped. A
corporate PSC with a UK registration number is the company of that number, so chains join
up; other PSCs are named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from watchlist.errors import SourceError
from watchlist.sources.relations import (
    CONTROL,
    EXCLUSIVE,
    OWNERSHIP,
    Problems,
    Relation,
    json_lines,
)

FORMAT = "uk-psc"
SOURCE = "UK PSC"
#: Share bands of `ownership-of-shares-*`: (low, high, low excluded).
_BANDS = {"25-to-50": (25.0, 50.0, True), "50-to-75": (50.0, 75.0, True),
          "75-to-100": (75.0, 100.0, False)}
_SHARES = re.compile(r"^ownership-of-shares-(\d+-to-\d+)-percent")
_CONTROL = re.compile(r"^(voting-rights-(50-to-75|75-to-100)-percent|right-to-appoint-and-"
                      r"remove-directors|significant-influence-or-control)")
_TITLES = re.compile(r"^(mr|mrs|ms|miss|mx|dr|sir|lord|lady|dame|prof)\.?\s+", re.IGNORECASE)
_UK_REGISTERS = ("united kingdom", "england", "wales", "scotland", "northern ireland",
                 "companies house", "uk", "great britain")


def sniff(head: bytes) -> bool:
    """JSON lines whose records carry a company number and PSC data."""
    text = head.decode("utf-8-sig", errors="ignore").lstrip()
    return text.startswith("{") and '"company_number"' in text and (
        "natures_of_control" in text or "significant-control" in text)


def company(number: str) -> str:
    """The party id of a company registered at Companies House."""
    return f"gb-coh-{number.strip().upper()}"


def _owner(data: dict[str, Any]) -> tuple[str, str]:
    name = _TITLES.sub("", str(data.get("name") or "").strip())
    ident = data.get("identification") or {}
    number = str(ident.get("registration_number") or "").strip()
    where = " ".join(str(ident.get(k) or "") for k in ("country_registered", "place_registered",
                                                          "legal_authority")).lower()
    if "corporate" in str(data.get("kind", "")) and number and any(
            uk in where for uk in _UK_REGISTERS):
        return company(number), name
    return "", name


def relations_of(company_number: str, data: dict[str, Any]) -> list[Relation]:
    """The relations one PSC record states (none for statements and ceased interests)."""
    if data.get("ceased_on") or "statement" in str(data.get("kind", "")) \
            or "exemption" in str(data.get("kind", "")):
        return []
    owner, name = _owner(data)
    owned = company(company_number)
    as_of = str(data.get("notified_on") or "")[:10]
    found: list[Relation] = []
    for nature in data.get("natures_of_control") or []:
        band = _SHARES.match(str(nature))
        if band and band.group(1) in _BANDS:
            low, high, excluded = _BANDS[band.group(1)]
            found.append(Relation(owner, owned, OWNERSHIP, low + (EXCLUSIVE if excluded else 0),
                                  high, f"{SOURCE} {nature}", as_of, name))
        elif _CONTROL.match(str(nature)):
            found.append(Relation(owner, owned, CONTROL, source=f"{SOURCE} {nature}",
                                  as_of=as_of, owner_name=name))
    return found


def parse(path: Path) -> Iterator[Relation]:
    return iter(read(path))


def read(path: Path) -> list[Relation]:
    problems = Problems(str(path))
    found: list[Relation] = []
    for number, record in json_lines(path, problems):
        if not isinstance(record, dict) or not isinstance(record.get("data"), dict):
            problems.add(f"line {number}", "is not a PSC record (no 'data' object)")
            continue
        company_number = str(record.get("company_number") or "").strip()
        if not company_number:
            problems.add(f"line {number}", "field 'company_number' is empty")
            continue
        data = record["data"]
        if not isinstance(data.get("natures_of_control", []), list):
            problems.add(f"line {number}", "field 'natures_of_control' is not a list")
            continue
        if not data.get("name") and "statement" not in str(data.get("kind", "")):
            problems.add(f"line {number}", "field 'name' is empty")
            continue
        found += relations_of(company_number, data)
    problems.raise_any()
    if not found:
        raise SourceError(str(path), "holds no current PSC with a share or control")
    return found
