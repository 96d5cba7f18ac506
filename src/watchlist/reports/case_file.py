"""An alert's case file: the customer beside the listed party, why they matched, the
designations, every decision and approval so far, and the list versions that raised it."""

from __future__ import annotations

from typing import Any

from watchlist.monitor.alerts import get_alert
from watchlist.reports.common import (
    QUERY_LABELS,
    audit_fields,
    designation_rows,
    explanation_rows,
    record_export,
    versions_table,
)
from watchlist.reports.document import Document, Fields, Table, text
from watchlist.screening.readers import OTHER
from watchlist.store.store import Store

#: The explanation's features holding each compared field's listed value.
LISTED_FROM = {"name": ("name_match",), "birth_date": ("birth_date_match",
                                                       "birth_date_mismatch"),
               "country": ("country_match", "country_mismatch"),
               "identifier": ("identifier_match", "identifier_mismatch"),
               "schema": ("kind_mismatch",)}


def _listed(alert: dict[str, Any], key: str) -> str:
    explanation = alert.get("explanation") or {}
    for feature in LISTED_FROM.get(key, ()):
        item = explanation.get(feature)
        if isinstance(item, dict) and item.get("candidate") not in (None, "", []):
            return text(item["candidate"])
    if key == "name":
        return text(alert.get("caption"))
    if key == "schema":
        return text(alert.get("schema"))
    return "—"


def side_by_side(alert: dict[str, Any]) -> Table:
    """The customer's fields beside the listed party's (as the scorer compared them), then
    the customer's other fields."""
    customer = alert.get("customer") or {}
    rows = [[label, text(customer.get(key)), _listed(alert, key)] for key, label in QUERY_LABELS]
    shown = {key for key, _ in QUERY_LABELS} | {"id", "version", "removed_at"}
    rows += [[key.replace("_", " ").capitalize(), text(value), ""]
             for key, value in customer.items() if key not in shown | {OTHER}]
    other = customer.get(OTHER)
    if isinstance(other, dict):  # the book's own columns, named as the book names them
        rows += [[str(column), text(value), ""] for column, value in other.items()]
    return Table("Customer beside the listed party", ["Field", "Customer", "Listed party"],
                 rows, widths=[1.0, 2.0, 2.0])


def decision_rows(alert: dict[str, Any]) -> list[list[str]]:
    """Every step of the alert's history, oldest first: decisions, approvals, the monitor's."""
    steps = list(alert.get("decisions") or []) + list(alert.get("approvals") or [])
    steps.sort(key=lambda d: (str(d.get("at") or ""), d.get("id") or 0))
    return [[text(d.get("at")), text(d.get("user") or d.get("actor")), text(d.get("decision")),
             f"{text(d.get('previous_status'))} → {text(d.get('status'))}",
             text(d.get("reason_code")) if d.get("reason_code") else "",
             text(d.get("reason")), text(d.get("audit_seq"))] for d in steps]


def alert_case_file(store: Store, alert_id: int, actor: str, via: str, fmt: str) -> Document:
    """The case file of alert `alert_id` (AlertNotFound for an unknown one); its export is
    written to the audit log."""
    alert = get_alert(store, alert_id)
    entry = record_export(store, actor, "alert", fmt, via,
                          {"alert_id": alert_id, "customer_id": alert["customer_id"],
                           "profile_id": alert["profile_id"]}, alert.get("versions") or [])
    customer = alert.get("customer") or {}
    summary = Fields("Alert", [
        ("Alert", str(alert["id"])), ("Status", text(alert["status"])),
        ("Score", f"{alert['score']:.2f}" if alert.get("score") is not None else "—"),
        ("Customer", f"{text(customer.get('name'))} ({alert['customer_id']})"),
        ("Listed party", f"{text(alert.get('caption'))} ({text(alert.get('schema'))})"),
        ("Profile", text(alert.get("profile_id"))),
        ("Records", text(alert.get("entity_ids") or alert.get("entity_id"))),
        ("Raised", f"{text(alert.get('created_at'))} (monitor run {text(alert.get('run_id'))}"
                   f", {text(alert.get('cause'))})"),
        ("Last change", text(alert.get("updated_at")))])
    sections: list[Fields | Table] = [
        summary, side_by_side(alert),
        Table("Why they matched", ["What", "Effect", "Customer", "The list says", "Detail"],
              explanation_rows(alert.get("explanation") or {}), "No explanation was kept.",
              [1.1, 0.6, 1.5, 1.7, 2.1]),
        Table("Designations", ["Publisher", "Reference", "Regime", "Listed"],
              designation_rows(alert.get("designations") or []), "None.",
              [1.3, 1.2, 2.6, 1.0]),
        Table("Decisions and approvals", ["When (UTC)", "Who", "Step", "Status",
                                          "Reason code", "Reason", "Audit entry"],
              decision_rows(alert), "No decision yet.",
              [1.3, 1.0, 0.9, 1.3, 0.8, 2.2, 0.6]),
        versions_table(alert.get("versions") or [], "List versions that raised it"),
        audit_fields(entry, "This export in the audit log"),
    ]
    return Document("alert", f"Case file: alert {alert_id}", sections,
                    f"alert-{alert_id}", entry.seq, entry.hash)
