"""Reading batch input: CSV, JSON lines or Parquet, streamed, one query per row.

Every row becomes a query dict with the keys of FIELDS (only those given) and an `id`
(the row number, counting from 1, when the row has none). A row that cannot be screened
(no name, a date or country that cannot be read, an impossible date such as `31/02/1999`,
an unknown schema, a line that is not JSON or is nested too deep, a field too long to
screen: see watchlist.fieldlimits) comes out with an `error` instead, so one bad row never
stops a run; a date is never silently cut to the part that is valid.

Files are never loaded whole: CSV and JSON lines are read line by line (gzip too), Parquet
by record batches. The format is recognised by content (Parquet's magic bytes, gzip's, a
first `{`) and the file extension. A file that cannot be read as a whole (binary, bytes
that do not decode, empty, a header and no rows) is an `InputError` naming the file and
the problem.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO

from followthemoney import model

from watchlist.errors import WatchlistError
from watchlist.fieldlimits import Kind, length_problem, values_problem
from watchlist.jsondepth import MAX_DEPTH, depth_error, too_deep
from watchlist.normalize.countries import user_country
from watchlist.normalize.dates import DateError, parse_birth_date
from watchlist.screening.csv_input import csv_rows
from watchlist.screening.encoding import (
    ENCODING_HINT,
    ENCODING_NAMES,
    SAMPLE,
    binary_kind,
    bom_encoding,
    first_bad_byte,
    is_wide,
    named_encoding,
)

#: The query fields an input row may carry (besides `id`).
FIELDS = ("name", "schema", "birth_date", "country", "identifier")
COLUMNS = ("id", *FIELDS)

#: The prepared row's key for the columns no field takes, which a reader keeps only when it
#: is asked to (a customer book shows them beside the customer; screening ignores them).
OTHER = "other"
#: At most this many other columns, each of at most this many characters: a row beyond
#: either is refused with its column named, never cut short.
MAX_OTHER_COLUMNS = 50
MAX_OTHER_CHARS = 1000

FORMATS = ("csv", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet", ".parq": "parquet",
}
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"

csv.field_size_limit(16 * 1024 * 1024)


class InputError(WatchlistError):
    """The input file as a whole cannot be read (not a row: those become error rows)."""


def normalise_column(name: str) -> str:
    """`Full Name`, `full-name` and ` full_name ` are all the column `full_name`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").lower())


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """`["full_name=name", "dob=birth_date"]` as {column: field}; each field once."""
    mapping: dict[str, str] = {}
    for item in items or []:
        column, sep, field = item.partition("=")
        column, field = normalise_column(column), normalise_column(field)
        if not sep or not column or not field:
            raise InputError(f"--map {item!r}: write it as COLUMN=FIELD, e.g. full_name=name")
        if field not in COLUMNS:
            raise InputError(f"--map {item!r}: {field!r} is not a field; "
                             f"use one of {', '.join(COLUMNS)}")
        if field in mapping.values():
            raise InputError(f"--map: two columns are mapped to {field!r}")
        mapping[column] = field
    return mapping


def _sniff(path: Path) -> tuple[bytes, bool]:
    """The first bytes of the file (decompressed when it is gzip) and whether it is gzip."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
        if head[:2] == GZIP_MAGIC:
            with gzip.open(path, "rb") as handle:
                return handle.read(SAMPLE), True
        with open(path, "rb") as handle:
            return handle.read(SAMPLE), False
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: not a readable gzip file ({exc})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _refuse_non_text(path: Path, head: bytes, gz: bool, wide: bool = False) -> None:
    """An InputError when a file meant to be CSV or JSON lines is empty or binary (`wide`:
    NUL bytes are fine, the user named UTF-16 or UTF-32)."""
    if not head:
        size = "once decompressed" if gz else "(0 bytes)"
        raise InputError(f"{path}: the file is empty {size}")
    kind = binary_kind(head, wide)
    if kind:
        raise InputError(f"{path}: {kind}")


def detect_format(path: Path) -> str:
    """`csv`, `jsonl` or `parquet`: by content where it tells, else by the extension."""
    head, gz = _sniff(path)
    if not gz and head[:4] == PARQUET_MAGIC:
        return "parquet"
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    by_ext = _EXTENSIONS.get(suffixes[-1]) if suffixes else None
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        return "jsonl"
    if by_ext == "parquet":
        raise InputError(f"{path}: named .parquet but is not a Parquet file")
    if by_ext == "jsonl" and text:
        raise InputError(f"{path}: named {path.suffix} but the first line is not a JSON object")
    return "csv"


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read from it (for the progress bar)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def _text_value(value: Any) -> str | None:
    """A cell as stripped text, None when empty; dates and numbers from Parquet/JSON too."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN, as pandas writes nulls
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _names(value: Any) -> str | list[str] | None:
    if isinstance(value, list | tuple):
        names = [t for t in (_text_value(v) for v in value) if t]
        if len(names) == 1:
            return names[0]
        return names or None
    return _text_value(value)


