"""Cells a spreadsheet would run as formulas, neutralised in every CSV watchlist writes.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-` or `@` (or a
tab or carriage return before one) as a formula: a listed name or a customer's id such as
`=HYPERLINK(...)` or `+cmd|' /C calc'!A0` would run when the file is opened. OWASP's rule:
such a text cell is written with a single quote before it, which the spreadsheet shows as
text. Numbers are written as they are (a negative score or count is a number, not a formula).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: What a text cell may not start with unescaped (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` with a `'` before it when it is text a spreadsheet would read as a formula;
    anything else (numbers, None, other text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(cells: Iterable[Any]) -> list[Any]:
    """Every cell of a CSV row through `safe_cell`."""
    return [safe_cell(cell) for cell in cells]
