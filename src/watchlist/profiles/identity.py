"""Stable profile ids: a profile keeps its id across list versions while its records stay
linked, so the alerts and decisions made on it stay attached.

Linking (`watchlist.profiles.linking`) groups records afresh at every index build; this
module then names each group from the store's memory of record id -> profile id: a group
takes the id most of its records had; when a profile splits, the part keeping most of its
records keeps the id and the others get new ones; when two profiles merge, the id of the
one bringing more records (then the smaller id) survives and the other is recorded as
merged into it. A group none of whose records had an id gets a new one, derived from its
records (so a store built afresh names its profiles as before).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, Text, delete, insert, select

from watchlist.store.audit import begin_write
from watchlist.store.schema import metadata
from watchlist.store.store import now_iso

__all__ = ["Naming", "apply_stable_ids", "name_profiles", "profile_changes", "profile_members",
           "profile_merges"]

#: The profile id each record last belonged to.
profile_members = Table(
    "profile_members",
    metadata,
    Column("record_id", String(300), primary_key=True),
    Column("profile_id", String(64), nullable=False),
    Index("ix_profile_members_profile", "profile_id"),
)

#: Profiles merged into another: the id that went and the id that carries on.
profile_merges = Table(
    "profile_merges",
    metadata,
    Column("profile_id", String(64), primary_key=True),
    Column("into_id", String(64), nullable=False),
    Column("at", String(40), nullable=False),
)

#: What each index build changed in the profiles: a record that `joined` or `left` one (with
#: the links that put it there), a profile `merged` into another or `split` from it, and
#: the list versions the build served ({source: version id}).
profile_changes = Table(
    "profile_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("versions", Text, nullable=False),
    Column("change", String(10), nullable=False),
    Column("profile_id", String(64), nullable=False),
    Column("other_id", String(64)),
    Column("record_id", String(300)),
    Column("source", String(100)),
    Column("evidence", Text),
    Index("ix_profile_changes_record", "record_id"),
)


@dataclass
class Naming:
    """The ids given to the groups, in their order, and the ids merged into another."""

    ids: list[str]
    merged: dict[str, str] = field(default_factory=dict)


def fresh_id(records: Sequence[str]) -> str:
    """A new profile's id, derived from its record ids."""
    digest = hashlib.sha1("|".join(sorted(records)).encode())
    return "wl-" + digest.hexdigest()[:16]


def name_profiles(groups: Sequence[Sequence[str]], previous: Mapping[str, str]) -> Naming:
    """Name each group of record ids, keeping the id its records had where they had one."""
    claims: list[tuple[int, str, int]] = []
    held: list[Counter[str]] = []
    for g, records in enumerate(groups):
        counts = Counter(previous[r] for r in records if r in previous)
        held.append(counts)
        claims.extend((n, pid, g) for pid, n in counts.items())
    # Most records first; an id of equal standing goes to the larger group, then the first.
    claims.sort(key=lambda c: (-c[0], c[1], -len(groups[c[2]]), c[2]))
    ids: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for _n, pid, g in claims:
        if ids[g] is None and pid not in taken:
            ids[g] = pid
            taken.add(pid)
    known = set(previous.values())
    for g, records in enumerate(groups):
        if ids[g] is None:
            pid = fresh_id(records)
            salt = 0
            while pid in taken or pid in known:
                salt += 1
                pid = fresh_id([*records, f"#{salt}"])
            ids[g] = pid
            taken.add(pid)
    named = [pid for pid in ids if pid is not None]
    merged: dict[str, str] = {}
    for g, counts in enumerate(held):
        for pid in counts:
            if pid not in taken and pid not in merged:
                merged[pid] = named[g]
    return Naming(named, merged)


def apply_stable_ids(store: Any, index: Any) -> Naming:
    """Rename the index's profiles (and its links) with stable ids, remembering them in the
    store for the next build (a store without a database, as a test's, keeps no memory)."""
    groups = [[index.parties[e].id or "" for e in group] for group in index.profiles]
    engine = getattr(store, "engine", None)
    if engine is None:
        naming = name_profiles(groups, {})
    else:
        with engine.connect() as conn:
            naming = _remember(conn, index, groups)
    index.profile_ids = naming.ids
    for record in index.links:
        record["profile_id"] = naming.ids[index.profile_of[index.by_id[record["a"]]]]
    return naming


def changes_of(index: Any, groups: list[list[str]], naming: Naming,
               previous: Mapping[str, str]) -> list[dict[str, Any]]:
    """The records that joined or left a profile since `previous`, and the profiles merged
    or split (a record new to the lists, alone in its profile, changes no profile)."""
    sources = {index.parties[e].id: index.sources[e] for group in index.profiles for e in group}
    evidence: dict[str, list[dict[str, Any]]] = {}
    for link in index.links:
        evidence.setdefault(link["a"], []).append(link)
        evidence.setdefault(link["b"], []).append(link)
    found: list[dict[str, Any]] = []
    parts: dict[str, set[str]] = {}
    for records, pid in zip(groups, naming.ids, strict=True):
        for r in records:
            before = previous.get(r)
            if before is not None and before != pid:
                parts.setdefault(before, set()).add(pid)
                found.append({"change": "left", "profile_id": before, "other_id": pid,
                              "record_id": r, "source": sources[r], "evidence": None})
            if before != pid and len(records) > 1:
                found.append({"change": "joined", "profile_id": pid, "other_id": before,
                              "record_id": r, "source": sources[r],
                              "evidence": json.dumps(evidence.get(r, []), ensure_ascii=False)})
    for old, new in naming.merged.items():
        found.append({"change": "merged", "profile_id": old, "other_id": new,
                      "record_id": None, "source": None, "evidence": None})
    kept, known = set(naming.ids), set(previous.values())
    for old, into in sorted(parts.items()):
        for new in sorted(into - known):
            if old in kept:
                found.append({"change": "split", "profile_id": old, "other_id": new,
                              "record_id": None, "source": None, "evidence": None})
    return found


def _remember(conn: Any, index: Any, groups: list[list[str]]) -> Naming:
    metadata.create_all(conn, tables=[profile_members, profile_merges, profile_changes])
    conn.commit()
    previous = {r.record_id: r.profile_id for r in conn.execute(select(profile_members))}
    naming = name_profiles(groups, previous)
    rows = [{"record_id": r, "profile_id": pid}
            for records, pid in zip(groups, naming.ids, strict=True) for r in records]
    if any(previous.get(row["record_id"]) != row["profile_id"] for row in rows) \
            or naming.merged:
        changes = changes_of(index, groups, naming, previous) if previous else []
        begin_write(conn)
        current = {row["record_id"] for row in rows}
        stale = [r for r in previous if r in current]
        for start in range(0, len(stale), 500):
            conn.execute(delete(profile_members)
                         .where(profile_members.c.record_id.in_(stale[start:start + 500])))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(profile_members), rows[start:start + 5000])
        now = now_iso()
        for old, new in naming.merged.items():
            conn.execute(delete(profile_merges).where(profile_merges.c.profile_id == old))
            conn.execute(insert(profile_merges).values(profile_id=old, into_id=new, at=now))
        served = json.dumps({v["source"]: v["id"] for v in index.versions}, sort_keys=True)
        if changes:
            conn.execute(insert(profile_changes),
                         [{**c, "at": now, "versions": served} for c in changes])
        conn.commit()
    return naming
