"""Customer CSV is read as RFC 4180 says (doubled quotes, line breaks in quotes), in the
delimiter a sample of its first lines shows: what Python's csv writer wrote reads back."""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from watchlist.screening.csv_input import DELIMITERS, SAMPLE_CHARS, csv_rows, sniff_delimiter
from watchlist.screening.readers import BatchReader

#: Column names as customers' headers have them: no delimiter, quote or line break.
COLUMN = st.text(string.ascii_letters + string.digits + " _-.()", min_size=1,
                 max_size=12).filter(str.strip)
#: Any text a cell may hold (not NUL: a file holding one is refused as binary).
CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
               max_size=20)


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    width = draw(st.integers(1, 5))
    header = draw(st.lists(COLUMN, min_size=width, max_size=width))
    body = draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=8))
    return [header, *body]


@given(tables(), st.sampled_from(DELIMITERS), st.sampled_from(["\r\n", "\n"]),
       st.sampled_from([SAMPLE_CHARS, 1, 7, 40]))
def test_any_table_the_csv_writer_wrote_reads_back_identically(
        table: list[list[str]], delimiter: str, terminator: str, sample: int) -> None:
    # A one-column header cannot show the delimiter: later lines must (all are sampled).
    assume(sample == SAMPLE_CHARS or len(table[0]) > 1)
    # With "\n" line ends the writer leaves a cell's "\r" unquoted: `0\r\n` is ambiguous.
    assume(terminator == "\r\n" or not any("\r" in cell for row in table for cell in row))
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=terminator).writerows(table)
    got = list(csv_rows(io.StringIO(buffer.getvalue(), newline=""), sample))
    assert got == [row for row in table if any(cell.strip() for cell in row)]  # blank: skipped


def test_a_doubled_quote_inside_a_quoted_name_is_one_quote(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text('id,name,country\nc1,"Rosneft Oil Company ""Rosneft"", PJSC",ru\n',
                    encoding="utf-8")
    assert list(BatchReader(path)) == [
        {"id": "c1", "name": 'Rosneft Oil Company "Rosneft", PJSC', "country": "ru"}]


def test_a_line_break_inside_quotes_stays_in_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_bytes(b'id;name;country\r\nc1;"Ivan\r\nPetrov";ru\r\nc2;"Jo; ""Ann""";de\r\n')
    assert list(BatchReader(path)) == [
        {"id": "c1", "name": "Ivan\r\nPetrov", "country": "ru"},
        {"id": "c2", "name": 'Jo; "Ann"', "country": "de"}]


def test_the_delimiter_is_told_by_the_lines_after_the_header_too() -> None:
    header = "id;full name, as in the passport;country\n"
    assert sniff_delimiter(header) == ","  # the header alone cannot tell: comma first
    assert sniff_delimiter(header + "1;Ivan Petrov;ru\n2;Jo Ann;de\n") == ";"
    assert sniff_delimiter("id\tname\n1\tDoe, John\n") == "\t"
    assert sniff_delimiter("id|name\n1|Doe; John, Jr\n") == "|"


def test_a_one_column_file_of_names_with_commas_reads_each_name_whole(tmp_path: Path) -> None:
    path = tmp_path / "names.csv"
    path.write_text("name\nDoe; John\nRoe, Jane\nIvan Petrov\n", encoding="utf-8")
    assert [row["name"] for row in BatchReader(path)] == ["Doe; John", "Roe, Jane",
                                                          "Ivan Petrov"]
