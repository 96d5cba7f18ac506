"""The user's ownership data in the store, versioned like the lists: each import of a
dataset (a name the user gives, the file's by default) is a new version keeping every
relation; the newest version of each dataset serves. Importing the same file again
changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)

from watchlist.sources.relation_formats import read_relations
from watchlist.sources.relations import Relation
from watchlist.store.audit import begin_write
from watchlist.store.schema import metadata
from watchlist.store.store import Store, now_iso

ownership_imports = Table(
    "ownership_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(100), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("format", String(30), nullable=False),
    Column("filename", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("relations", Integer, nullable=False),
    Index("ix_ownership_imports_dataset", "dataset", "seq", unique=True),
)

ownership_relations = Table(
    "ownership_relations",
    metadata,
    Column("import_id", Integer, ForeignKey("ownership_imports.id"), primary_key=True),
    Column("n", Integer, primary_key=True),
    Column("owner", String(300), nullable=False),
    Column("owned", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("low", Float),
    Column("high", Float),
    Column("source", Text, nullable=False),
    Column("as_of", String(20), nullable=False),
    Column("owner_name", Text, nullable=False),
    Column("owned_name", Text, nullable=False),
)

#: Relations written per statement.
_BATCH = 5000


@dataclass(frozen=True)
class Import:
    """One version of one dataset of relations."""

    id: int
    dataset: str
    version: int
    format: str
    filename: str
    sha256: str
    imported_at: str
    relations: int
    unchanged: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "version": self.version, "format": self.format,
                "file": self.filename, "sha256": self.sha256, "imported_at": self.imported_at,
                "relations": self.relations}


def _import(row: Any, unchanged: bool = False) -> Import:
    return Import(row.id, row.dataset, row.seq, row.format, row.filename, row.sha256,
                  row.imported_at, row.relations, unchanged)


def import_file(store: Store, path: Path, dataset: str | None = None) -> Import:
    """Read a file of relations (any known format, recognised by content) and store it as
    the next version of its dataset; a bad file raises and stores nothing."""
    fmt, relations = read_relations(path)
    found = list(relations)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return store_relations(store, dataset or path.stem, fmt, path.name, digest, found)


def store_relations(store: Store, dataset: str, fmt: str, filename: str, sha256: str,
                    relations: Iterable[Relation]) -> Import:
    """Store relations as the next version of `dataset`, unless its newest version has the
    same content (then that version, marked unchanged)."""
    rows = list(relations)
    with store.engine.connect() as conn:
        begin_write(conn)
        newest = conn.execute(select(ownership_imports)
                              .where(ownership_imports.c.dataset == dataset)
                              .order_by(ownership_imports.c.seq.desc()).limit(1)).first()
        if newest is not None and newest.sha256 == sha256:
            conn.rollback()
            return _import(newest, unchanged=True)
        seq = (newest.seq if newest is not None else 0) + 1
        import_id = conn.execute(insert(ownership_imports).values(
            dataset=dataset, seq=seq, format=fmt, filename=filename, sha256=sha256,
            imported_at=now_iso(), relations=len(rows))).inserted_primary_key[0]
        values = [{"import_id": import_id, "n": n, "owner": r.owner, "owned": r.owned,
                   "kind": r.kind, "low": r.low, "high": r.high, "source": r.source,
                   "as_of": r.as_of, "owner_name": r.owner_name, "owned_name": r.owned_name}
                  for n, r in enumerate(rows)]
        for start in range(0, len(values), _BATCH):
            conn.execute(insert(ownership_relations), values[start:start + _BATCH])
        row = conn.execute(select(ownership_imports)
                           .where(ownership_imports.c.id == import_id)).one()
        conn.commit()
    return _import(row)


def imports(store: Store, dataset: str | None = None) -> list[Import]:
    """Every stored version, oldest first per dataset."""
    query = select(ownership_imports).order_by(ownership_imports.c.dataset,
                                               ownership_imports.c.seq)
    if dataset:
        query = query.where(ownership_imports.c.dataset == dataset)
    with store.engine.connect() as conn:
        return [_import(row) for row in conn.execute(query)]


def serving_imports(store: Store) -> list[Import]:
    """The newest version of each dataset."""
    newest = (select(ownership_imports.c.dataset, func.max(ownership_imports.c.seq).label("seq"))
              .group_by(ownership_imports.c.dataset).subquery())
    query = select(ownership_imports).join(newest, (newest.c.dataset == ownership_imports.c.dataset)
                                           & (newest.c.seq == ownership_imports.c.seq)) \
        .order_by(ownership_imports.c.dataset)
    with store.engine.connect() as conn:
        return [_import(row) for row in conn.execute(query)]


def relations_of(store: Store, versions: Iterable[Import]) -> list[Relation]:
    """The relations of the given versions, in their order."""
    ids = [v.id for v in versions]
    if not ids:
        return []
    query = select(ownership_relations).where(ownership_relations.c.import_id.in_(ids)) \
        .order_by(ownership_relations.c.import_id, ownership_relations.c.n)
    with store.engine.connect() as conn:
        return [Relation(r.owner, r.owned, r.kind, r.low, r.high, r.source, r.as_of,
                         r.owner_name, r.owned_name) for r in conn.execute(query)]
