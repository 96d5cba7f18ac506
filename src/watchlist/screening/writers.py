"""Writing screening results: one record per input row, as JSON lines or CSV.

A record is `{"id": ..., "matches": [...]}` (plus `"error": "..."` for a row that could not
be screened), its matches best first, each shaped by `shape_match`:

    {"entity_id", "caption", "schema", "score",
     "designations": [{"source", "ref", "regime", "listed"}], "explanation": {...}}

CSV has one row per input row: the best match in columns of its own (`best_*`), the number
of matches, and every match as JSON in the `matches` column (see CSV_COLUMNS); a text cell
a spreadsheet would run as a formula is written with a `'` before it (see csv_safety).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from watchlist.screening.csv_safety import safe_row

MATCH_KEYS = ("entity_id", "caption", "schema", "score", "designations", "explanation")
DESIGNATION_KEYS = ("source", "ref", "regime", "listed")

#: The CSV output's columns, in order.
CSV_COLUMNS = [
    "id", "error", "match_count", "best_score", "best_entity_id", "best_caption",
    "best_schema", "best_designations", "matches",
]


def shape_match(hit: dict[str, Any]) -> dict[str, Any]:
    """A hit (Hit.to_dict()) in the documented output shape, nothing more."""
    shaped = {key: hit.get(key) for key in MATCH_KEYS}
    shaped["designations"] = [
        {key: d.get(key) for key in DESIGNATION_KEYS} for d in hit.get("designations") or []
    ]
    shaped["explanation"] = hit.get("explanation") or {}
    shaped["basis"] = hit.get("basis") or "listed"
    if hit.get("ownership"):
        shaped["ownership"] = hit["ownership"]
    return shaped


def designation_text(designations: list[dict[str, Any]]) -> str:
    """`un_sc_sanctions KPi.033 (DPRK, listed 2016-11-30); ...` for one cell."""
    parts = []
    for d in designations:
        text = " ".join(str(v) for v in (d.get("source"), d.get("ref")) if v)
        extra = ", ".join(x for x in (d.get("regime"),
                                      f"listed {d['listed']}" if d.get("listed") else None) if x)
        parts.append(f"{text} ({extra})" if extra else text)
    return "; ".join(parts)


class Writer:
    """Writes records to a file or stdout; use as a context manager."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle: TextIO = (open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
                               if path else sys.stdout)

    def write(self, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self.path:
            self.handle.close()
        else:
            self.handle.flush()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JsonlWriter(Writer):
    def write(self, record: dict[str, Any]) -> None:
        self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")


class CsvWriter(Writer):
    def __init__(self, path: Path | None) -> None:
        super().__init__(path)
        delimiter = "\t" if path and path.suffix.lower() == ".tsv" else ","
        self.writer = csv.writer(self.handle, delimiter=delimiter)
        self.writer.writerow(CSV_COLUMNS)

    def write(self, record: dict[str, Any]) -> None:
        matches = record.get("matches") or []
        best = matches[0] if matches else {}
        score = best.get("score")
        self.writer.writerow(safe_row([
            record.get("id"),
            record.get("error") or "",
            len(matches),
            f"{score:.4f}" if isinstance(score, float) else (score if score is not None else ""),
            best.get("entity_id") or "",
            best.get("caption") or "",
            best.get("schema") or "",
            designation_text(best.get("designations") or []),
            json.dumps(matches, ensure_ascii=False) if matches else "",
        ]))


def output_format(path: Path | None) -> str:
    """`csv` for .csv/.tsv, else `jsonl` (and always for stdout)."""
    if path is not None and path.suffix.lower() in (".csv", ".tsv"):
        return "csv"
    return "jsonl"


def open_writer(path: Path | None, format: str | None = None) -> Writer:
    """A writer for `path` (stdout when None): CSV by extension, else JSON lines."""
    fmt = format or output_format(path)
    if fmt == "csv":
        return CsvWriter(path)
    if fmt == "jsonl":
        return JsonlWriter(path)
    raise ValueError(f"unknown output format {fmt!r}")
