"""The customer book: import it (CSV, JSON lines, Parquet, with the columns and --map of
`watchlist screen`), list it, remove customers; every change kept as history.

Each customer is keyed by its `id`. Importing again updates the rows whose content changed
(a new version in `customer_history`, the previous one closed with `valid_to`), adds new
ids, and leaves customers absent from the file alone (`remove` removes). A file is checked
in full before the store is touched: a row that cannot be screened (no name, an unreadable
date or country), a row without an id, or an id given twice is reported with its row number,
and nothing is imported unless `skip_invalid` says to import the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from watchlist.errors import WatchlistError
from watchlist.monitor import schema as m
from watchlist.screening.readers import OTHER, BatchReader, InputError
from watchlist.store.audit import begin_write, canonical_json
from watchlist.store.store import Store, now_iso

__all__ = [
    "Customer",
    "ImportSummary",
    "PortfolioError",
    "customer_changes",
    "customer_hash",
    "get_customer",
    "history",
    "import_book",
    "iter_customers",
    "list_customers",
    "read_book",
    "remove_customer",
]

#: Rows per write (one executemany each).
BATCH = 2000


class PortfolioError(WatchlistError):
    """A customer book that cannot be imported, or an unknown customer."""


@dataclass
class Customer:
    """One customer of the book: its id, query fields, content hash and version."""

    id: str
    data: dict[str, Any]
    hash: str
    version: int
    created_at: str
    updated_at: str
    removed_at: str | None = None
    screened_at: str | None = None

    @property
    def query(self) -> dict[str, Any]:
        return {"id": self.id, **query_fields(self.data)}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.data, "version": self.version,
                "created_at": self.created_at, "updated_at": self.updated_at,
                "removed_at": self.removed_at, "screened_at": self.screened_at}


@dataclass
class ImportSummary:
    """What an import did, and the rows it could not take (row number, id, problem)."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0
    invalid: list[dict[str, Any]] = field(default_factory=list)
    imported: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "restored": self.restored,
                "invalid": self.invalid, "imported": self.imported}


def query_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A customer's fields that are screened: all but the book's other columns."""
    return {k: v for k, v in data.items() if k != OTHER}


def customer_hash(data: dict[str, Any]) -> str:
    """SHA-256 of a customer's query fields (canonical JSON): changes when what is screened
    does, not when only the book's other columns (kept to show beside alerts) do."""
    return hashlib.sha256(canonical_json(query_fields(data)).encode("utf-8")).hexdigest()


class _BookReader(BatchReader):
    """A batch reader that insists on an id per row (the key re-imports update by) and
    keeps the book's other columns, shown beside the customer's alerts."""

    keep_other = True

    def _field_of(self, columns: list[str]) -> dict[str, str]:
        fields = super()._field_of(columns)
        if "id" not in fields.values():
            raise InputError(f"{self.path}: no `id` column; a customer book needs one (the key "
                             "re-imports update by). Map one with --map COLUMN=id")
        return fields

    def _json_record(self, record: Any) -> dict[str, Any]:
        row = super()._json_record(record)
        if "\0error" not in row and row.get("id") in (None, ""):
            return {"\0error": "no id"}
        return row


def read_book(path: Path, mapping: dict[str, str] | None = None,
              format: str | None = None,
              encoding: str | None = None) -> tuple[dict[str, dict[str, Any]],
                                                    list[dict[str, Any]], int]:
    """({customer id: query fields}, invalid rows, rows read) of a customer book file
    (UTF-8 unless `encoding` names another: an InputError when it does not decode)."""
    reader = _BookReader(path, mapping, format=format, encoding=encoding)
    book: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    invalid: list[dict[str, Any]] = []
    rows = 0
    for number, row in enumerate(reader, 1):
        rows = number
        if row.get("error"):
            invalid.append({"row": number, "id": _id_text(row.get("id"), number),
                            "error": row["error"]})
            continue
        customer_id = _id_text(row.pop("id"), number)
        if len(customer_id) > m.CUSTOMER_ID_MAX:
            invalid.append({"row": number, "id": customer_id[:60] + "...",
                            "error": f"id is {len(customer_id)} characters; at most "
                                     f"{m.CUSTOMER_ID_MAX}"})
            continue
        if customer_id in first_row:
            invalid.append({"row": number, "id": customer_id,
                            "error": f"id {customer_id!r} repeats row {first_row[customer_id]}"})
            continue
        first_row[customer_id] = number
        book[customer_id] = row
    return book, invalid, rows


