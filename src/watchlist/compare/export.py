"""The comparison as CSV: one line per party, the status, dates and labels per jurisdiction."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from watchlist.compare.model import Row
from watchlist.screening.csv_safety import safe_row

__all__ = ["rows_csv"]

FIELDS = ("status", "listed", "basis", "delisted", "labels", "regimes")


def rows_csv(rows: Sequence[Row], jurisdictions: Sequence[str]) -> str:
    """CSV text of the matrix: profile id, name, kind, then per jurisdiction its status,
    listing date and basis, delisting date, publisher's labels and common regimes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["profile_id", "caption", "schema"]
                    + [f"{j}_{f}" for j in jurisdictions for f in FIELDS])
    for row in rows:
        values: list[object] = [row.profile_id or "", row.caption, row.schema]
        for j in jurisdictions:
            cell = row.cells[j]
            values += [cell.status, cell.listed or "", cell.basis or "", cell.delisted or "",
                       "; ".join(cell.labels), "; ".join(cell.regimes)]
        writer.writerow(safe_row(values))
    return out.getvalue()
