"""What changed between two versions of a list: targets added, removed, and changed field
by field (a new alias, a new regime, a corrected birth date, a new address).

A target is compared with everything its list says of it: its own properties, and those of
the entities linked to it (its Sanctions, Identifications and Passports, which point to
it, and its Addresses, which it points to), by value, named `Sanction.program`,
`Address.full` and so on. Ids of linked entities and references between entities are
not compared: publishers renumber address rows, which is no change to the party. Target
ids are stable across versions of a list (see each source's parser), so targets are paired
by id.

Reading a version is split in two: a cheap digest per target (SQL only, no JSON), used to
skip the targets that cannot have changed and by the monitor to know which targets to
re-screen; then the full records of the few that may have, compared by `record_changes`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from followthemoney import EntityProxy, model
from sqlalchemy import and_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection

from watchlist.errors import StoreError
from watchlist.profiles.identity import profile_changes
from watchlist.store import schema as t
from watchlist.store.store import Store, Version

__all__ = [
    "FieldChange",
    "Record",
    "VersionDiff",
    "VersionNotFound",
    "default_pair",
    "diff_versions",
    "field_tally",
    "field_values",
    "load_records",
    "only_whole_field_changes",
    "record_changes",
    "resolve_version",
    "substantive_first",
    "target_digests",
    "whole_field_notes",
]

#: Entities per IN (...) list, well below every database's parameter limit.
CHUNK = 500


class VersionNotFound(StoreError):
    """The version asked for (or the one before it) is not stored: the API's 404."""
#: A field on no target of a version is called missing from the whole version when, at the
#: rate the other version has it, this many targets would have it (the chance that none
#: does is then under 1%); rarer fields may just happen to be absent.
WHOLE_FIELD_EXPECTED = 5


@dataclass
class Record:
    """A target and the entities of its list that describe it."""

    target: EntityProxy
    linked: list[EntityProxy] = field(default_factory=list)


def field_values(record: Record) -> dict[str, set[str]]:
    """Every compared field of a record and its values: the target's properties by name,
    linked entities' as `Schema.property` (values of all linked entities of that schema)."""
    fields: dict[str, set[str]] = defaultdict(set)
    for entity, prefix in [(record.target, "")] + [(e, f"{e.schema.name}.")
                                                    for e in record.linked]:
        for prop, value in entity.itervalues():
            if prop.type.name == "entity":
                continue
            fields[prefix + prop.name].add(value)
    return dict(fields)


def record_changes(old: Record, new: Record) -> dict[str, dict[str, list[str]]]:
    """Per changed field, the values added and removed (sorted); {} when nothing changed."""
    return _value_changes(old, new, field_values(old), field_values(new))


