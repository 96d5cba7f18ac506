"""GLEIF Level 2 relationship records (RR-CDF XML, or the golden copy's CSV): "who owns
whom" between legal entities by LEI. A child `IS_DIRECTLY_CONSOLIDATED_BY` or
`IS_ULTIMATELY_CONSOLIDATED_BY` its parent is controlled by it (accounting consolidation
rests on control), and owned by it in the share a quantifier gives; other relationship
types (fund management, branches, feeders) are links. Inactive relationships are skipped."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from watchlist.errors import SourceError
from watchlist.sources.files import child, child_text, children, iter_xml
from watchlist.sources.relations import CONTROL, LINKED, OWNERSHIP, Problems, Relation

FORMAT = "gleif-rr"
_CONSOLIDATION = {"IS_DIRECTLY_CONSOLIDATED_BY": "direct", "IS_ULTIMATELY_CONSOLIDATED_BY":
                  "ultimate"}
_CSV_START = "Relationship.StartNode.NodeID"


def sniff(head: bytes) -> bool:
    """RR-CDF XML (its RelationshipData root) or the golden copy CSV's header."""
    text = head.decode("utf-8-sig", errors="ignore")
    return "RelationshipRecord" in text and "StartNode" in text or (
        _CSV_START in (text.splitlines() or [""])[0])


def lei(node_id: str) -> str:
    """The party id of an LEI."""
    return f"lei-{node_id.strip().lower()}"


def _relations(where: str, child_lei: str, parent_lei: str, kind: str, status: str,
               start: str, amount: str, problems: Problems) -> list[Relation]:
    if not child_lei or not parent_lei:
        problems.add(where, "StartNode or EndNode NodeID is empty")
        return []
    if status.upper() == "INACTIVE":
        return []
    level = _CONSOLIDATION.get(kind.upper())
    source = f"GLEIF RR {kind.upper()}"
    as_of = start[:10]
    if level is None:
        return [Relation(lei(parent_lei), lei(child_lei), LINKED, source=source, as_of=as_of,
                         owner_name=parent_lei, owned_name=child_lei)]
    found = [Relation(lei(parent_lei), lei(child_lei), CONTROL, source=source, as_of=as_of,
                      owner_name=parent_lei, owned_name=child_lei)]
    if amount:
        try:
            share = float(amount)
        except ValueError:
            problems.add(where, f"QuantifierAmount {amount!r} is not a number")
            return []
        if not 0 <= share <= 100:
            problems.add(where, f"QuantifierAmount {amount!r} is not a percentage")
            return []
        found.append(Relation(lei(parent_lei), lei(child_lei), OWNERSHIP, share, share,
                              source, as_of, parent_lei, child_lei))
    return found


def parse(path: Path) -> Iterator[Relation]:
    return iter(read(path))


def read(path: Path) -> list[Relation]:
    problems = Problems(str(path))
    head = path.read_bytes()[:4096].decode("utf-8-sig", errors="ignore")
    found = _read_csv(path, problems) if _CSV_START in head.splitlines()[0] \
        else _read_xml(path, problems)
    problems.raise_any()
    if not found:
        raise SourceError(str(path), "holds no active relationship records")
    return found


def _read_xml(path: Path, problems: Problems) -> list[Relation]:
    found: list[Relation] = []
    for number, record in enumerate(iter_xml(path, {"RelationshipRecord"}), 1):
        rel = child(record, "Relationship")
        if rel is None:
            problems.add(f"record {number}", "has no Relationship")
            continue
        start, end = child(rel, "StartNode"), child(rel, "EndNode")
        periods = [p for p in _grandchildren(rel, "RelationshipPeriods", "RelationshipPeriod")
                   if (child_text(p, "PeriodType") or "") == "RELATIONSHIP_PERIOD"]
        amount = ""
        for quantifier in _grandchildren(rel, "RelationshipQuantifiers",
                                         "RelationshipQuantifier"):
            if (child_text(quantifier, "QuantifierUnits") or "").upper() == "PERCENTAGE":
                amount = child_text(quantifier, "QuantifierAmount") or ""
        found += _relations(
            f"record {number}",
            (child_text(start, "NodeID") if start is not None else "") or "",
            (child_text(end, "NodeID") if end is not None else "") or "",
            child_text(rel, "RelationshipType") or "",
            child_text(rel, "RelationshipStatus") or "",
            (child_text(periods[0], "StartDate") or "") if periods else "", amount, problems)
    return found


def _grandchildren(elem: Any, group: str, name: str) -> list[Any]:
    found = child(elem, group)
    return [] if found is None else children(found, name)


def _read_csv(path: Path, problems: Problems) -> list[Relation]:
    found: list[Relation] = []
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline=""))
    for row in reader:
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        amount = ""
        for n in range(1, 6):
            if cells.get(f"Relationship.Quantifier{n}.QuantifierUnits", "").upper() \
                    == "PERCENTAGE":
                amount = cells.get(f"Relationship.Quantifier{n}.QuantifierAmount", "")
        start = ""
        for n in range(1, 6):
            if cells.get(f"Relationship.Period{n}.periodType", "") == "RELATIONSHIP_PERIOD":
                start = cells.get(f"Relationship.Period{n}.startDate", "")
        found += _relations(f"line {reader.line_num}", cells.get(_CSV_START, ""),
                            cells.get("Relationship.EndNode.NodeID", ""),
                            cells.get("Relationship.RelationshipType", ""),
                            cells.get("Relationship.RelationshipStatus", ""), start, amount,
                            problems)
    return found
