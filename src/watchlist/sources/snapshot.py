"""A parsed snapshot ready to be stored: its entities, counts and provenance."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy

from watchlist.sources.base import TARGET_TOPIC
from watchlist.sources.entities import NAME_PROPS

#: Where a version's date comes from (`published_from`), and how `status` says it.
FILE_DATE = "file"
NEWEST_LISTING = "newest listing date"
FETCH_TIME = "fetch time"
UNDATED = "none"
DATE_ORIGINS = {
    FILE_DATE: "the file's own date",
    NEWEST_LISTING: "newest listing date inside",
    FETCH_TIME: "fetch time (no date inside)",
    UNDATED: "none (no date inside)",
}


def date_origin(published_from: str) -> str:
    """Where a version's date came from, in words (`published_from` as stored)."""
    return DATE_ORIGINS.get(published_from, published_from)


def entity_json(entity: EntityProxy) -> str:
    """The canonical JSON text of an entity (sorted keys and values), as stored."""
    data = entity.to_dict()
    props = {k: sorted(v) for k, v in sorted(data.get("properties", {}).items())}
    body = {"id": entity.id, "schema": entity.schema.name, "properties": props}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    """A short, stable hash of an entity's JSON, deduplicating bodies across versions."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def is_target(entity: EntityProxy) -> bool:
    """True for the record's designated party (marked with the sanction topic)."""
    return TARGET_TOPIC in entity.get("topics", quiet=True)


def name_count(entity: EntityProxy) -> int:
    """How many distinct names (primary, aliases, previous) an entity carries."""
    names: set[str] = set()
    for prop in NAME_PROPS:
        names.update(entity.get(prop, quiet=True))
    return len(names)


@dataclass
class StoredEntity:
    """One entity as it goes into the store."""

    id: str
    schema: str
    target: bool
    hash: str
    json: str
    refs: tuple[str, ...]
    names: int


@dataclass
class Snapshot:
    """Everything needed to write one version of a source."""

    source: str
    format: str
    origin: str
    files: dict[str, Path]
    sha256: str
    entities: list[StoredEntity]
    published: str | None
    published_from: str
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: The snapshot date when the files come from the package's bundle (not a publisher).
    bundled: str | None = None

    @property
    def targets(self) -> int:
        return sum(1 for e in self.entities if e.target)

    @property
    def names(self) -> int:
        return sum(e.names for e in self.entities if e.target)

    @property
    def content_hash(self) -> str:
        digest = hashlib.sha256()
        for entity in sorted(self.entities, key=lambda e: e.id):
            digest.update(f"{entity.id}\t{entity.hash}\n".encode())
        return digest.hexdigest()


def stored_entity(entity: EntityProxy) -> StoredEntity:
    """Prepare an entity for the store: canonical JSON, hash and outgoing references."""
    text = entity_json(entity)
    refs = tuple(sorted({v for prop, v in entity.itervalues() if prop.type.name == "entity"}))
    target = is_target(entity)
    return StoredEntity(entity.id or "", entity.schema.name, target, content_hash(text), text,
                        refs, name_count(entity) if target else 0)


def files_sha256(files: dict[str, Path]) -> str:
    """SHA-256 of the raw bytes: of the file itself, or of each part's hash for a set."""
    if len(files) == 1:
        return file_sha256(next(iter(files.values())))
    digest = hashlib.sha256()
    for role in sorted(files):
        digest.update(f"{role}:{file_sha256(files[role])}\n".encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of one file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