def _value_changes(old: Record, new: Record, before: dict[str, set[str]],
                   after: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    changes: dict[str, dict[str, list[str]]] = {}
    if old.target.schema.name != new.target.schema.name:
        changes["schema"] = {"added": [new.target.schema.name],
                             "removed": [old.target.schema.name]}
    for name in sorted(before.keys() | after.keys()):
        a, b = before.get(name, set()), after.get(name, set())
        if a != b:
            changes[name] = {"added": sorted(b - a), "removed": sorted(a - b)}
    return changes


def _entity_row(record: Record) -> dict[str, Any]:
    target = record.target
    return {"entity_id": target.id, "schema": target.schema.name, "caption": target.caption}


@dataclass
class FieldChange:
    """How one field changed over the changed targets of a diff, and whether the field is
    missing from the whole of one version (a file of the set left out, a column dropped)."""

    field: str
    gained: int = 0
    lost: int = 0
    whole: str | None = None  # "gone": on no target of the newer version; "new": of the older


def field_tally(changed: list[dict[str, Any]]) -> dict[str, FieldChange]:
    """{field: FieldChange} counting the changed targets that gained or lost its values."""
    tally: dict[str, FieldChange] = {}
    for row in changed:
        for name, change in row.get("fields", {}).items():
            entry = tally.setdefault(name, FieldChange(name))
            entry.gained += bool(change["added"])
            entry.lost += bool(change["removed"])
    return dict(sorted(tally.items()))


def only_whole_field_changes(row: dict[str, Any], tally: dict[str, FieldChange]) -> bool:
    """Whether all of a changed target's changes are in fields missing from a whole version."""
    fields = row.get("fields", {})
    return bool(fields) and all(tally[name].whole for name in fields if name in tally)


def whole_field_notes(diff: VersionDiff) -> list[str]:
    """One sentence per side naming the fields missing from a whole version, which make
    every target that has them on the other side read as changed; [] when there are none."""
    notes = []
    only = sum(only_whole_field_changes(row, diff.fields) for row in diff.changed)
    for mark, side, other, verb in (("gone", diff.new, diff.old, "lost"),
                                    ("new", diff.old, diff.new, "gained")):
        names = [name for name, entry in diff.fields.items() if entry.whole == mark]
        if not names or side is None or other is None:
            continue
        most = max(getattr(diff.fields[n], verb) for n in names)
        notes.append(
            f"Version {side.version} has no {', '.join(names)} on any target, where version "
            f"{other.version} has them on at least {most:,} targets: the "
            f"{'newer' if mark == 'gone' else 'older'} file carries none of these fields (a "
            f"file of the set left out, or a layout without them), so every target that has "
            f"them {verb} them"
            + (f". {only:,} of the {len(diff.changed):,} changed targets changed only in such "
               "fields; they are listed last" if only else "") + ".")
    return notes


def substantive_first(diff: VersionDiff) -> list[dict[str, Any]]:
    """The changed targets, those with changes beyond fields missing from a whole version
    first (in id order), then the others."""
    return sorted(diff.changed, key=lambda row: only_whole_field_changes(row, diff.fields))


@dataclass
class VersionDiff:
    """Targets added, removed and changed (with their field changes) from one version to
    another of a source; `fields` tallies the changes by field; `profiles` says which of
    its records joined or left a profile."""

    source: str
    old: Version | None
    new: Version
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    fields: dict[str, FieldChange] = field(default_factory=dict)
    profiles: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def ref(v: Version | None) -> dict[str, Any] | None:
            if v is None:
                return None
            return {"version": v.version, "published": v.published, "sha256": v.sha256,
                    "targets": v.targets}

        data = {"source": self.source, "from": ref(self.old), "to": ref(self.new),
                "added": self.added, "removed": self.removed, "changed": self.changed}
        if self.profiles:  # only when an index build between the two changed a profile
            data["profiles"] = self.profiles
        return data


# -- reading versions -----------------------------------------------------------------------


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def target_digests(conn: Connection, version_id: int,
                   entity_ids: Iterable[str] | None = None) -> dict[str, str]:
    """{target id: digest of its content and of the entities linked to it} for a version's
    targets (or only these ids). Equal digests mean equal records; different ones may
    still compare equal field by field (a renumbered address)."""
    ve, refs = t.version_entities, t.entity_refs
    if entity_ids is None:
        rows = conn.execute(select(ve.c.entity_id, ve.c.hash, ve.c.target)
                            .where(ve.c.version_id == version_id)).all()
        hashes = {r.entity_id: r.hash for r in rows}
        targets = [r.entity_id for r in rows if r.target]
        links = conn.execute(select(refs.c.entity_id, refs.c.ref_id)
                             .where(refs.c.version_id == version_id)).all()
    else:
        targets = sorted(set(entity_ids))
        hashes, links = {}, []
        for chunk in _chunks(targets):
            hashes.update((r[0], r[1]) for r in conn.execute(
                select(ve.c.entity_id, ve.c.hash).where(and_(
                    ve.c.version_id == version_id, ve.c.entity_id.in_(chunk),
                    ve.c.target.is_(True)))))
            links.extend(conn.execute(select(refs.c.entity_id, refs.c.ref_id).where(and_(
                refs.c.version_id == version_id,
                refs.c.entity_id.in_(chunk) | refs.c.ref_id.in_(chunk)))).all())
        targets = [e for e in targets if e in hashes]
        others = sorted({x for link in links for x in link} - hashes.keys())
        for chunk in _chunks(others):
            hashes.update((r[0], r[1]) for r in conn.execute(
                select(ve.c.entity_id, ve.c.hash).where(and_(
                    ve.c.version_id == version_id, ve.c.entity_id.in_(chunk)))))
    linked: dict[str, set[str]] = defaultdict(set)
    wanted = set(targets)
    for source_id, ref_id in links:
        if ref_id in wanted and source_id in hashes:
            linked[ref_id].add(hashes[source_id])  # a Sanction, an Identification...
        if source_id in wanted and ref_id in hashes:
            linked[source_id].add(hashes[ref_id])  # an Address
    digests = {}
    for entity_id in targets:
        text = hashes[entity_id] + "|" + ",".join(sorted(linked.get(entity_id, ())))
        digests[entity_id] = hashlib.sha1(text.encode()).hexdigest()
    return digests


def load_records(conn: Connection, version_id: int, entity_ids: Iterable[str],
                 with_linked: bool = True) -> dict[str, Record]:
    """The records of these targets in a version (ids not in it are left out)."""
    ve, refs, data = t.version_entities, t.entity_refs, t.entity_data
    wanted = sorted(set(entity_ids))

    def bodies(ids: list[str]) -> dict[str, EntityProxy]:
        found: dict[str, EntityProxy] = {}
        for chunk in _chunks(ids):
            for row in conn.execute(select(ve.c.entity_id, data.c.data)
                                    .join(data, data.c.hash == ve.c.hash)
                                    .where(and_(ve.c.version_id == version_id,
                                                ve.c.entity_id.in_(chunk)))):
                found[row.entity_id] = model.get_proxy(json.loads(row.data), cleaned=True)
        return found

    targets = bodies(wanted)
    records = {eid: Record(entity) for eid, entity in targets.items()}
    if not with_linked or not records:
        return records
    links: list[tuple[str, str]] = []
    present = sorted(records)
    for chunk in _chunks(present):
        links.extend((r[0], r[1]) for r in conn.execute(
            select(refs.c.entity_id, refs.c.ref_id).where(and_(
                refs.c.version_id == version_id,
                refs.c.entity_id.in_(chunk) | refs.c.ref_id.in_(chunk)))))
    others = bodies(sorted({x for link in links for x in link} - records.keys()))
    for source_id, ref_id in sorted(set(links)):
        if ref_id in records and source_id in others:
            records[ref_id].linked.append(others[source_id])
        if source_id in records and ref_id in others:
            records[source_id].linked.append(others[ref_id])
    return records


def diff_versions(store: Store, old: Version | None, new: Version,
                  with_fields: bool = True) -> VersionDiff:
    """The diff from `old` to `new` (two versions of one source; `old` None: all added).

    Without `with_fields`, `changed` lists every target whose digest differs, without
    reading the records (cheap; it may include targets whose fields all compare equal)."""
    if old is not None and old.source != new.source:
        raise StoreError(f"cannot diff {old.source} against {new.source}")
    with store.engine.connect() as conn:
        before = target_digests(conn, old.id) if old is not None else {}
        after = target_digests(conn, new.id)
        added_ids = sorted(after.keys() - before.keys())
        removed_ids = sorted(before.keys() - after.keys())
        maybe = sorted(e for e in after.keys() & before.keys() if before[e] != after[e])
        added = load_records(conn, new.id, added_ids, with_linked=False)
        removed = (load_records(conn, old.id, removed_ids, with_linked=False)
                   if old is not None else {})
        changed: list[dict[str, Any]] = []
        tally: dict[str, FieldChange] = {}
        if with_fields and old is not None:
            old_records = load_records(conn, old.id, maybe)
            new_records = load_records(conn, new.id, maybe)
            had: set[str] = set()
            has: set[str] = set()
            for entity_id in maybe:
                old_values = field_values(old_records[entity_id])
                new_values = field_values(new_records[entity_id])
                had.update(old_values)
                has.update(new_values)
                fields = _value_changes(old_records[entity_id], new_records[entity_id],
                                        old_values, new_values)
                if fields:
                    changed.append({**_entity_row(new_records[entity_id]), "fields": fields})
            tally = field_tally(changed)
            same = sorted((after.keys() & before.keys()) - set(maybe))
            _mark_whole_fields(conn, tally, "gone", had - has, new, old, added_ids + same)
            _mark_whole_fields(conn, tally, "new", has - had, old, new, removed_ids + same)
        else:
            changed = [{"entity_id": e} for e in maybe]
        profiles = profile_changes_between(conn, old, new)
    return VersionDiff(new.source, old, new,
                       [_entity_row(added[e]) for e in added_ids],
                       [_entity_row(removed[e]) for e in removed_ids], changed, tally, profiles)


def profile_changes_between(conn: Connection, old: Version | None,
                            new: Version) -> list[dict[str, Any]]:
    """The records of the list that joined or left a profile (with the links that put them
    there), and the profiles of its records merged or split, at the index builds that served
    a version after `old` up to `new`."""
    c = profile_changes
    if not sa_inspect(conn).has_table(c.name):
        return []
    low = old.id if old is not None else 0
    found: list[dict[str, Any]] = []
    touched: set[str] = set()
    rows = list(conn.execute(select(c).order_by(c.c.id)))
    for row in rows:
        served = json.loads(row.versions).get(new.source)
        if served is None or not low < served <= new.id:
            continue
        if row.record_id is None or row.source != new.source:
            continue
        touched.update(p for p in (row.profile_id, row.other_id) if p)
        found.append(_profile_row(row))
    for row in rows:
        served = json.loads(row.versions).get(new.source)
        if (row.record_id is None and served is not None and low < served <= new.id
                and row.profile_id in touched):
            found.append(_profile_row(row))
    return found


def _profile_row(row: Any) -> dict[str, Any]:
    return {"change": row.change, "profile_id": row.profile_id, "other_id": row.other_id,
            "record_id": row.record_id, "source": row.source, "at": row.at,
            "evidence": json.loads(row.evidence) if row.evidence else []}


def _mark_whole_fields(conn: Connection, tally: dict[str, FieldChange], mark: str,
                       one_sided: set[str], without: Version, having: Version,
                       others: list[str]) -> None:
    """Mark the fields the changed targets have on one side only (`one_sided`: lost, "gone",
    or gained, "new") that no target of `without` has: neither a changed one nor `others`
    (its targets not compared: added or removed, and unchanged). Only where that absence is
    no chance: had `without` as many targets with the field, pro rata, as `having` has at
    least, it would have WHOLE_FIELD_EXPECTED or more."""
    counted = {name: (tally[name].lost if mark == "gone" else tally[name].gained)
               for name in one_sided & tally.keys()}
    wanted = {name for name, count in counted.items()
              if count * without.targets >= WHOLE_FIELD_EXPECTED * max(having.targets, 1)}
    if wanted and others:
        for record in load_records(conn, without.id, others).values():
            wanted -= field_values(record).keys()
            if not wanted:
                return
    for name in wanted:
        tally[name].whole = mark


# -- choosing versions ------------------------------------------------------------------------


def _order(v: Version) -> tuple[str, str, int]:
    return (v.published or "", v.fetched_at, v.id)


def resolve_version(store: Store, source: str, spec: str | None,
                    default: Version | None = None) -> Version:
    """A version of a source from `--from/--to`: its number (`3`), or a date (YYYY-MM-DD:
    the version serving then, by publisher date); None gives `default` (or the current)."""
    versions = store.versions(source)
    if not versions:
        raise VersionNotFound(f"no stored version of source {source!r}")
    if spec is None:
        if default is not None:
            return default
        return next((v for v in versions if v.current), max(versions, key=_order))
    text = spec.strip()
    if text.isascii() and text.isdigit():
        for v in versions:
            if v.version == int(text):
                return v
        raise VersionNotFound(f"{source} has no version {text}; it has "
                         f"{', '.join(str(v.version) for v in versions)}")
    if len(text) >= 10 and text[4] == "-":
        found = store.serving(as_of=text, sources=[source])
        if not found:
            dates = ", ".join(f"{v.version}: {(v.published or v.fetched_at)[:10]}"
                              + ("" if v.published else " (fetched; no date in the file)")
                              for v in sorted(versions, key=_order))
            raise VersionNotFound(f"no version of {source} was serving on {text}; its versions "
                             f"date from {dates}")
        return found[0]
    raise StoreError(f"{spec!r} is neither a version number nor a date (YYYY-MM-DD)")


def default_pair(store: Store, source: str, old_spec: str | None = None,
                 new_spec: str | None = None) -> tuple[Version, Version]:
    """The versions to compare: `--to` (default: the current one) and `--from` (default: the
    version before it in publication order)."""
    new = resolve_version(store, source, new_spec)
    if old_spec is not None:
        old = resolve_version(store, source, old_spec)
        if old.id == new.id:
            raise StoreError(f"--from {old_spec} and --to {new_spec or '(current)'} are both "
                             f"version {new.version} of {source}: nothing to compare")
        return old, new
    older = [v for v in store.versions(source) if _order(v) < _order(new)]
    if not older:
        raise VersionNotFound(f"{source} has no version before version {new.version}: nothing "
                         "to compare it with (import an older snapshot, or give --from)")
    return max(older, key=_order), new
