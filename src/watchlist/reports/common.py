"""What the reports share: the list versions table, the explanation table, the audit entry
of an export, and the labels of a query's fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from watchlist.reports.document import Fields, Table, text
from watchlist.store.audit import AuditEntry, append_audit
from watchlist.store.labels import published_text, version_ref
from watchlist.store.store import Store

#: A query's (or a customer's) fields as a report names them.
QUERY_LABELS = (("name", "Name"), ("schema", "Kind of party"), ("birth_date", "Birth date"),
                ("country", "Country"), ("identifier", "Identifier"))
#: The scoring features as a report names them (others are made readable from their name).
FEATURE_LABELS = {
    "name_match": "Name", "identifier_match": "Same identifier",
    "identifier_mismatch": "Different identifier", "birth_date_match": "Birth date agrees",
    "birth_date_mismatch": "Birth date differs", "country_match": "Country agrees",
    "country_mismatch": "Country differs", "legal_form_mismatch": "Legal form differs",
    "kind_mismatch": "Kind of party differs", "numbers_mismatch": "Numbers in the name differ",
}


def versions_table(versions: Sequence[Any], heading: str = "List versions") -> Table:
    """Every list version that answered: source, version, publisher date, SHA-256."""
    rows = []
    for v in versions:
        ref = version_ref(v)
        rows.append([text(ref["source"]), text(ref["version"]), published_text(ref),
                     text(ref["sha256"])])
    return Table(heading, ["List", "Version", "Publisher date", "SHA-256 of the file"], rows,
                 "No list was serving.", [1.4, 0.6, 1.2, 3.4])


def feature_label(feature: str) -> str:
    return FEATURE_LABELS.get(feature) or feature.replace("_", " ").capitalize()


def _effect(item: dict[str, Any]) -> str:
    value = item.get("contribution")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "—"
    return f"{value:+.2f}" if round(value, 2) else "0"


def explanation_rows(explanation: dict[str, Any], prefix: list[str] | None = None
                     ) -> list[list[str]]:
    """One row per feature that moved the score (and the name, always): what, effect, the
    asked value, the listed value, and the scorer's detail."""
    rows = []
    for feature, item in (explanation or {}).items():
        if not isinstance(item, dict):
            continue
        effect = _effect(item)
        if effect in ("0", "—") and feature != "name_match":
            continue
        rows.append([*(prefix or []), feature_label(feature), effect, text(item.get("query")),
                     text(item.get("candidate")), text(item.get("detail"))])
    return rows


def designation_rows(designations: list[dict[str, Any]]) -> list[list[str]]:
    """Publisher, reference, regime and listing date of each designation."""
    return [[text(d.get("source")), text(d.get("ref")), text(d.get("regime")),
             text(d.get("listed"))] for d in designations]


def record_export(store: Store, actor: str, report: str, fmt: str, via: str,
                  details: dict[str, Any], versions: Sequence[Any]) -> AuditEntry:
    """The audit entry of a report's export (who exported which report, in which format)."""
    return append_audit(store, actor, "report-export",
                        {"report": report, "format": fmt, "via": via, **details}, versions, [])


def audit_fields(entry: AuditEntry, heading: str = "Audit log entry") -> Fields:
    """The entry's sequence number and hash, to find and verify it in the log."""
    return Fields(heading, [
        ("Sequence number", str(entry.seq)), ("Recorded at (UTC)", entry.at),
        ("Recorded for", entry.actor), ("Action", entry.action),
        ("Entry hash (SHA-256)", entry.hash), ("Previous entry's hash", entry.prev_hash),
        ("Check with", "watchlist audit verify (the chain), watchlist audit export "
                       "(the entry)")])
