"""What a report holds, independent of its format: a title and sections of labelled
values or tables, rendered by `pdf.py` and `csv_render.py` (`render.py` picks one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from watchlist.errors import WatchlistError

#: The formats a report is rendered in, with their media types.
FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


class ReportError(WatchlistError):
    """A report that cannot be made: an unknown format, alert or list."""


@dataclass
class Fields:
    """A section of labelled values (label, value), one per line."""

    heading: str
    items: list[tuple[str, str]]


@dataclass
class Table:
    """A section of rows under column names; `empty` is said when there is no row."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    empty: str = "None."
    #: Each column's share of the page's width (equal shares when empty).
    widths: list[float] = field(default_factory=list)


@dataclass
class Document:
    """A report: its kind (check, alert, changes), title, sections and the audit entry
    that records its export."""

    kind: str
    title: str
    sections: list[Fields | Table]
    filename: str
    audit_seq: int | None = None
    audit_hash: str | None = None


def text(value: Any) -> str:
    """A value as a report shows it: lists joined with "; ", nothing as "—"."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, list | tuple | set):
        return "; ".join(text(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def report_format(fmt: str | None, filename: str | None = None) -> str:
    """`pdf` or `csv`: the format given, else the output file's suffix, else PDF."""
    if fmt is None and filename:
        suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        fmt = suffix if suffix in FORMATS else None
    chosen = (fmt or "pdf").lower()
    if chosen not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r}: use pdf or csv")
    return chosen

