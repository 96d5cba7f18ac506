"""Checking an XML document's prolog before any parser sees its bytes.

A DOCTYPE can only stand in the prolog, before the root element: refusing it there, from
our own reading of the bytes, keeps entity-expansion bombs and external entities away from
the parser whatever libxml2 version is installed and however it counts amplification.
The prolog is decoded as the XML specification says a parser must (byte-order mark, the
first bytes' pattern, then the declared encoding), so a DOCTYPE cannot hide behind an
encoding such as UTF-7 or UTF-16 without a byte-order mark.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

MAX_PROLOG = 1 << 20
"""Bytes read to find the root element; real lists' prologs are a few hundred bytes."""

#: Byte-order marks and their codecs, longest first (UTF-32 LE begins like UTF-16 LE).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_PATTERNS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_EBCDIC = b"\x4c\x6f\xa7\x94"
_DECLARED = re.compile(r"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.:\-]*)["']""")
_NAME_START = re.compile(r"[A-Za-z_:\u00c0-\U000effff]")
_SPACE = " \t\r\n"

REFUSED_DOCTYPE = ("declares a DOCTYPE; DTDs and entities are refused "
                   "(entity expansion or external entity attack?)")


def _encoding(head: bytes) -> tuple[str, int] | str:
    """The codec to read the head with and the bytes to skip (a BOM), or a problem."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name, len(bom)
    for pattern, name in _PATTERNS:
        if head.startswith(pattern):
            return name, 0
    if head.startswith(_EBCDIC):
        return "is EBCDIC-encoded XML, which watchlist does not read"
    declared = _DECLARED.match(head[:512].decode("latin-1"))
    if declared is None:
        return "utf-8", 0
    name = declared.group(1)
    try:
        codec = codecs.lookup(name)
    except LookupError:
        return f"declares the encoding {name!r}, which watchlist does not read"
    if codec.name.startswith(("utf-16", "utf-32")):
        return f"declares the encoding {name!r} but is not written in it (no byte-order mark)"
    return codec.name, 0


def _skip_to(text: str, pos: int, end: str) -> int | None:
    """The position after `end`, searching from `pos`, or None when it is not in the text."""
    found = text.find(end, pos)
    return None if found < 0 else found + len(end)


def _scan(text: str) -> str | None | bool:
    """Walk the prolog: a problem, None when the root element starts cleanly, or False when
    the text ends before the root element does."""
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        rest = text[pos:pos + 9]
        if len(rest) < 2 or (rest.startswith("<!") and len(rest) < 4):
            return False
        if rest.startswith("<?"):
            after = _skip_to(text, pos + 2, "?>")
        elif rest.startswith("<!--"):
            after = _skip_to(text, pos + 4, "-->")
        elif rest.startswith("<!"):
            return REFUSED_DOCTYPE
        elif rest[0] == "<" and _NAME_START.match(rest[1]):
            return None
        else:
            return f"is not XML: {text[pos:pos + 20]!r} stands before the root element"
        if after is None:
            return False
        pos = after


def prolog_problem(head: bytes, whole: bool) -> str | None:
    """Why a document whose first bytes are `head` must not be parsed, or None.

    `whole` says `head` is the entire document (a short file); otherwise a prolog that does
    not end within `head` is itself refused rather than read on without limit.
    """
    found = _encoding(head)
    if isinstance(found, str):
        return found
    name, skip = found
    decoder = codecs.getincrementaldecoder(name)(errors="strict")
    bad: UnicodeDecodeError | None = None
    try:
        text = decoder.decode(head[skip:], final=whole)
    except UnicodeDecodeError as exc:
        bad = exc
        text = head[skip:skip + exc.start].decode(name, errors="ignore")
    result = _scan(text)
    if result is False and bad is not None:
        return (f"is not in the encoding it declares ({name}): {bad.reason} at byte "
                f"{skip + bad.start} of its prolog")
    if result is False:
        if whole:
            return None
        return (f"has no root element within its first {len(head):,} bytes (comments or "
                "processing instructions that long are refused)")
    return result


def check_xml_file(path: Path) -> str | None:
    """Read the start of an XML file and say why it must not be parsed, or None."""
    with open(path, "rb") as fh:
        head = fh.read(MAX_PROLOG + 1)
    return prolog_problem(head[:MAX_PROLOG], whole=len(head) <= MAX_PROLOG)
