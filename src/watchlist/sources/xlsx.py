"""Reading Excel workbooks safely: a zip-bomb and damage check, bounds on what the workbook
expands to, then rows as a stream.

openpyxl is opened on a file handle (it refuses paths not ending in .xlsx, and a download
is saved under any name) in read-only mode; with defusedxml installed it refuses hostile
XML inside the workbook too. openpyxl reads the whole shared-string table into memory when
it opens a workbook, so a small file with millions of tiny strings would hold it for
minutes and gigabytes: the workbook's XML is first counted as a stream (constant memory),
and a workbook beyond the bounds below is refused before openpyxl opens it.
"""

from __future__ import annotations

import html
import re
import time
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from watchlist.errors import SourceError
from watchlist.sources.base import Context
from watchlist.sources.meter import open_read

#: Largest total the workbook may unzip to; a larger one is refused as a zip bomb.
MAX_UNZIPPED = 300 * 1024 * 1024

# The bounds below are argued from the two real workbooks read here (figures counted in the
# files by the same code): the AU DFAT list of 2024-12 has 21,883 shared strings holding
# 946,020 characters, 9,561 rows and 128,140 cells, read as a 9,561 x 255 grid (its declared
# dimension is A1:IU9561) = 2,438,055 cells; the UK OFSI workbook of 2025-04 has 36,665
# strings, 3,489,561 characters, 18,798 rows, 310,666 cells (a 36-column grid of 676,728).
# Counted and read here they take 1.3 s and 2.8 s (openpyxl alone: 0.9 s and 1.8 s). Near
# the string bound the cost stays in seconds: the DFAT file with 400,000 tiny strings added
# is read whole in 9.9 s at 151 MB RSS (on a busy 2-core machine); with 17 million added
# (1.5 MB on disk, 290 MB unzipped) it is refused in 1.2 s.

#: Shared strings (one per distinct text): 23x DFAT's, 14x OFSI's.
MAX_SHARED_STRINGS = 500_000
#: Characters of text in the shared and inline strings: 42x DFAT's, 11x OFSI's.
MAX_TEXT_CHARS = 40_000_000
#: Rows: Excel's own limit per sheet (110x DFAT's), so no real workbook exceeds it.
MAX_ROWS = 1_048_576
#: Cells written in the sheets: 39x DFAT's, 16x OFSI's.
MAX_CELLS = 5_000_000
#: Cells of the grid read (rows x declared columns, empty ones included): 20x DFAT's.
MAX_GRID_CELLS = 50_000_000
#: Cells in one row: Excel's column limit (XFD).
MAX_ROW_CELLS = 16_384
#: Seconds a workbook may take to be counted, opened and read: 20x OFSI's.
MAX_SECONDS = 60.0

_CHUNK = 64 * 1024
SHARED_STRINGS = "xl/sharedStrings.xml"
_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.xml")
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")


class WorkbookTooLarge(Exception):
    """A workbook that expands beyond a bound (says which), or that cannot be counted."""


