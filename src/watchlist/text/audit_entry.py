"""The audit entry of a scanned text, the same from the command line, the API and the Scan
page: which text (by its SHA-256, not its words), the list versions, each mention found."""

from __future__ import annotations

import hashlib
from typing import Any

from watchlist.store.labels import version_ref


def audit_items(actor: str, name: str, fmt: str, text: str, mentions: list[Any],
                versions: list[dict[str, Any]]) -> tuple[str, str, dict[str, Any],
                                                         list[dict[str, Any]],
                                                         list[dict[str, Any]]]:
    """One audit entry for a scanned text: which text (name, size, SHA-256 of its UTF-8),
    the list versions, and each mention (id "start:end")."""
    query = {"file": name, "format": fmt, "chars": len(text),
             "sha256": hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()}
    hits = [{"id": f"{m.start}:{m.end}", "entity_id": m.entity_id, "profile_id": m.profile_id,
             "caption": m.caption, "schema": m.schema, "score": m.score,
             "designations": m.designations} for m in mentions]
    return (actor, "scan", query, [version_ref(v) for v in versions], hits)
