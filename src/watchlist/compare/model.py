"""The comparison's values: a designation as compared, a party's cell per jurisdiction, a
row per party (profile)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cell", "Dated", "Row", "Scope"]

PUBLISHER = "publisher"
FIRST_SEEN = "first-seen"


@dataclass(frozen=True)
class Scope:
    """What to compare: a regime, a country, given parties or the customer book's parties."""

    regime: str | None = None
    country: str | None = None
    parties: tuple[str, ...] = ()
    book: bool = False

    def describe(self) -> str:
        if self.regime:
            return f"regime {self.regime}"
        if self.country:
            return f"country {self.country.upper()}"
        if self.parties:
            return f"{len(self.parties)} parties"
        return "the customer book's parties"


@dataclass(frozen=True)
class Dated:
    """One designation of one record: its publisher's labels, the common regimes they map
    to, when listed (and on what basis) and when delisted."""

    source: str
    record_id: str
    labels: tuple[str, ...]
    regimes: tuple[str, ...]
    listed: str | None
    basis: str
    delisted: str | None = None


@dataclass
class Cell:
    """What one jurisdiction does about one party."""

    listed: str | None = None
    basis: str | None = None
    delisted: str | None = None
    in_scope: bool = False
    sources: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    regimes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """`listed` (now), `delisted` (once, no more) or `not-listed`."""
        if not self.records:
            return "not-listed"
        return "delisted" if self.delisted else "listed"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "listed": self.listed, "basis": self.basis,
                "delisted": self.delisted, "in_scope": self.in_scope,
                "sources": self.sources, "records": self.records, "labels": self.labels,
                "regimes": self.regimes}


@dataclass
class Row:
    """One party (a profile: every record of it on every list) across the jurisdictions."""

    profile_id: str | None
    caption: str
    schema: str
    cells: dict[str, Cell]

    def listed_by(self, jurisdiction: str) -> bool:
        cell = self.cells.get(jurisdiction)
        return cell is not None and cell.status == "listed"

    def to_dict(self) -> dict[str, Any]:
        return {"profile_id": self.profile_id, "caption": self.caption, "schema": self.schema,
                "jurisdictions": {j: c.to_dict() for j, c in self.cells.items()}}
