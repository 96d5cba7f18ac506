"""An EU designation as the FSF formats give it: `EuRecord` and its parts, filled by the
XML and the CSV readers alike and built into entities by `eu_fsf_entities`, plus the EU's
value conventions both readers share (booleans, document flags, joined address parts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from watchlist.sources.entities import clean

_WEAK_REMARK = re.compile(r"\blow\s+quality\b", re.IGNORECASE)
#: A document's status flags: attribute (XML) or column suffix (CSV), and the words noted.
DOCUMENT_FLAGS = (("knownFalse", "known false"), ("knownExpired", "known expired"),
                  ("reportedLost", "reported lost"), ("revokedByIssuer", "revoked by issuer"),
                  ("diplomatic", "diplomatic"))


@dataclass
class EuName:
    """One `nameAlias`: the whole name, its parts and what the EU says about it."""

    whole: str | None = None
    first: str | None = None
    middle: str | None = None
    last: str | None = None
    gender: str | None = None
    title: str | None = None
    function: str | None = None
    strong: bool | None = None
    remark: str | None = None
    logical_id: str | None = None

    @property
    def weak(self) -> bool:
        """A weak alias: flagged `strong="false"` or remarked as low quality."""
        return self.strong is False or bool(self.remark and _WEAK_REMARK.search(self.remark))


@dataclass
class EuBirth:
    """One `birthdate`: a full date, parts, or a year range, and the place of birth."""

    date: str | None = None
    day: str | None = None
    month: str | None = None
    year: str | None = None
    range_from: str | None = None
    range_to: str | None = None
    circa: bool = False
    calendar: str | None = None
    city: str | None = None
    place: str | None = None
    region: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    remark: str | None = None
    logical_id: str | None = None


@dataclass
class EuIdent:
    """One `identification`: number, kind, country and the document's status flags."""

    number: str | None = None
    type_code: str | None = None
    type_desc: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    issued_by: str | None = None
    issue_date: str | None = None
    valid_to: str | None = None
    latin_number: str | None = None
    region: str | None = None
    remark: str | None = None
    flags: list[str] = field(default_factory=list)
    logical_id: str | None = None


@dataclass
class EuAddress:
    """One `address` of the designated party."""

    street: str | None = None
    po_box: str | None = None
    city: str | None = None
    zip_code: str | None = None
    region: str | None = None
    place: str | None = None
    country_iso: str | None = None
    country_desc: str | None = None
    remarks: list[str] = field(default_factory=list)
    logical_id: str | None = None


@dataclass
class EuRecord:
    """One EU designation (`sanctionEntity`), whatever file format it came from."""

    ref: str
    eu_ref: str | None = None
    un_id: str | None = None
    designation_date: str | None = None
    designation_details: str | None = None
    subject: str | None = None
    remarks: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    regulation_dates: list[str] = field(default_factory=list)
    names: dict[str, EuName] = field(default_factory=dict)
    births: dict[str, EuBirth] = field(default_factory=dict)
    idents: dict[str, EuIdent] = field(default_factory=dict)
    addresses: dict[str, EuAddress] = field(default_factory=dict)
    citizenships: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)


def truthy(value: object) -> bool:
    """The EU's booleans: "true"/"false" in XML, sometimes 1/0 or yes/no in CSV."""
    return str(value or "").strip().lower() in {"true", "1", "yes", "y"}


def join_parts(*parts: str | None) -> str | None:
    """The non-empty parts joined with commas (address and place lines)."""
    kept = [p for p in (clean(x) for x in parts) if p]
    return ", ".join(dict.fromkeys(kept)) or None
