"""Workbooks that expand beyond reason under the size cap are refused, naming the file and
the limit, and the last good version keeps serving."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import shared_file
from watchlist.errors import SourceError
from watchlist.sources import dfat_xlsx, xlsx
from watchlist.sources.base import Context
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths

HEADER = ["Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth",
          "Citizenship", "Control Date"]
ROWS = [["7001", "Petr PROBNIK", "Individual", "Primary Name", "1970", "Russian", 45717],
        ["7001a", "Petya PROBNIK", "Individual", "aka", "1970", "Russian", 45717],
        ["7002", "STAR TEST TRADING", "Entity", "Primary Name", "", "", 45717]]
SHARED_STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')


def _workbook(path: Path, rows: list[list[object]] = ROWS) -> Path:
    workbook = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _inflated(good: Path, out: Path, strings: int) -> Path:
    """`good` with a shared-string table of `strings` tiny strings: a few hundred KB on disk."""
    with zipfile.ZipFile(good) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", SHARED_STRINGS_TYPE + b"</Types>")
            target.writestr(info.filename, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            block = b"<si><t>a</t></si>" * 100_000
            for _ in range(strings // 100_000):
                part.write(block)
            part.write(b"</sst>")
    return out


def _refused(path: Path, *words: str) -> str:
    ctx = Context(source=dfat_xlsx.SOURCE, file=str(path))
    with pytest.raises(SourceError) as info:
        list(dfat_xlsx.parse_xlsx(ctx, {"main": path}))
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message
    return message


def test_millions_of_tiny_shared_strings_are_refused_and_the_last_version_serves(
        home: Path, tmp_path: Path) -> None:
    good = _workbook(tmp_path / "regulation8_consolidated.xlsx")
    store = Store()
    assert update_from_paths(store, [good]).ok
    hostile = _inflated(good, tmp_path / "regulation8_consolidated_new.xlsx", 2_000_000)
    report = update_from_paths(store, [hostile])
    assert not report.ok
    [failure] = report.failures
    assert str(hostile) in failure and "shared strings" in failure
    assert f"{xlsx.MAX_SHARED_STRINGS:,}" in failure
    [serving] = store.serving()
    assert serving.source == dfat_xlsx.SOURCE and serving.version == 1
    assert len(store.versions()) == 1


def test_too_many_characters_of_text_are_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_TEXT_CHARS", 100)
    rows = [[str(7000 + i), "X" * 50, "Entity", "Primary Name", "", "", 45717] for i in range(3)]
    _refused(_workbook(tmp_path / "list.xlsx", rows), "characters of text", "100")


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    _refused(_workbook(tmp_path / "list.xlsx"), "rows", "3")


def test_too_many_cells_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_CELLS", 20)
    _refused(_workbook(tmp_path / "list.xlsx"), "cells", "20")


def test_a_row_wider_than_excel_allows_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROW_CELLS", 6)
    _refused(_workbook(tmp_path / "list.xlsx"), "cells in one row", "6")


def test_a_sheet_declaring_a_huge_grid_is_refused_before_it_is_read(
        tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    hostile = tmp_path / "list.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:G4"/>',
                                    b'<dimension ref="A1:XFD1048576"/>')
                assert b"XFD1048576" in data
            target.writestr(info.filename, data)
    _refused(hostile, "declares a sheet of", f"{xlsx.MAX_GRID_CELLS:,}")


def test_a_part_that_breaks_off_is_refused_as_it_cannot_be_counted(tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    hostile = tmp_path / "list.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(hostile, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        sheet = source.read("xl/worksheets/sheet1.xml")
        target.writestr("xl/worksheets/sheet9.xml", sheet[: len(sheet) // 2] + b"<</")
    _refused(hostile, "xl/worksheets/sheet9.xml", "cannot be counted")


def test_a_workbook_read_past_the_time_limit_is_refused(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_SECONDS", 0.0)
    _refused(_workbook(tmp_path / "list.xlsx"), "took more than 0 s")


def test_a_small_workbook_is_read_within_the_bounds(tmp_path: Path) -> None:
    ctx = Context(source=dfat_xlsx.SOURCE, file="list.xlsx")
    path = _workbook(tmp_path / "list.xlsx")
    targets = [e for e in dfat_xlsx.parse_xlsx(ctx, {"main": path}) if e.schema.name != "Sanction"]
    assert {t.id for t in targets} == {"au-dfat-sanctions-7001", "au-dfat-sanctions-7002"}


def test_the_real_dfat_workbook_fits_a_tenth_of_every_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_file("au/regulation8_consolidated_2024-12.xlsx")
    for name in ("MAX_SHARED_STRINGS", "MAX_TEXT_CHARS", "MAX_ROWS", "MAX_CELLS",
                 "MAX_GRID_CELLS"):
        monkeypatch.setattr(xlsx, name, getattr(xlsx, name) // 10)
    assert sum(1 for _ in xlsx.sheet_rows(path)) == 9_561
