"""A report as CSV: one block per section (its heading, then label/value lines or the
table's header and rows), blank lines between; every cell safe from spreadsheet formulas."""

from __future__ import annotations

import csv
import io

from watchlist.reports.document import Document, Fields
from watchlist.screening.csv_safety import safe_row


def render_csv(document: Document) -> bytes:
    """UTF-8 CSV with a byte order mark, so spreadsheets read non-Latin names right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row([document.title]))
    for section in document.sections:
        writer.writerow([])
        writer.writerow(safe_row([section.heading]))
        if isinstance(section, Fields):
            for label, value in section.items:
                writer.writerow(safe_row([label, value]))
        else:
            writer.writerow(safe_row(section.columns))
            for row in section.rows:
                writer.writerow(safe_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
