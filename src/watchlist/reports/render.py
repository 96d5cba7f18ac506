"""A report in the format asked for: PDF or CSV bytes."""

from __future__ import annotations

from watchlist.reports.csv_render import render_csv
from watchlist.reports.document import Document, report_format
from watchlist.reports.pdf import render_pdf


def render(document: Document, fmt: str) -> bytes:
    """The report as PDF or CSV bytes (a ReportError for another format)."""
    return render_csv(document) if report_format(fmt) == "csv" else render_pdf(document)