_SCHEMATA = {name.lower(): name for name in model.schemata}


def customer_birth_date(text: str) -> str | list[str]:
    """A customer's birth date as ISO (a list for a range of years), read strictly: a
    ValueError naming the value when it is unreadable or impossible (`31/02/1999`)."""
    try:
        parsed = parse_birth_date(text, strict=True)
    except DateError as exc:
        raise ValueError(f"impossible birth date {text!r}: {exc}") from None
    if parsed is None:
        raise ValueError(f"unreadable birth date {text!r} (use YYYY-MM-DD, YYYY-MM or YYYY)")
    return parsed.values[0] if len(parsed.values) == 1 else list(parsed.values)


def _size_problem(raw: dict[str, Any]) -> str | None:
    """The error for a field too long (or with too many names) to screen, else None. The id
    is not screened, only echoed: its limits are the caller's (a customer book's column)."""
    for field in FIELDS:
        value = raw.get(field)
        if value is None:
            continue
        kind: Kind = "name" if field == "name" else "value"
        if isinstance(value, str):  # one value: the same check, without the list
            problem = length_problem(field, value, kind)
        else:
            values = value if isinstance(value, list | tuple) else [value]
            problem = values_problem(field, [str(v) for v in values], kind)
        if problem:
            return problem
    return None


def _other_values(other: dict[str, Any]) -> tuple[dict[str, str], str | None]:
    """The other columns of a row as text (empty ones left out), or the error naming the
    column that is too long, or saying there are too many."""
    values: dict[str, str] = {}
    for column, value in other.items():
        if value is None or isinstance(value, float) and value != value:
            continue
        text = (value if isinstance(value, str)
                else json.dumps(value, ensure_ascii=False, default=str)
                if isinstance(value, dict | list) else str(value)).strip()
        if not text:
            continue
        if len(text) > MAX_OTHER_CHARS:
            return {}, (f"column {column!r} is {len(text)} characters; at most "
                        f"{MAX_OTHER_CHARS}")
        values[str(column)] = text
    if len(values) > MAX_OTHER_COLUMNS:
        return {}, f"{len(values)} other columns filled; at most {MAX_OTHER_COLUMNS}"
    return values, None


def prepare_row(raw: dict[str, Any], number: int) -> dict[str, Any]:
    """One input row (keys already fields) as a query, or with `error` when it cannot be.

    `number` is the row number, counting data rows from 1: the id when the row has none.
    """
    row_id = raw.get("id")
    if isinstance(row_id, float) and row_id.is_integer():
        row_id = int(row_id)
    if isinstance(row_id, str):
        row_id = row_id.strip()
    if row_id is None or row_id == "" or (isinstance(row_id, float) and row_id != row_id):
        row_id = number
    elif not isinstance(row_id, str | int):
        row_id = _text_value(row_id) or number
    too_large = _size_problem(raw)
    if too_large:
        return {"id": row_id, "error": too_large}
    query: dict[str, Any] = {"id": row_id}
    errors: list[str] = []

    name = _names(raw.get("name"))
    if not name:
        errors.append("no name")
    else:
        query["name"] = name

    schema = _text_value(raw.get("schema"))
    if schema:
        canonical = _SCHEMATA.get(schema.lower())
        if canonical is None:
            errors.append(f"unknown schema {schema!r} (e.g. Person, Organization, Company, "
                          "LegalEntity, Vessel)")
        else:
            query["schema"] = canonical

    birth = _text_value(raw.get("birth_date"))
    if birth:
        try:
            query["birth_date"] = customer_birth_date(birth)
        except ValueError as exc:
            errors.append(str(exc))

    country = _text_value(raw.get("country"))
    if country:
        code = user_country(country)
        if code is None:
            errors.append(f"unknown country {country!r} (use a country name or ISO code)")
        else:
            query["country"] = code

    identifier = _text_value(raw.get("identifier"))
    if identifier:
        query["identifier"] = identifier

    if OTHER in raw:
        other, problem = _other_values(raw[OTHER])
        if problem:
            errors.append(problem)
        elif other:
            query[OTHER] = other

    if errors:
        return {"id": row_id, "error": "; ".join(errors)}
    return query


