"""FollowTheMoney `Ownership` and `Directorship` entities (JSON lines, as OpenSanctions and
`ftm` write them) as relations: an Ownership's `owner` owns `percentage` of its `asset`; a
Directorship's `director` is linked to its `organization` (a directorship alone proves
neither ownership nor control). Parties are named from the other entities of the file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from watchlist.errors import SourceError
from watchlist.sources.relations import (
    LINKED,
    OWNERSHIP,
    Problems,
    Relation,
    json_lines,
    parse_share,
)

FORMAT = "ftm-ownership"
_SCHEMATA = {"Ownership": ("owner", "asset", OWNERSHIP),
             "Directorship": ("director", "organization", LINKED)}


def sniff(head: bytes) -> bool:
    """JSON lines of FollowTheMoney entities, an Ownership or Directorship among the first."""
    text = head.decode("utf-8-sig", errors="ignore").lstrip()
    if not text.startswith("{"):
        return False
    return any(f'"schema": "{s}"' in text or f'"schema":"{s}"' in text for s in _SCHEMATA)


def _first(props: dict[str, Any], name: str) -> str:
    values = props.get(name) or []
    if isinstance(values, str):
        return values
    return str(values[0]).strip() if values else ""


def parse(path: Path) -> Iterator[Relation]:
    """Every Ownership and Directorship of the file; refuses the file on any bad line."""
    return iter(read(path))


def read(path: Path) -> list[Relation]:
    problems = Problems(str(path))
    names: dict[str, str] = {}
    links: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for number, data in json_lines(path, problems):
        if not isinstance(data, dict) or not isinstance(data.get("properties", {}), dict):
            problems.add(f"line {number}", "is not a FollowTheMoney entity")
            continue
        props = data.get("properties") or {}
        if data.get("schema") in _SCHEMATA:
            links.append((f"line {number}", data, props))
        elif data.get("id") and _first(props, "name"):
            names[str(data["id"])] = _first(props, "name")
    found = []
    for where, data, props in links:
        owner_prop, owned_prop, kind = _SCHEMATA[data["schema"]]
        owner, owned = _first(props, owner_prop), _first(props, owned_prop)
        for prop, value in ((owner_prop, owner), (owned_prop, owned)):
            if not value:
                problems.add(where, f"{data['schema']} {data.get('id')!r}: field {prop!r} "
                             "is empty")
        low = high = None
        if kind == OWNERSHIP:
            try:
                low, high = parse_share(_first(props, "percentage"))
            except ValueError as exc:
                problems.add(where, f"field 'percentage': {exc}")
        if owner and owned:
            source = _first(props, "publisher") or _first(props, "sourceUrl") or "FtM"
            as_of = (_first(props, "startDate") or _first(props, "date")
                     or _first(props, "recordId") and "")[:10]
            found.append(Relation(owner, owned, kind, low, high, source, as_of,
                                  names.get(owner, ""), names.get(owned, "")))
    problems.raise_any()
    if not found:
        raise SourceError(str(path), "holds no Ownership or Directorship entities")
    return found
