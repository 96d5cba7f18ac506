"""Reading a customer's CSV as RFC 4180 says: fields in double quotes, a quote inside one
doubled (`"Rosneft Oil Company ""Rosneft"", PJSC"`), line breaks allowed inside quotes.

Only the delimiter varies between the files customers send (comma, semicolon, tab or pipe);
it is told from a sample of the first lines, not the header alone: the delimiter that splits
the header into columns and gives the most lines the header's number of cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from itertools import chain
from typing import TextIO

#: The delimiters a customer's CSV may use, the usual first (it wins a tie).
DELIMITERS = (",", ";", "\t", "|")

#: How much text (characters) the delimiter is told from, completed to the end of a line.
SAMPLE_CHARS = 64 * 1024


def _rows(text: str, delimiter: str) -> list[list[str]]:
    """The non-blank rows of `text` read with `delimiter`, RFC 4180 quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    return [cells for cells in reader if any(cell.strip() for cell in cells)]


def sniff_delimiter(sample: str, complete: bool = True) -> str:
    """The delimiter of the CSV text starting with `sample` (`complete`: all of it).

    Preferred: one that splits the header into several columns, then the one under which
    most rows have the header's number of cells, then the usual one (comma first)."""
    best, best_key = DELIMITERS[0], None
    for order, delimiter in enumerate(DELIMITERS):
        try:
            rows = _rows(sample, delimiter)
        except csv.Error:
            continue
        if not complete and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a quoted field
        if not rows:
            return best
        width = len(rows[0])
        consistency = sum(len(cells) == width for cells in rows) / len(rows)
        key = (width > 1, consistency, -order)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def read_sample(handle: TextIO, size: int = SAMPLE_CHARS) -> tuple[str, bool]:
    """The first `size` characters of `handle` completed to the end of a line, and whether
    that is all of it."""
    sample = handle.read(size)
    complete = len(sample) < size
    if not complete:
        sample += handle.readline()
    return sample, complete


def csv_rows(handle: TextIO, sample_size: int = SAMPLE_CHARS) -> Iterator[list[str]]:
    """The non-blank rows of a CSV text stream, header first, in its sniffed delimiter.

    `handle` must be opened with `newline=""`; it is read as a stream, never whole. A
    csv.Error (a field over the size limit) is the caller's to name."""
    sample, complete = read_sample(handle, sample_size)
    delimiter = sniff_delimiter(sample, complete)
    lines = chain(io.StringIO(sample, newline=""), handle)
    for cells in csv.reader(lines, csv.excel, delimiter=delimiter):
        if any(cell.strip() for cell in cells):
            yield cells
