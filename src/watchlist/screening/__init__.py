"""Batch screening: read a file of names, screen every row in parallel, write the matches.

`readers` streams CSV, JSON lines and Parquet in chunks and turns each row into a query
(or an error row); `runner` screens the rows over worker processes, keeping input order;
`writers` writes one record per input row as JSON lines or CSV.
"""

from __future__ import annotations

from watchlist.screening.readers import FIELDS, BatchReader, detect_format, parse_mapping
from watchlist.screening.runner import Summary, screen_rows
from watchlist.screening.writers import open_writer, shape_match

__all__ = [
    "FIELDS",
    "BatchReader",
    "Summary",
    "detect_format",
    "open_writer",
    "parse_mapping",
    "screen_rows",
    "shape_match",
]
