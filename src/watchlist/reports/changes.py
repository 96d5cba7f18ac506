"""A list's changes between two versions: parties added and removed, with their regime and
listing date, and parties changed field by field (`monitor.diff` finds them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from watchlist.monitor.diff import default_pair, diff_versions, load_records, substantive_first
from watchlist.reports.common import audit_fields, record_export, versions_table
from watchlist.reports.document import Document, Table, text
from watchlist.store.store import Store, Version


def designations_of(store: Store, version: Version,
                    entity_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """{entity id: (its regimes, its listing dates)} from the Sanctions of these targets in
    a version."""
    found: dict[str, tuple[str, str]] = {}
    with store.engine.connect() as conn:
        records = load_records(conn, version.id, entity_ids)
    for entity_id, record in records.items():
        regimes: list[str] = []
        dates: list[str] = []
        for linked in record.linked:
            if linked.schema.name != "Sanction":
                continue
            for value in linked.get("program", quiet=True) + linked.get("programId", quiet=True):
                if value not in regimes:
                    regimes.append(value)
            for value in linked.get("listingDate", quiet=True) or linked.get(
                    "startDate", quiet=True):
                if value not in dates:
                    dates.append(value)
        found[entity_id] = (text(regimes), text(sorted(dates)))
    return found


def _party_rows(rows: list[dict[str, Any]], known: dict[str, tuple[str, str]]
                ) -> list[list[str]]:
    return [[text(r.get("caption")), text(r.get("schema")), *known.get(r["entity_id"],
                                                                       ("—", "—")),
             r["entity_id"]] for r in rows]


def _changed_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    lines = []
    for row in rows:
        for i, (name, change) in enumerate(row.get("fields", {}).items()):
            lines.append([text(row.get("caption")) if i == 0 else "",
                          row["entity_id"] if i == 0 else "", name,
                          text(change.get("added")), text(change.get("removed"))])
    return lines


def list_changes(store: Store, source: str, actor: str, via: str, fmt: str,
                 old_spec: str | None = None, new_spec: str | None = None) -> Document:
    """The changes of `source` from `old_spec` to `new_spec` (numbers or dates; default:
    the version before the current one, to the current one); its export is audited."""
    old, new = default_pair(store, source, old_spec, new_spec)
    diff = diff_versions(store, old, new)
    added = designations_of(store, new, [r["entity_id"] for r in diff.added])
    removed = designations_of(store, old, [r["entity_id"] for r in diff.removed])
    entry = record_export(store, actor, "changes", fmt, via,
                          {"source": source, "from": old.version, "to": new.version},
                          [old, new])
    party_columns = ["Listed party", "Kind", "Regime", "Listing date", "Entity id"]
    widths = [2.0, 0.8, 2.0, 1.0, 1.6]
    sections = [
        versions_table([old, new], "Versions compared (older first)"),
        Table(f"Added ({len(diff.added)})", party_columns, _party_rows(diff.added, added),
              "No party was added.", widths),
        Table(f"Removed ({len(diff.removed)})", party_columns,
              _party_rows(diff.removed, removed), "No party was removed.", widths),
        Table(f"Changed ({len(diff.changed)})", ["Listed party", "Entity id", "Field",
                                                  "Added", "Removed"],
              _changed_rows(substantive_first(diff)), "No party changed.",
              [1.6, 1.3, 1.2, 1.7, 1.7]),
        audit_fields(entry, "This export in the audit log"),
    ]
    return Document("changes", f"Changes to {source}: version {old.version} to {new.version}",
                    sections, f"changes-{source}-{old.version}-{new.version}", entry.seq,
                    entry.hash)