def _id_text(value: Any, number: int) -> str:
    text = str(value).strip() if value is not None else ""
    return text or str(number)


def import_book(store: Store, path: Path, mapping: dict[str, str] | None = None,
                format: str | None = None, skip_invalid: bool = False,
                progress: Callable[[int], None] | None = None,
                encoding: str | None = None) -> ImportSummary:
    """Import or update the customers of a file (see the module docstring)."""
    m.ensure_tables(store.engine)
    book, invalid, rows = read_book(path, mapping, format, encoding)
    summary = ImportSummary(rows=rows, invalid=invalid)
    if invalid and not skip_invalid:
        summary.imported = False
        return summary
    if not book:
        raise PortfolioError(f"{path}: no customer to import ({rows} rows read)")
    now = now_iso()
    origin = f"import:{path.name}"
    ids = sorted(book)
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                _import_chunk(conn, chunk, book, now, origin, summary)
                if progress:
                    progress(len(chunk))
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return summary


def _import_chunk(conn: Connection, chunk: list[str], book: dict[str, dict[str, Any]],
                  now: str, origin: str, summary: ImportSummary) -> None:
    c = m.customers
    existing = {r.id: r for r in conn.execute(
        select(c.c.id, c.c.hash, c.c.data, c.c.version, c.c.removed_at, c.c.screened_hash)
        .where(c.c.id.in_(chunk)))}
    new_rows, history, closing, updates = [], [], [], []
    for customer_id in chunk:
        data = book[customer_id]
        digest = customer_hash(data)
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        row = existing.get(customer_id)
        if row is None:
            summary.added += 1
            new_rows.append({"id": customer_id, "data": text, "hash": digest, "version": 1,
                             "created_at": now, "updated_at": now})
            history.append({"customer_id": customer_id, "version": 1, "change": "created",
                            "data": text, "hash": digest, "valid_from": now, "origin": origin})
            continue
        if row.hash == digest and row.removed_at is None and row.data == text:
            summary.unchanged += 1
            continue
        change = "restored" if row.removed_at is not None else "updated"
        if change == "restored":
            summary.restored += 1
        else:
            summary.updated += 1
        version = row.version + 1
        # A customer back in the book is screened in full again (its alerts were closed).
        updates.append({"b_id": customer_id, "data": text, "hash": digest, "version": version,
                        "updated_at": now, "removed_at": None,
                        "screened_hash": None if change == "restored" else row.screened_hash})
        closing.append({"b_id": customer_id, "b_version": row.version, "valid_to": now})
        history.append({"customer_id": customer_id, "version": version, "change": change,
                        "data": text, "hash": digest, "valid_from": now, "origin": origin})
    if new_rows:
        conn.execute(insert(m.customers), new_rows)
    if updates:
        conn.execute(update(m.customers).where(m.customers.c.id == bindparam("b_id"))
                     .values(data=bindparam("data"), hash=bindparam("hash"),
                             version=bindparam("version"), updated_at=bindparam("updated_at"),
                             removed_at=bindparam("removed_at"),
                             screened_hash=bindparam("screened_hash")), updates)
        _close_history(conn, closing)
    if history:
        conn.execute(insert(m.customer_history), history)


def _close_history(conn: Connection, closing: list[dict[str, Any]]) -> None:
    h = m.customer_history
    conn.execute(update(h).where(and_(h.c.customer_id == bindparam("b_id"),
                                      h.c.version == bindparam("b_version")))
                 .values(valid_to=bindparam("valid_to")), closing)