class BatchReader:
    """Streams the rows of an input file as queries (see `prepare_row`); InputError when
    the file as a whole cannot be read: binary, undecodable, empty, or without a row.

    `progress` and `total` tell how far reading has got, in bytes for CSV and JSON lines
    and in rows for Parquet (`unit` says which); `total` is None when it is unknown.
    Text is UTF-8 (or UTF-16 with a byte-order mark) unless `encoding` names another; it
    is never guessed: a file that does not decode is an InputError before any row.
    """

    #: Whether the columns no field takes are kept, under `OTHER`.
    keep_other = False

    def __init__(self, path: Path | str, mapping: dict[str, str] | None = None,
                 format: str | None = None, batch_size: int = 4096,
                 encoding: str | None = None) -> None:
        self.path = Path(path)
        try:
            self.encoding = named_encoding(encoding) if encoding else None
            self.encoding_given = encoding
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if self.path.is_dir():
            raise InputError(f"{self.path}: a directory, not a file")
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such file")
        self.mapping = {normalise_column(k): v for k, v in (mapping or {}).items()}
        head, gz = _sniff(self.path)
        if format != "parquet" and (gz or head[:4] != PARQUET_MAGIC):
            _refuse_non_text(self.path, head, gz, is_wide(self.encoding or ""))
        self.format = format or detect_format(self.path)
        if self.format not in FORMATS:
            raise InputError(f"unknown input format {self.format!r}; use {', '.join(FORMATS)}")
        self.batch_size = batch_size
        self.rows_read = 0
        self._decodes = False
        self._counter: _CountingReader | None = None
        self._empty_because = "the file holds no record"
        self._parquet_rows = 0
        self.unit = "rows" if self.format == "parquet" else "bytes"
        self.total: int | None
        if self.format == "parquet":
            self.total = self._parquet_file().metadata.num_rows
        else:
            self.total = self.path.stat().st_size

    @property
    def progress(self) -> int:
        if self.format == "parquet":
            return self._parquet_rows
        return self._counter.count if self._counter else 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        if self.format != "parquet" and not self._decodes:
            self.check_decodes()  # all of it, before the first row: never half a file
        if self.format == "parquet":
            raw_rows = self._parquet_rows_iter()
        elif self.format == "jsonl":
            raw_rows = self._jsonl_rows()
        else:
            raw_rows = self._csv_rows()
        try:
            for raw in raw_rows:
                self.rows_read += 1
                if "\0error" in raw:
                    yield {"id": self.rows_read, "error": raw["\0error"]}
                    continue
                yield prepare_row(raw, self.rows_read)
        except UnicodeDecodeError as exc:
            raise self._decode_error(exc.reason) from None
        if self.rows_read == 0:
            raise InputError(f"{self.path}: no rows to read: {self._empty_because}")

    def chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        """The rows in lists of `size` (the last may be shorter)."""
        rows = iter(self)
        while chunk := list(islice(rows, size)):
            yield chunk

    # -- columns -----------------------------------------------------------------------------

    def _field_of(self, columns: list[str]) -> dict[str, str]:
        """{column as in the file: field} for the columns that feed a field."""
        normal = {normalise_column(c): c for c in columns}
        for column in self.mapping:
            if column not in normal:
                raise InputError(f"{self.path}: --map names a column {column!r} that is not "
                                 f"in the file; its columns: {', '.join(columns)}")
        fields: dict[str, str] = {}
        mapped_fields = set(self.mapping.values())
        for norm, original in normal.items():
            if norm in self.mapping:
                fields[original] = self.mapping[norm]
            elif norm in COLUMNS and norm not in mapped_fields:
                fields[original] = norm
        if "name" not in fields.values():
            raise InputError(f"{self.path}: no `name` column; its columns are "
                             f"{', '.join(columns) or '(none)'}. Map one with "
                             "--map COLUMN=name")
        return fields

    def _apply(self, raw: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
        return {field: raw.get(column) for column, field in fields.items()}

    # -- CSV ---------------------------------------------------------------------------------

    def _open_text(self) -> io.TextIOWrapper:
        raw = open(self.path, "rb")  # noqa: SIM115 - closed with the wrapper
        self._counter = _CountingReader(raw)
        buffered: BinaryIO = io.BufferedReader(self._counter, 1 << 16)
        head = raw.read(2)
        raw.seek(0)
        if head == GZIP_MAGIC:
            buffered = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
        encoding = self._encoding()
        return io.TextIOWrapper(buffered, encoding=encoding, newline="")

    def _encoding(self) -> str:
        """The encoding named, else UTF-16 with a BOM, else UTF-8 (a BOM is dropped)."""
        if self.encoding:
            return self.encoding
        return bom_encoding(_sniff(self.path)[0])

    def check_decodes(self) -> None:
        """InputError naming the first byte of the file that does not decode, if any: a
        pass over the whole file, so that a bad byte is found before any row is screened
        (and before Spark reads the file, which would put U+FFFD in without a word)."""
        with self._open_binary() as stream:
            bad = first_bad_byte(stream, self._encoding())
        if bad is not None:
            raise self._decode_error("")
        self._decodes = True

    def _decode_error(self, reason: str) -> InputError:
        """The error for text that stopped decoding, naming the byte and line where, and
        how to name the file's encoding."""
        encoding = self._encoding()
        name = ENCODING_NAMES.get(encoding, encoding)
        with self._open_binary() as stream:
            bad = first_bad_byte(stream, encoding)
        where = str(bad) if bad else reason
        named = f" (--encoding {self.encoding_given})" if self.encoding else ""
        problem = f"not valid {name} text{named}: cannot decode {where}"
        if _sniff(self.path)[1]:
            problem += " (offsets in the decompressed text)"
        hint = "check --encoding" if self.encoding else ENCODING_HINT
        return InputError(f"{self.path}: {problem}; if it is text in another encoding, "
                          f"{hint}; if it is a spreadsheet or another binary file, export "
                          "it as CSV")

    def _open_binary(self) -> BinaryIO:
        """The file's bytes, decompressed when it is gzip."""
        if _sniff(self.path)[1]:
            return gzip.open(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it

    def _csv_rows(self) -> Iterator[dict[str, Any]]:
        with self._open_text() as handle:
            rows = csv_rows(handle)
            try:
                header = next(rows, None)
                if header is None:
                    self._empty_because = "only blank lines"
                    return
                fields = self._field_of(header)
                self._empty_because = f"only a header line ({', '.join(header)})"
                index = {i: fields[c] for i, c in enumerate(header) if c in fields}
                others = ({i: c for i, c in enumerate(header) if c not in fields}
                          if self.keep_other else {})
                for cells in rows:
                    row: dict[str, Any] = {field: (cells[i] if i < len(cells) else None)
                                           for i, field in index.items()}
                    if others:
                        row[OTHER] = {c: cells[i] for i, c in others.items() if i < len(cells)}
                    yield row
            except csv.Error as exc:
                raise InputError(f"{self.path}: CSV broken near row {self.rows_read + 2}: "
                                 f"{exc}") from None

    # -- JSON lines --------------------------------------------------------------------------

    def _jsonl_rows(self) -> Iterator[dict[str, Any]]:
        with self._open_text() as handle:
            first = handle.read(1)
            while first and first.isspace():
                first = handle.read(1)
            if first == "[":
                # A JSON array is read whole: fine for small files, use JSON lines for big.
                text = first + handle.read()
                if too_deep(text, MAX_DEPTH + 1):  # the array holding the records adds one
                    raise InputError(f"{self.path}: {depth_error('the JSON array')}; write "
                                     "one record per line (JSON lines) to have the others "
                                     "screened")
                try:
                    records = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{self.path}: not valid JSON: {exc}") from None
                for record in records:
                    yield self._json_record(record)
                return
            lines = handle if not first else _prepend(first, handle)
            for line in lines:
                if not line.strip():
                    continue
                if too_deep(line):
                    yield {"\0error": depth_error("the line")}
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield {"\0error": f"not a JSON object: {exc.msg}"}
                    continue
                yield self._json_record(record)

    def _json_record(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            return {"\0error": "not a JSON object"}
        direct: dict[str, Any] = {}
        mapped: dict[str, Any] = {}
        other: dict[str, Any] = {}
        for key, value in record.items():
            norm = normalise_column(key)
            if norm in self.mapping:
                mapped[self.mapping[norm]] = value
            elif norm in COLUMNS:
                direct.setdefault(norm, value)
            elif self.keep_other:
                other[key] = value
        row = {**direct, **mapped}  # a mapped column wins over one named as the field
        if other:
            row[OTHER] = other
        return row

    # -- Parquet -----------------------------------------------------------------------------

    def _parquet_file(self) -> Any:
        try:
            import pyarrow.parquet as pq
        except ImportError:  # pragma: no cover - pyarrow is a dependency
            raise InputError("reading Parquet needs pyarrow: pip install pyarrow") from None
        try:
            return pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises ArrowInvalid and others
            raise InputError(f"{self.path}: not a readable Parquet file: {exc}") from None

    def _parquet_rows_iter(self) -> Iterator[dict[str, Any]]:
        pfile = self._parquet_file()
        columns = list(pfile.schema_arrow.names)
        fields = self._field_of(columns)
        others = [c for c in columns if c not in fields] if self.keep_other else []
        for batch in pfile.iter_batches(batch_size=self.batch_size,
                                        columns=list(fields) + others):
            data = batch.to_pydict()
            n = batch.num_rows
            for i in range(n):
                self._parquet_rows += 1
                row = {field: data[column][i] for column, field in fields.items()}
                if others:
                    row[OTHER] = {c: data[c][i] for c in others}
                yield row


def _prepend(first: str, handle: io.TextIOWrapper) -> Iterator[str]:
    rest = handle.readline()
    yield first + rest
    yield from handle
