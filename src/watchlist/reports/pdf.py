"""A report as PDF (fpdf2), in DejaVu Sans, bundled with the package under its free
licence (fonts/LICENSE-DejaVu.txt), so names in Cyrillic, Greek or Latin with accents print
on any machine."""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from watchlist.reports.document import Document, Fields, Table
from watchlist.version import __version__

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
BODY, SMALL, HEADING, TITLE = 9, 7, 11, 15
LINE = 4.6  # mm per line of body text


#: Control characters (a listed name or a customer field may carry them): no glyph, dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    return _CONTROL.sub("", text)


class _Pdf(FPDF):
    """A4 pages with the report's title in the header and page numbers in the footer."""

    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.report_title = _clean(title)
        self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=15)
        self.set_title(self.report_title)
        self.set_creator(f"watchlist {__version__}")
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, "", SMALL)
        self.set_text_color(110)
        self.cell(0, 4, f"{self.report_title} · watchlist {__version__} · page "
                        f"{self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def _fields(pdf: _Pdf, section: Fields) -> None:
    label_width = 48
    for label, value in section.items:
        if pdf.will_page_break(2 * LINE):  # a label never stays behind its value
            pdf.add_page()
        pdf.set_font(FONT, "B", BODY)
        y = pdf.get_y()
        pdf.multi_cell(label_width, LINE, _clean(label), new_x="RIGHT", new_y="TOP", align="L")
        pdf.set_font(FONT, "", BODY)
        pdf.multi_cell(0, LINE, _clean(value), new_x="LMARGIN", new_y="NEXT", align="L")
        pdf.set_y(max(pdf.get_y(), y + LINE))


def _table(pdf: _Pdf, section: Table) -> None:
    if not section.rows:
        pdf.set_font(FONT, "", BODY)
        pdf.multi_cell(0, LINE, section.empty, new_x="LMARGIN", new_y="NEXT", align="L")
        return
    widths = section.widths or [1.0] * len(section.columns)
    pdf.set_font(FONT, "", SMALL + 0.5)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=LINE - 0.8,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(232, 236, 241)),
                   borders_layout="HORIZONTAL_LINES", padding=0.8) as table:
        table.row([_clean(c) for c in section.columns])
        for row in section.rows:
            table.row([_clean(cell) or "—" for cell in row])


def render_pdf(document: Document) -> bytes:
    """The report as a PDF file's bytes."""
    pdf = _Pdf(document.title)
    pdf.add_page()
    pdf.set_font(FONT, "B", TITLE)
    pdf.multi_cell(0, 8, _clean(document.title), new_x="LMARGIN", new_y="NEXT")
    for section in document.sections:
        pdf.ln(3)
        if pdf.will_page_break(6 + 3 * LINE):  # a heading starts a page with its content
            pdf.add_page()
        pdf.set_font(FONT, "B", HEADING)
        pdf.multi_cell(0, 6, _clean(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.5)
        if isinstance(section, Fields):
            _fields(pdf, section)
        else:
            _table(pdf, section)
    return bytes(pdf.output())
