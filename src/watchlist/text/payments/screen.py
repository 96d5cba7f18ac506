"""Screening a payment: each party as a structured query, each free-text field as text.

A party's query is built from what the message says of it: its name (or, for a bank known
only by its BIC, the BIC), the kind of party (a bank is an Organization; a customer with a
birth date or a passport a Person; other customers any legal entity), its country (from the
address, or the BIC's letters 5-6 for a bank known by its BIC), its BIC and identity
numbers as identifiers, and its birth date. Free text (remittance information, sender to
receiver information, instructions) goes through the text scanner, which reports the listed
names it mentions with their offsets in that field (an MT field's lines joined by "\n"; a
pacs.008 element's text as it stands).

The result names, for every hit, the message (its reference), the field, the role of the
party, and the path of the party or text in the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchlist.screener import Hit, QueryError, Screener
from watchlist.store.audit import append_audit
from watchlist.store.labels import version_ref
from watchlist.text.payments.model import FreeText, Party, Payment

__all__ = ["PartyResult", "PaymentResult", "TextResult", "audit_item", "audit_payment",
           "party_query", "screen_payment"]

ACTION = "scan-payment"


def party_query(party: Party) -> dict[str, Any] | None:
    """The screener query for a party, or None when it has neither a name nor a BIC."""
    if not party.screenable:
        return None
    query: dict[str, Any] = {"name": list(party.names) or [party.bic], "schema": party.schema}
    if party.country:
        query["country"] = party.country
    if party.identifiers:
        query["identifier"] = list(dict.fromkeys(party.identifiers))
    if party.birth_date:
        query["birth_date"] = party.birth_date
    return query


@dataclass
class PartyResult:
    """A party, the query it was screened with and the profiles it matched."""

    party: Party
    query: dict[str, Any] | None
    hits: list[Hit] = field(default_factory=list)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.party.to_dict(), "screened": self.query is not None,
                "query": self.query, "note": self.note,
                "hits": [h.to_dict() for h in self.hits]}


@dataclass
class TextResult:
    """A free-text field and the listed names the scanner found in it."""

    text: FreeText
    mentions: list[Any] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.text.to_dict(), "mentions": [m.to_dict() for m in self.mentions]}


@dataclass
class PaymentResult:
    """What screening one payment found."""

    payment: Payment
    parties: list[PartyResult]
    texts: list[TextResult]
    threshold: float
    versions: list[dict[str, Any]]

    @property
    def hit_count(self) -> int:
        return sum(len(p.hits) for p in self.parties) + sum(len(t.mentions)
                                                            for t in self.texts)

    def findings(self) -> list[dict[str, Any]]:
        """Every hit, flat: where it was found (message, field, role, path, offsets) and
        the listed party."""
        payment = self.payment
        out: list[dict[str, Any]] = []
        for pr in self.parties:
            for hit in pr.hits:
                out.append({
                    "message": payment.reference, "source": payment.source, "kind": "party",
                    "field": pr.party.field, "role": pr.party.role, "path": pr.party.path,
                    "transaction": pr.party.transaction, "name": pr.party.name,
                    "bic": pr.party.bic, "entity_id": hit.entity_id, "caption": hit.caption,
                    "schema": hit.schema, "score": round(hit.score, 4),
                    "designations": [dict(d) for d in hit.designations],
                })
        for tr in self.texts:
            for m in tr.mentions:
                out.append({
                    "message": payment.reference, "source": payment.source, "kind": "text",
                    "field": tr.text.field, "role": None, "path": tr.text.path,
                    "transaction": tr.text.transaction, "start": m.start, "end": m.end,
                    "text": m.text, "entity_id": m.entity_id, "caption": m.caption,
                    "schema": getattr(m, "schema", None), "score": round(m.score, 4),
                    "designations": [dict(d) for d in m.designations],
                })
        return out

    def message(self) -> dict[str, Any]:
        payment = self.payment
        return {"source": payment.source, "format": payment.format,
                "reference": payment.reference, "end_to_end_ids": payment.end_to_end_ids,
                "transactions": [dict(t) for t in payment.transactions],
                "details": dict(payment.details)}

    def to_dict(self) -> dict[str, Any]:
        return {"message": self.message(), "hit_count": self.hit_count,
                "hits": self.findings(), "parties": [p.to_dict() for p in self.parties],
                "texts": [t.to_dict() for t in self.texts], "threshold": self.threshold,
                "versions": [version_ref(v) for v in self.versions]}


def screen_payment(screener: Screener, scanner: Any, payment: Payment,
                   threshold: float | None = None) -> PaymentResult:
    """Screen every party of a payment and scan every free-text field.

    `scanner` is a `watchlist.text.Scanner` (its `scan(text)` gives the mentions of listed
    names with offsets into the text)."""
    limit = screener.threshold if threshold is None else threshold
    parties = []
    for party in payment.parties:
        query = party_query(party)
        if query is None:
            parties.append(PartyResult(party, None, note="not screened: no name or BIC "
                                       "(an account or a location only)"))
            continue
        try:
            hits = screener.check(query, threshold=limit)
        except QueryError as exc:
            parties.append(PartyResult(party, None, note=f"not screened: {exc}"))
            continue
        parties.append(PartyResult(party, query, hits))
    texts = [TextResult(text, list(scanner.scan(text.text))) for text in payment.texts]
    return PaymentResult(payment, parties, texts, limit, list(screener.index.versions))


def audit_query(result: PaymentResult) -> dict[str, Any]:
    """What the audit log records of the message screened."""
    payment = result.payment
    query: dict[str, Any] = {
        "format": payment.format, "reference": payment.reference, "source": payment.source,
        "end_to_end_ids": payment.end_to_end_ids, "threshold": result.threshold,
        "parties": [{k: v for k, v in (("role", p.party.role), ("field", p.party.field),
                                        ("path", p.party.path), ("name", p.party.name),
                                        ("country", p.party.country), ("bic", p.party.bic))
                     if v} for p in result.parties],
        "texts": [{"field": t.text.field, "path": t.text.path, "chars": len(t.text.text)}
                  for t in result.texts],
    }
    uetr = payment.details.get("uetr")
    if uetr:
        query["uetr"] = uetr
    return query


def audit_hits(result: PaymentResult) -> list[dict[str, Any]]:
    """The hits as logged: where each was found, and the listed party with its sources."""
    logged = []
    for item in result.findings():
        where = {k: item[k] for k in ("kind", "field", "role", "path", "transaction",
                                      "start", "end", "text") if item.get(k) is not None}
        listed = {"entity_id": item["entity_id"], "caption": item["caption"],
                  "score": item["score"],
                  "designations": [{k: d.get(k) for k in ("source", "ref")}
                                   for d in item["designations"]]}
        logged.append({"where": where, "listed": listed})
    return logged


def audit_item(actor: str, result: PaymentResult) -> tuple[str, str, dict[str, Any],
                                                             list[dict[str, Any]],
                                                             list[dict[str, Any]]]:
    """The audit entry of one screened payment, as `append_audit_many` and the API's audit
    writer take it: (actor, "scan-payment", query, versions, hits)."""
    return actor, ACTION, audit_query(result), result.versions, audit_hits(result)


def audit_payment(store: Any, actor: str, result: PaymentResult) -> None:
    """Append the screening of one payment to the audit log (action `scan-payment`)."""
    append_audit(store, *audit_item(actor, result))
