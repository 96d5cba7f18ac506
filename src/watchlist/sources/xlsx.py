"""Reading Excel workbooks safely: a zip-bomb and damage check, then rows as a stream.

openpyxl is opened on a file handle (it refuses paths not ending in .xlsx, and a download
is saved under any name) in read-only mode; with defusedxml installed it refuses hostile
XML inside the workbook too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from watchlist.errors import SourceError
from watchlist.sources.base import Context
from watchlist.sources.meter import open_read

#: Largest total the workbook may unzip to; a larger one is refused as a zip bomb.
MAX_UNZIPPED = 300 * 1024 * 1024


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
    """The first sheet's rows as cell values (cached values, not formulas)."""
    import openpyxl

    with open_read(path) as fh:
        workbook = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                return
            for i, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
                if limit is not None and i >= limit:
                    return
                yield row
        finally:
            workbook.close()


def workbook_rows(ctx: Context, path: Path) -> Iterator[tuple[object, ...]]:
    """Check the workbook, then stream its rows; any damage becomes a SourceError."""
    check_workbook(ctx, path)
    try:
        yield from sheet_rows(path)
    except SourceError:
        raise
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
