"""The user's ownership CSV: one relation a line, `owner,owned,share` and optionally
`owner_id`, `owned_id`, `as_of`, `source` and `kind` (ownership, control or linked).

Each side is named (`owner`, `owned`) and may carry an id: a list entity id (as `watchlist
show` gives it) or the user's own. The share is a percentage (55, 55%, 12.5), a band (50-75)
or empty when unknown; `as_of` an ISO date."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

from watchlist.errors import SourceError
from watchlist.sources.relations import KINDS, OWNERSHIP, Problems, Relation, parse_share

FORMAT = "ownership-csv"
REQUIRED = ("owner", "owned", "share")
OPTIONAL = ("owner_id", "owned_id", "as_of", "source", "kind")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _header(line: str) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in next(csv.reader([line]), [])]


def sniff(head: bytes) -> bool:
    """A CSV whose first line names at least the owner, owned and share columns."""
    text = head.decode("utf-8-sig", errors="ignore")
    first = text.splitlines()[0] if text else ""
    return set(REQUIRED) <= set(_header(first))


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"is not UTF-8 text (byte {exc.start})") from None


def parse(path: Path) -> Iterator[Relation]:
    """Every relation of the file; refuses the whole file on any bad line."""
    return iter(read(path))


def read(path: Path) -> list[Relation]:
    problems = Problems(str(path))
    reader = csv.DictReader(io.StringIO(_decode(path), newline=""))
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames or []]
    unknown = [f for f in reader.fieldnames if f and f not in REQUIRED + OPTIONAL]
    if unknown:
        problems.add("line 1", f"unknown column{'s' if len(unknown) > 1 else ''} "
                     f"{', '.join(unknown)} (the columns are {', '.join(REQUIRED + OPTIONAL)})")
        problems.raise_any()
    found: list[Relation] = []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.add(f"line {line}", f"{len(reader.fieldnames) + len(row[None])} fields "
                         f"where the header has {len(reader.fieldnames)}")
            continue
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        relation = _relation(cells, f"line {line}", problems)
        if relation is not None:
            found.append(relation)
    problems.raise_any()
    if not found:
        raise SourceError(str(path), "has a header but no relations")
    return found


def _relation(cells: dict[str, str], where: str, problems: Problems) -> Relation | None:
    before = len(problems.found)
    for side in ("owner", "owned"):
        if not cells.get(side) and not cells.get(f"{side}_id"):
            problems.add(where, f"field {side!r} is empty (give a name, or an id in {side}_id)")
    kind = (cells.get("kind") or OWNERSHIP).lower()
    if kind not in KINDS:
        problems.add(where, f"field 'kind' is {kind!r}, not one of {', '.join(KINDS)}")
    try:
        low, high = parse_share(cells.get("share", ""))
    except ValueError as exc:
        problems.add(where, f"field 'share': {exc}")
        low = high = None
    as_of = cells.get("as_of", "")
    if as_of and not _DATE.match(as_of):
        problems.add(where, f"field 'as_of' is {as_of!r}, not an ISO date (2024-03-31)")
    if len(problems.found) > before:
        return None
    if cells.get("owner_id") and cells.get("owner_id") == cells.get("owned_id") or (
            not cells.get("owner_id") and not cells.get("owned_id")
            and cells["owner"].casefold() == cells["owned"].casefold()):
        problems.add(where, "the owner and the owned are the same party")
        return None
    return Relation(cells.get("owner_id") or "", cells.get("owned_id") or "", kind, low, high,
                    cells.get("source", ""), as_of, cells.get("owner", ""),
                    cells.get("owned", ""))
