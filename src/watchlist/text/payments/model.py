"""What a payment message says about who pays whom: parties to screen and free text to scan.

Both formats (SWIFT MT103 and ISO 20022 pacs.008) are read into the same shape, so screening
does not care where a party came from; each party and text keeps the field it was read
from and its path in the message, so a hit can say where it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date
from typing import Any

from watchlist.errors import WatchlistError
from watchlist.normalize.dates import parse_date

__all__ = ["FORMATS", "FreeText", "Party", "Payment", "PaymentError"]

#: The message formats read, by the name used in results and the `format` option.
FORMATS = ("mt103", "pacs008")

#: Kinds of party, and the schema each is screened as.
SCHEMA_OF_KIND = {"person": "Person", "organization": "Organization", "bank": "Organization",
                  "unknown": "LegalEntity"}


def birth_date_problem(iso: str) -> str | None:
    """Why a YYYY-MM-DD date cannot be a party's birth date (no such day, or a year the
    screener does not take), or None when it can."""
    try:
        date.fromisoformat(iso)
        parse_date(iso, strict=True)
    except ValueError as exc:  # DateError too
        return str(exc)
    return None


class PaymentError(WatchlistError):
    """A payment message that cannot be read: names the file (or message), the field and
    what is wrong with it."""

    def __init__(self, file: str, field: str | None, problem: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        where = f"field {field}: " if field else ""
        super().__init__(f"{file}: {where}{problem}")

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "field": self.field, "problem": self.problem,
                "error": str(self)}


@dataclass
class Party:
    """A party of a payment: a customer (ordering, beneficiary, ultimate...) or a bank.

    `names` holds the name and, where a long name may run on over two lines of an
    unstructured field, the two lines joined. `country` is the ISO code of the address
    country (or, for a party known only by its BIC, the BIC's country letters), and
    `country_from` says which. `kind` is person, organization, bank or unknown.
    """

    role: str
    field: str
    path: str
    kind: str = "unknown"
    name: str | None = None
    names: list[str] = _field(default_factory=list)
    country: str | None = None
    country_from: str | None = None
    bic: str | None = None
    account: str | None = None
    address: list[str] = _field(default_factory=list)
    birth_date: str | None = None
    identifiers: list[str] = _field(default_factory=list)
    transaction: str | None = None

    @property
    def schema(self) -> str:
        return SCHEMA_OF_KIND.get(self.kind, "LegalEntity")

    @property
    def screenable(self) -> bool:
        """A name or a BIC to screen; an account or a location alone is not screened."""
        return bool(self.names or self.bic)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "field": self.field, "path": self.path, "kind": self.kind,
                "name": self.name, "names": list(self.names), "country": self.country,
                "country_from": self.country_from, "bic": self.bic, "account": self.account,
                "address": list(self.address), "birth_date": self.birth_date,
                "identifiers": list(self.identifiers), "transaction": self.transaction}


@dataclass
class FreeText:
    """A free-text field (remittance information, instructions) scanned for listed names."""

    field: str
    path: str
    text: str
    transaction: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "path": self.path, "text": self.text,
                "transaction": self.transaction}


@dataclass
class Payment:
    """One payment message: its reference, amounts, parties and free text.

    `reference` is MT field 20 or the pacs.008 MsgId; `transactions` lists, per credit
    transfer, its references (EndToEndId, TxId, UETR) and amount.
    """

    format: str
    reference: str
    source: str
    parties: list[Party] = _field(default_factory=list)
    texts: list[FreeText] = _field(default_factory=list)
    transactions: list[dict[str, Any]] = _field(default_factory=list)
    details: dict[str, Any] = _field(default_factory=dict)

    @property
    def end_to_end_ids(self) -> list[str]:
        return [t["end_to_end_id"] for t in self.transactions if t.get("end_to_end_id")]

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "reference": self.reference, "source": self.source,
                "transactions": [dict(t) for t in self.transactions],
                "details": dict(self.details),
                "parties": [p.to_dict() for p in self.parties],
                "texts": [t.to_dict() for t in self.texts]}
