"""Reading a document to scan: plain text, HTML or PDF, told apart by content.

The text returned is what a scan's offsets refer to: plain text as decoded (UTF-8, or
UTF-16 with a byte-order mark), the visible text of an HTML page (scripts and styles left
out, a blank line around each block element so names in different paragraphs never run
together), and the text of a PDF page by page (pypdf). A file that cannot be read raises
`ExtractError` naming it and the problem; one that expands beyond a limit when read (a
PDF whose compressed streams inflate a thousandfold, say) raises `TooLargeError`.
"""

from __future__ import annotations

import codecs
import io
import re
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from watchlist.errors import WatchlistError

__all__ = ["Document", "ExtractError", "TooLargeError", "extract", "read_document"]

#: Largest document read (bytes): a scan holds the text in memory.
MAX_BYTES = 200 * 1024 * 1024
#: Bytes one PDF stream may inflate to (pypdf's own default is 75 MB; a page of dense text
#: is tens of KB). Applied through pypdf's configuration where pypdf has one (7.0 on).
MAX_PDF_STREAM = 16 * 1024 * 1024
#: Bytes all the pages' content streams may inflate to together.
MAX_PDF_INFLATED = 128 * 1024 * 1024
#: Pages of a PDF read.
MAX_PDF_PAGES = 5_000
#: Characters of text taken from a PDF (about 6,000 dense pages).
MAX_PDF_CHARS = 20_000_000
#: Seconds the text of a PDF may take to extract.
MAX_PDF_SECONDS = 60.0
#: Elements nested in one another (<html> and <body> included) that the HTML parser reads
#: (libxml2 with huge_tree; 256 without); a page nested deeper is refused, not cut short.
MAX_HTML_DEPTH = 2_048

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


class TooLargeError(ExtractError):
    """A document larger than a scan reads, or one that expands beyond a limit when read."""


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
    """The visible text of an HTML page, blocks separated by blank lines.

    Walked with a stack, not recursion, so depth costs no Python frames; a page the parser
    stops reading before its end (nested deeper than it allows) is refused, never cut short."""
    import lxml.html
    from lxml import etree

    if not markup.strip():
        return ""
    parser = lxml.html.HTMLParser(huge_tree=True)
    try:
        root = lxml.html.document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"{name}: unreadable HTML ({exc})") from None
    halted = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if halted:
        line, why = halted[0].line, halted[0].message.strip()
        if "depth" in why.lower():
            why = f"elements nested deeper than the {MAX_HTML_DEPTH:,} levels it reads"
        raise ExtractError(f"{name}: the HTML parser stopped at line {line} ({why}); "
                           "refused rather than scanned in part")
    parts: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if closing or tag in _SKIP:
            if closing and tag in _BLOCKS:
                parts.append("\n\n")
            if element is not root and element.tail:
                parts.append(element.tail)
            continue
        if tag in _BLOCKS:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n")
        if element.text and tag:
            parts.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    text = "".join(parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _pdf_limits() -> AbstractContextManager[object]:
    """pypdf's own decompression limits lowered to MAX_PDF_STREAM, where pypdf has them."""
    import dataclasses

    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # pypdf before 7: its own fixed limits (75 MB a stream) hold
        return nullcontext()
    wanted = {f"{codec}_maximum_output_length": MAX_PDF_STREAM
              for codec in ("zlib", "lzw", "run_length", "brotli", "array_based_stream")}
    wanted["stream_decoding_work_maximum_length"] = 4 * MAX_PDF_STREAM
    known = {f.name for f in dataclasses.fields(pypdf.Configuration)}
    return apply(**{k: v for k, v in wanted.items() if k in known})


def _page_texts(reader: Any, name: str) -> list[str]:
    """Each page's text, within the page, inflation, text and time limits."""
    started = time.monotonic()
    if len(reader.pages) > MAX_PDF_PAGES:
        raise TooLargeError(f"{name}: the PDF has {len(reader.pages):,} pages; at most "
                            f"{MAX_PDF_PAGES:,} are read")
    inflated = chars = 0
    pages: list[str] = []
    for page in reader.pages:
        contents = page.get_contents()
        inflated += len(contents.get_data()) if contents is not None else 0
        if inflated > MAX_PDF_INFLATED:
            raise TooLargeError(f"{name}: the PDF's pages inflate to more than "
                                f"{MAX_PDF_INFLATED // 2**20} MiB when decompressed (the limit)")
        text = page.extract_text() or ""
        chars += len(text)
        if chars > MAX_PDF_CHARS:
            raise TooLargeError(f"{name}: the PDF holds more than {MAX_PDF_CHARS:,} "
                                "characters of text (the limit)")
        if time.monotonic() - started > MAX_PDF_SECONDS:
            raise TooLargeError(f"{name}: the PDF took more than {MAX_PDF_SECONDS:.0f} s to "
                                "read (the limit)")
        pages.append(text)
    return pages


def pdf_text(data: bytes, name: str = "<pdf>") -> str:
    """The text of a PDF, page by page (a blank line between pages), within the limits above."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import LimitReachedError
    except ImportError:  # pragma: no cover - a declared dependency
        raise ExtractError(f"{name}: reading PDF needs pypdf (pip install pypdf)") from None
    limits = _pdf_limits()
    try:
        with limits:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception:  # noqa: BLE001
                    raise ExtractError(f"{name}: the PDF is encrypted") from None
            pages = _page_texts(reader, name)
    except ExtractError:
        raise
    except LimitReachedError as exc:
        raise TooLargeError(f"{name}: the PDF expands beyond a limit when decompressed or "
                            f"parsed ({exc})") from None
    except MemoryError:
        raise TooLargeError(f"{name}: the PDF needs more memory than this server has "
                            "to read") from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on a damaged file
        raise ExtractError(f"{name}: unreadable PDF ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(p.strip("\n") for p in pages)


def extract(data: bytes, name: str = "<input>", format: str | None = None) -> Document:
    """The text of a document given as bytes (format: text, html, pdf, or None to tell
    from the content)."""
    if len(data) > MAX_BYTES:
        raise TooLargeError(f"{name}: {len(data):,} bytes is more than the {MAX_BYTES:,} "
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