class _Clock:
    """Seconds spent reading one workbook (not counting the time its reader holds a row)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self.since = time.monotonic()

    def pause(self) -> None:
        self.spent += time.monotonic() - self.since

    def resume(self) -> None:
        self.since = time.monotonic()

    def check(self) -> None:
        if self.spent + time.monotonic() - self.since > MAX_SECONDS:
            raise WorkbookTooLarge(f"took more than {MAX_SECONDS:.0f} s to read; refused "
                                   "(a workbook that expands beyond reason)")


class _Counter:
    """An lxml parser target counting shared strings, rows, cells and text (no tree built)."""

    def __init__(self) -> None:
        self.strings = self.rows = self.cells = self.chars = self.row_cells = 0
        self.widest = self.elements = 0
        self._in_text = 0

    def start(self, tag: str, _attrib: object) -> None:
        self.elements += 1
        name = tag.rpartition("}")[2]
        if name == "t":
            self._in_text += 1
        elif name == "row":
            self.row_cells = 0

    def end(self, tag: str) -> None:
        name = tag.rpartition("}")[2]
        if name == "t":
            self._in_text -= 1
        elif name == "si":
            self.strings += 1
        elif name == "c":
            self.cells += 1
            self.row_cells += 1
            self.widest = max(self.widest, self.row_cells)
        elif name == "row":
            self.rows += 1

    def data(self, text: str) -> None:
        if self._in_text:
            self.chars += len(text)

    def close(self) -> None:
        return None

    def check(self) -> None:
        for count, bound, what in (
            (self.strings, MAX_SHARED_STRINGS, "shared strings"),
            (self.chars, MAX_TEXT_CHARS, "characters of text"),
            (self.rows, MAX_ROWS, "rows"),
            (self.cells, MAX_CELLS, "cells"),
            (self.widest, MAX_ROW_CELLS, "cells in one row"),
        ):
            if count > bound:
                raise WorkbookTooLarge(f"holds more than {bound:,} {what} (the limit); "
                                       "refused as a workbook that expands beyond reason")


def measure_workbook(path: Path, clock: _Clock | None = None) -> None:
    """Count every part of the workbook as a stream; raise WorkbookTooLarge past a bound.

    Every part is counted, whatever its name, as openpyxl finds its parts by references a
    crafted file can point anywhere. A part that is not XML (an image, printer settings) is
    passed over; one that starts as XML and breaks off (truncated, malformed) is refused, as
    the rest of it could not be counted."""
    from lxml import etree

    clock = clock or _Clock()
    counter = _Counter()
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parser = etree.XMLParser(target=counter, resolve_entities=False, no_network=True,
                                     load_dtd=False, huge_tree=True)
            before = counter.elements
            with archive.open(info) as part:
                try:
                    while chunk := part.read(_CHUNK):
                        parser.feed(chunk)
                        counter.check()
                        clock.check()
                    parser.close()
                except etree.XMLSyntaxError as exc:
                    counter.check()
                    if counter.elements > before:
                        raise WorkbookTooLarge(f"has a part, {info.filename}, that breaks off "
                                               f"and cannot be counted ({exc}); refused") \
                            from None


def first_strings(path: Path) -> list[str]:
    """The texts (`<t>` elements) in the first 64 KB of the shared strings and of the first
    sheet: enough to recognise a sheet's header without opening the whole workbook (two
    bounded reads, whatever else the file holds)."""
    texts: list[str] = []
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheets = {int(m.group(1)): n for n in names if (m := _SHEET.fullmatch(n))}
        parts = [SHARED_STRINGS] if SHARED_STRINGS in names else []
        if sheets:
            parts.append(sheets[min(sheets)])
        for name in parts:
            with archive.open(name) as part:
                head = part.read(_CHUNK).decode("utf-8", errors="ignore")
            texts.extend(html.unescape(t) for t in _TEXT.findall(head))
    return texts


def check_workbook(ctx: Context, path: Path) -> None:
    """Refuse a damaged or truncated zip, or one that would expand beyond reason."""
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
                raise ctx.fail(f"expands to more than {MAX_UNZIPPED // 2**20} MiB; refused")
            bad = archive.testzip()
    except SourceError:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError... on a damaged file
        raise ctx.fail(f"is not a readable .xlsx workbook (truncated?): {exc}") from exc
    if bad is not None:
        raise ctx.fail(f"is a damaged workbook ({bad} is corrupt)")


def sheet_rows(path: Path, limit: int | None = None) -> Iterator[tuple[object, ...]]:
    """The first sheet's rows as cell values (cached values, not formulas), within the
    bounds above (WorkbookTooLarge past one)."""
    import openpyxl

    clock = _Clock()
    measure_workbook(path, clock)
    with open_read(path) as fh:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        try:
            clock.check()
            if not workbook.worksheets:
                return
            sheet = workbook.worksheets[0]
            declared = (sheet.max_row or 0) * (sheet.max_column or 0)
            if declared > MAX_GRID_CELLS:
                raise WorkbookTooLarge(f"declares a sheet of {declared:,} cells, more than "
                                       f"the {MAX_GRID_CELLS:,} read (the limit); refused")
            grid = 0
            for i, row in enumerate(sheet.iter_rows(values_only=True)):
                if limit is not None and i >= limit:
                    return
                grid += len(row)
                if i >= MAX_ROWS or grid > MAX_GRID_CELLS:
                    raise WorkbookTooLarge(f"reads as more than {MAX_ROWS:,} rows or "
                                           f"{MAX_GRID_CELLS:,} cells (the limits); refused")
                if i % 1024 == 0:
                    clock.check()
                clock.pause()
                yield row
                clock.resume()
        finally:
            workbook.close()


def workbook_rows(ctx: Context, path: Path) -> Iterator[tuple[object, ...]]:
    """Check the workbook, then stream its rows; any damage or excess becomes a SourceError."""
    check_workbook(ctx, path)
    try:
        yield from sheet_rows(path)
    except SourceError:
        raise
    except WorkbookTooLarge as exc:
        raise ctx.fail(str(exc)) from exc
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ctx.fail(f"could not be read as a workbook: {type(exc).__name__}: {exc}") from exc


def cell_value(value: object) -> str | None:
    """A cell as text: dates as ISO, whole numbers without ".0", empty as None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
