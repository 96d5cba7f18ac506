"""The screening certificate: one name screened now, under a user, with every list version
that answered, the result ("no match" included) and the audit entry the screening wrote."""

from __future__ import annotations

from typing import Any

from watchlist.reports.common import (
    QUERY_LABELS,
    audit_fields,
    designation_rows,
    explanation_rows,
    versions_table,
)
from watchlist.reports.document import Document, Fields, ReportError, Table, text
from watchlist.screener import Screener
from watchlist.screening.readers import prepare_row
from watchlist.store.audit import append_audit
from watchlist.store.store import Store

#: Matches a certificate lists (the best first); more are counted.
MAX_MATCHES = 25


def certificate_query(name: str | list[str], birth_date: str | None = None,
                      country: str | None = None, schema: str | None = None,
                      identifier: str | None = None) -> dict[str, Any]:
    """The query of a certificate, validated as a row of a screened file is (a bad date or
    country is a ReportError naming it)."""
    names = [n for n in ([name] if isinstance(name, str) else name) if n and n.strip()]
    raw = {"name": names if len(names) > 1 else (names[0] if names else None),
           "birth_date": birth_date or None, "country": country or None,
           "schema": schema or None, "identifier": identifier or None}
    query = prepare_row(raw, 1)
    if query.get("error"):
        raise ReportError(str(query["error"]))
    query.pop("id", None)
    return query


def screening_certificate(store: Store, screener: Screener, query: dict[str, Any],
                          actor: str, via: str, fmt: str,
                          threshold: float | None = None) -> Document:
    """Screen `query` (a validated query: name, birth_date, country, schema, identifier),
    write its audit entry and return the certificate of it."""
    used = screener.threshold if threshold is None else threshold
    hits = screener.check(query, threshold=used)
    hits = sorted(hits, key=lambda h: -h.score)
    versions = screener.index.versions
    entry = append_audit(store, actor, "check",
                         {**query, "threshold": used, "via": via, "report": "certificate",
                          "format": fmt}, versions, hits)
    asked = [(label, text(query.get(key))) for key, label in QUERY_LABELS if query.get(key)]
    screening = Fields("Screening", [
        *asked, ("Screened at (UTC)", entry.at), ("Screened by", actor),
        ("Lowest score reported", f"{used:.2f}"),
        ("Alert threshold", f"{screener.threshold:.2f}")])
    if hits:
        outcome = (f"{len(hits)} possible {'match' if len(hits) == 1 else 'matches'} scoring "
                   f"{used:.2f} or more; best {hits[0].score:.2f} ({hits[0].caption}).")
    else:
        outcome = (f"No match: no listed party on the lists below scores {used:.2f} or more "
                   "for this query.")
    sections: list[Fields | Table] = [
        screening, Fields("Result", [("Outcome", outcome)])]
    if hits:
        shown = hits[:MAX_MATCHES]
        rows = []
        for rank, hit in enumerate(shown, 1):
            rows.append([str(rank), f"{hit.score:.2f}", hit.caption, hit.schema,
                         "; ".join(" ".join(str(x) for x in r if x != "—")
                                   for r in designation_rows(hit.designations)),
                         hit.entity_id])
        heading = "Matches" + (f" (best {len(shown)} of {len(hits)})"
                               if len(hits) > len(shown) else "")
        sections.append(Table(heading, ["#", "Score", "Listed party", "Kind",
                                        "Designations", "Entity id"], rows,
                              widths=[0.3, 0.5, 1.8, 0.8, 2.6, 1.4]))
        why = [row for rank, hit in enumerate(shown, 1)
               for row in explanation_rows(hit.explanation, [str(rank)])]
        sections.append(Table("Why each matched", ["#", "What", "Effect", "Asked",
                                                   "The list says", "Detail"], why,
                              widths=[0.3, 1.1, 0.6, 1.4, 1.6, 2.0]))
    sections.append(versions_table(entry.versions, "List versions screened against"))
    sections.append(audit_fields(entry))
    name = query.get("name")
    title_name = " / ".join(name) if isinstance(name, list) else str(name)
    return Document("check", f"Screening certificate: {title_name}", sections,
                    f"certificate-{entry.seq}", entry.seq, entry.hash)
