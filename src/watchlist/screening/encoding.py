"""Is a customer's file text, in which encoding, and where do its bytes stop decoding?

Pure functions over the first bytes of a file (or a stream of it), so that a binary file
or one in an unexpected encoding is a clear error naming the byte and the line, never a
`UnicodeDecodeError` from deep inside the CSV reader. The encoding is UTF-8, UTF-16 when a
byte-order mark says so, or the one the user names (`--encoding`): never guessed, since a
guess that is wrong screens mojibake (`Aleksandr Ã¿Ã¾ Lukashenko`) and finds nothing.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import BinaryIO

#: How many bytes are looked at to tell text from binary and guess the encoding.
SAMPLE = 4096

#: What a file is, by its first bytes, when customers send it instead of CSV.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx); export the sheet as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls, .doc); export the sheet as CSV"),
    (b"%PDF-", "a PDF document, not a table; give a CSV or JSON lines file"),
    (b"\x7fELF", "a program (an ELF executable), not a table"),
    (b"MZ", "a Windows program, not a table"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
)

#: The names users know the encodings by.
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "utf-16": "UTF-16",
                  "cp1252": "Windows-1252", "iso8859-1": "Latin-1 (ISO-8859-1)"}

#: What to suggest to a user whose file is not UTF-8.
ENCODING_HINT = ("name its encoding with --encoding, e.g. --encoding cp1252 (Windows-1252, "
                 "what Excel saves as \"CSV\" in western Europe) or --encoding latin-1")


def binary_kind(head: bytes, wide: bool = False) -> str | None:
    """What a file starting with `head` is when it cannot be text; None when it may be.

    `wide`: the user named a UTF-16 or UTF-32 encoding, whose text holds NUL bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    at = head.find(b"\0")
    if at >= 0 and not wide:
        return (f"a binary file, not text (a NUL byte at offset {at}; UTF-16 text needs a "
                "byte-order mark); give a CSV or JSON lines file, saved as UTF-8")
    return None


def bom_encoding(head: bytes) -> str:
    """UTF-16 when `head` starts with its byte-order mark, else UTF-8 (a BOM dropped):
    a file is never guessed to be in another encoding, which would read it as mojibake."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def named_encoding(name: str) -> str:
    """The codec of `--encoding NAME` (`cp1252`, `latin-1`, `utf-8`...); UTF-8 as
    `utf-8-sig`, so that a BOM is dropped. ValueError when it is no text encoding."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"--encoding {name}: unknown encoding (e.g. utf-8, cp1252, "
                         "latin-1, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"--encoding {name}: not a text encoding (e.g. utf-8, cp1252, "
                         "latin-1, utf-16)")
    return "utf-8-sig" if info.name == "utf-8" else info.name


def is_wide(encoding: str) -> bool:
    """Whether text in `encoding` holds NUL bytes (UTF-16, UTF-32)."""
    return encoding.startswith(("utf-16", "utf-32"))


@dataclass(frozen=True)
class BadByte:
    """The first byte that does not decode: its value, offset (from 0) and line (from 1)."""

    value: int
    offset: int
    line: int

    def __str__(self) -> str:
        return f"byte 0x{self.value:02x} at offset {self.offset:,}, line {self.line:,}"


def first_bad_byte(stream: BinaryIO, encoding: str, block: int = 1 << 16) -> BadByte | None:
    """Where `stream` first fails to decode as `encoding`, or None when all of it does.

    Lines are counted by newline bytes, exact for UTF-8 and 8-bit encodings."""
    if encoding == "utf-8-sig":
        encoding = "utf-8"  # the BOM is valid UTF-8; its decoder would shift the offsets
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    while True:
        data = stream.read(block)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            bad = offset - pending + exc.start
            before = data[:max(0, exc.start - pending)]
            value = bytes(exc.object[exc.start:exc.start + 1]) or b"\0"
            return BadByte(value[0], bad, line + before.count(b"\n"))
        if not data:
            return None
        offset += len(data)
        line += data.count(b"\n")
