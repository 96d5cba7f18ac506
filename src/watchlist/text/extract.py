"""Reading a document to scan: plain text, HTML or PDF, told apart by content.

The text returned is what a scan's offsets refer to: plain text as decoded (UTF-8, or
UTF-16 with a byte-order mark), the visible text of an HTML page (scripts and styles left
out, a blank line around each block element so names in different paragraphs never run
together), and the text of a PDF page by page (pypdf). A file that cannot be read raises
`ExtractError` naming it and the problem.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass

from watchlist.errors import WatchlistError

__all__ = ["Document", "ExtractError", "extract", "read_document"]

#: Largest document read (bytes): a scan holds the text in memory.
MAX_BYTES = 200 * 1024 * 1024

_HTML_SNIFF = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<!--|<meta|<div|<p[\s>])",
                         re.IGNORECASE)
_BLOCKS = frozenset(
    "address article aside blockquote body caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "table tbody td tfoot th thead title tr ul".split()
)
_SKIP = frozenset("script style noscript template head".split())


class ExtractError(WatchlistError):
    """A document that cannot be read as text."""


@dataclass(frozen=True)
class Document:
    """The text of a document and what it was read as (text, html or pdf)."""

    name: str
    format: str
    text: str


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ExtractError(f"{name}: not valid UTF-16 text ({exc.reason} at byte "
                               f"{exc.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\x00" in data[:4096]:
            raise ExtractError(f"{name}: binary data, not text, HTML or PDF") from None
        raise ExtractError(f"{name}: not UTF-8 text (byte {data[exc.start]:#x} at offset "
                           f"{exc.start}); convert it to UTF-8 first") from None


def html_text(markup: str, name: str = "<html>") -> str:
    """The visible text of an HTML page, blocks separated by blank lines."""
    import lxml.html
    from lxml import etree

    if not markup.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"{name}: unreadable HTML ({exc})") from None
    parts: list[str] = []

    def walk(element: etree._Element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if tag in _SKIP:
            return
        block = tag in _BLOCKS
        if block:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n\n")

    walk(root)
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def pdf_text(data: bytes, name: str = "<pdf>") -> str:
    """The text of a PDF, page by page (a blank line between pages)."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a declared dependency
        raise ExtractError(f"{name}: reading PDF needs pypdf (pip install pypdf)") from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:  # noqa: BLE001
                raise ExtractError(f"{name}: the PDF is encrypted") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except ExtractError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError) as exc:
        raise ExtractError(f"{name}: unreadable PDF ({exc})") from None
    return "\n\n".join(p.strip("\n") for p in pages)


def extract(data: bytes, name: str = "<input>", format: str | None = None) -> Document:
    """The text of a document given as bytes (format: text, html, pdf, or None to tell
    from the content)."""
    if len(data) > MAX_BYTES:
        raise ExtractError(f"{name}: {len(data):,} bytes is more than the {MAX_BYTES:,} "
                           "a scan reads")
    if format is None:
        if data.lstrip()[:5] == b"%PDF-":
            format = "pdf"
        elif _HTML_SNIFF.match(data[:1024]) or name.lower().endswith((".html", ".htm")):
            format = "html"
        else:
            format = "text"
    if format == "pdf":
        return Document(name, "pdf", pdf_text(data, name))
    text = _decode(data, name)
    if format == "html":
        return Document(name, "html", html_text(text, name))
    if format != "text":
        raise ExtractError(f"{name}: unknown format {format!r} (text, html or pdf)")
    return Document(name, "text", text)


def read_document(path: str, format: str | None = None) -> Document:
    """Read a file ("-": standard input) and extract its text."""
    import sys

    if path == "-":
        return extract(sys.stdin.buffer.read(), "<stdin>", format)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ExtractError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExtractError(f"{path}: is a directory") from None
    except OSError as exc:
        raise ExtractError(f"{path}: cannot read ({exc.strerror})") from None
    return extract(data, path, format)
