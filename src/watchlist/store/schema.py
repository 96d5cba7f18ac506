"""The store's tables: versions of each source, their raw files, and their entities.

Entity bodies are stored once per distinct content (`entity_data`, keyed by a hash) and
linked to every version holding them, so weekly versions of a list cost little space.
`current` points each source at its serving version; it changes in the same transaction
that writes a version, so readers see the old list or the new one, never half of one. A
version the shrink guard holds (`held_at`) is stored but not current until accepted.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("format", String(50), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("published", String(32)),
    Column("published_from", String(20), nullable=False),
    Column("fetched_at", String(40), nullable=False),
    Column("origin", Text, nullable=False),
    Column("targets", Integer, nullable=False),
    Column("names", Integer, nullable=False),
    Column("entities", Integer, nullable=False),
    Column("warnings", Text, nullable=False),
    # The date of the snapshot bundled in the package this version was imported from;
    # None for a version from a publisher or a user's file.
    Column("bundled", String(32)),
    # When the shrink guard held this version (it removed more than `held_limit`, a share,
    # of the serving version's targets); None once accepted, and for every other version.
    Column("held_at", String(40)),
    Column("held_limit", Float),
    Index("ix_versions_source_sha", "source", "sha256", unique=True),
)

version_files = Table(
    "version_files",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("role", String(30), primary_key=True),
    Column("filename", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

entity_data = Table(
    "entity_data",
    metadata,
    Column("hash", String(40), primary_key=True),
    Column("data", Text, nullable=False),
)

version_entities = Table(
    "version_entities",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("entity_id", String(300), primary_key=True),
    Column("schema", String(50), nullable=False),
    Column("target", Boolean, nullable=False),
    Column("hash", String(40), ForeignKey("entity_data.hash"), nullable=False),
    Index("ix_version_entities_entity", "entity_id"),
)

entity_refs = Table(
    "entity_refs",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("entity_id", String(300), primary_key=True),
    Column("ref_id", String(300), primary_key=True),
    Index("ix_entity_refs_ref", "version_id", "ref_id"),
)

current = Table(
    "current",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
)

fetch_state = Table(
    "fetch_state",
    metadata,
    Column("url", Text, primary_key=True),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("sha256", String(64)),
    Column("checked_at", String(40), nullable=False),
    Column("outcome", Text, nullable=False),
)
