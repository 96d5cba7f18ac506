"""What the store's versions say of a record: the first version that held it ("first seen")
and, for a record no longer in its list's serving version, when it left (delisted).

A version's date is the publisher's date of the list (else the day it was fetched). Versions
the shrink guard holds unaccepted never served and are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from followthemoney import model
from sqlalchemy import and_, func, inspect, select

from watchlist.profiles.identity import profile_members
from watchlist.store import schema as t
from watchlist.store.store import Store, Version

__all__ = ["DelistedRecord", "Seen", "delisted_records", "first_seen", "version_day"]

CHUNK = 500


def version_day(version: Version) -> str:
    """The day a version speaks for: the publisher's date, else the day it was fetched."""
    return (version.published or version.fetched_at)[:10]


@dataclass(frozen=True)
class Seen:
    """The first version of a source that held an entity."""

    day: str
    version: int
    #: True when that version is the first stored version of its source: the entity may
    #: have been listed long before, the store knows only "on or before".
    first_stored: bool


def _accepted(store: Store) -> dict[int, Version]:
    return {v.id: v for v in store.versions() if v.held_at is None}


def first_seen(store: Store, source: str, entity_ids: Iterable[str]) -> dict[str, Seen]:
    """For entities (records or their designations) of a source: the first stored version
    of the source holding each."""
    versions = {i: v for i, v in _accepted(store).items() if v.source == source}
    if not versions:
        return {}
    first_seq = min(v.version for v in versions.values())
    wanted = sorted(set(entity_ids))
    found: dict[str, Seen] = {}
    ve = t.version_entities
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), CHUNK):
            rows = conn.execute(
                select(ve.c.entity_id, ve.c.version_id)
                .where(and_(ve.c.version_id.in_(list(versions)),
                            ve.c.entity_id.in_(wanted[start:start + CHUNK])))).all()
            for entity_id, version_id in rows:
                version = versions[version_id]
                seen = found.get(entity_id)
                if seen is None or version.version < seen.version:
                    found[entity_id] = Seen(version_day(version), version.version,
                                            version.version == first_seq)
    return found


@dataclass
class DelistedRecord:
    """A record some stored version of its list held and the serving version does not."""

    source: str
    record_id: str
    caption: str
    schema: str
    countries: frozenset[str]
    first_seen: Seen
    #: The day of the first version without it, and the last day it was held.
    delisted: str
    last_held: str
    #: The profile the record last belonged to (from the index builds), if any.
    profile_id: str | None
    #: Its designations in the last version holding it: (labels, publisher's listing date).
    designations: list[tuple[list[str], str | None]] = field(default_factory=list)


def _countries(entity: object) -> frozenset[str]:
    found: set[str] = set()
    for prop in ("nationality", "citizenship", "country", "jurisdiction"):
        found.update(c.lower() for c in entity.get(prop, quiet=True))  # type: ignore[attr-defined]
    return frozenset(found)


def delisted_records(store: Store, serving: list[Version]) -> list[DelistedRecord]:
    """Every record of a served list that an earlier version held and the serving one does
    not, with the day it left and its designations as last listed."""
    accepted = _accepted(store)
    found: list[DelistedRecord] = []
    ve = t.version_entities
    for current in serving:
        history = sorted((v for v in accepted.values() if v.source == current.source),
                         key=lambda v: v.version)
        older = [v for v in history if v.version < current.version]
        if not older:
            continue
        ids = [v.id for v in history]
        with store.engine.connect() as conn:
            rows = conn.execute(
                select(ve.c.entity_id, func.min(ve.c.version_id), func.max(ve.c.version_id))
                .where(and_(ve.c.version_id.in_(ids), ve.c.target.is_(True)))
                .group_by(ve.c.entity_id)).all()
            held_now = set(conn.execute(
                select(ve.c.entity_id).where(and_(ve.c.version_id == current.id,
                                                  ve.c.target.is_(True)))).scalars())
            last_seq = {v.id: v.version for v in history}
            gone = [(r[0], r[1], r[2]) for r in rows if r[0] not in held_now
                    and last_seq[r[2]] < current.version]
            members = _profiles(conn, [g[0] for g in gone])
            for record_id, first_id, last_id in gone:
                found.append(_delisted(conn, current.source, record_id, accepted[first_id],
                                       accepted[last_id], history, members.get(record_id)))
    return found


def _profiles(conn: object, record_ids: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    if not inspect(conn).has_table(profile_members.name):  # no index built yet
        return found
    for start in range(0, len(record_ids), CHUNK):
        rows = conn.execute(  # type: ignore[attr-defined]
            select(profile_members.c.record_id, profile_members.c.profile_id)
            .where(profile_members.c.record_id.in_(record_ids[start:start + CHUNK])))
        found.update({r[0]: r[1] for r in rows})
    return found


def _delisted(conn: object, source: str, record_id: str, first: Version, last: Version,
              history: list[Version], profile_id: str | None) -> DelistedRecord:
    ve, vd, refs = t.version_entities, t.entity_data, t.entity_refs
    data = conn.execute(  # type: ignore[attr-defined]
        select(vd.c.data).join(ve, ve.c.hash == vd.c.hash)
        .where(and_(ve.c.version_id == last.id, ve.c.entity_id == record_id))).scalar()
    entity = model.get_proxy(json.loads(data), cleaned=True)
    linked = conn.execute(  # type: ignore[attr-defined]
        select(vd.c.data).join(ve, ve.c.hash == vd.c.hash)
        .join(refs, and_(refs.c.version_id == ve.c.version_id,
                         refs.c.entity_id == ve.c.entity_id))
        .where(and_(refs.c.version_id == last.id, refs.c.ref_id == record_id,
                    ve.c.schema == "Sanction"))).scalars()
    designations = []
    for text in linked:
        sanction = model.get_proxy(json.loads(text), cleaned=True)
        listed = (sanction.first("listingDate", quiet=True)
                  or sanction.first("startDate", quiet=True))
        designations.append((list(sanction.get("program", quiet=True)), listed))
    after = next(v for v in history if v.version > last.version)
    return DelistedRecord(
        source=source, record_id=record_id, caption=entity.caption,
        schema=entity.schema.name, countries=_countries(entity),
        first_seen=Seen(version_day(first), first.version, first.version == history[0].version),
        delisted=version_day(after), last_held=version_day(last), profile_id=profile_id,
        designations=designations)