def _customer(row: Any) -> Customer:
    return Customer(id=row.id, data=json.loads(row.data), hash=row.hash, version=row.version,
                    created_at=row.created_at, updated_at=row.updated_at,
                    removed_at=row.removed_at, screened_at=row.screened_at)


def list_customers(store: Store, include_removed: bool = False, limit: int | None = None,
                   offset: int = 0) -> tuple[list[Customer], int]:
    """A page of the book, by id, and how many customers it holds."""
    m.ensure_tables(store.engine)
    c = m.customers
    query = select(c).order_by(c.c.id).offset(offset)
    count = select(func.count()).select_from(c)
    if not include_removed:
        query = query.where(c.c.removed_at.is_(None))
        count = count.where(c.c.removed_at.is_(None))
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        return [_customer(r) for r in conn.execute(query)], int(conn.execute(count).scalar() or 0)


def iter_customers(conn: Connection, batch: int = BATCH) -> Iterator[list[Any]]:
    """The customers in the book (not removed), in batches of rows, by id."""
    c = m.customers
    last = None
    while True:
        query = select(c).where(c.c.removed_at.is_(None)).order_by(c.c.id).limit(batch)
        if last is not None:
            query = query.where(c.c.id > last)
        rows = list(conn.execute(query).all())
        if not rows:
            return
        yield rows
        last = rows[-1].id


def get_customer(store: Store, customer_id: str) -> Customer:
    """One customer (removed ones too), or PortfolioError."""
    m.ensure_tables(store.engine)
    with store.engine.connect() as conn:
        row = conn.execute(select(m.customers).where(m.customers.c.id == customer_id)).first()
    if row is None:
        raise PortfolioError(f"no customer {customer_id!r} in the book")
    return _customer(row)


def history(store: Store, customer_id: str) -> list[dict[str, Any]]:
    """Every version of a customer, oldest first."""
    m.ensure_tables(store.engine)
    h = m.customer_history
    with store.engine.connect() as conn:
        rows = conn.execute(select(h).where(h.c.customer_id == customer_id)
                            .order_by(h.c.version)).all()
    return [{"version": r.version, "change": r.change,
             "data": json.loads(r.data) if r.data else None, "hash": r.hash,
             "valid_from": r.valid_from, "valid_to": r.valid_to, "origin": r.origin}
            for r in rows]


def customer_changes(before: dict[str, Any] | None, after: dict[str, Any] | None
                     ) -> dict[str, dict[str, Any]]:
    """{field: {"before", "after"}} for each query field that differs."""
    before, after = before or {}, after or {}
    return {k: {"before": before.get(k), "after": after.get(k)}
            for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)}


def remove_customer(store: Store, customer_id: str, actor: str,
                    reason: str = "removed from the book") -> int:
    """Remove a customer (kept as history); its open alerts are closed, each decision
    audited. Returns how many alerts were closed."""
    from watchlist.monitor.alerts import close_customer_alerts

    m.ensure_tables(store.engine)
    now = now_iso()
    with store.engine.connect() as conn:
        try:
            begin_write(conn)
            row = conn.execute(select(m.customers).where(m.customers.c.id == customer_id)
                               ).first()
            if row is None:
                raise PortfolioError(f"no customer {customer_id!r} in the book")
            if row.removed_at is not None:
                raise PortfolioError(f"customer {customer_id!r} was already removed on "
                                     f"{row.removed_at}")
            conn.execute(update(m.customers).where(m.customers.c.id == customer_id)
                         .values(removed_at=now, updated_at=now, version=row.version + 1))
            _close_history(conn, [{"b_id": customer_id, "b_version": row.version,
                                   "valid_to": now}])
            conn.execute(insert(m.customer_history).values(
                customer_id=customer_id, version=row.version + 1, change="removed", data=None,
                hash=None, valid_from=now, origin=f"remove:{actor}"))
            closed = close_customer_alerts(conn, customer_id, actor, reason)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return closed
