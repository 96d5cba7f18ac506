"""Reading list files safely: sniffing heads, decoding text, and streaming XML.

XML is parsed with lxml's iterparse with entity resolution, DTD loading and network
access off, and only after `xml_prolog` has read the document's prolog itself and refused
any DOCTYPE, so entity-expansion bombs and external entities (XXE) never reach the parser.
Elements are cleared as they are consumed so a large list does not need its whole tree in
memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from watchlist.errors import SourceError
from watchlist.sources.meter import open_read
from watchlist.sources.xml_prolog import BOMS as _BOMS
from watchlist.sources.xml_prolog import check_xml_file

HEAD_SIZE = 65536


def read_head(path: Path, size: int = HEAD_SIZE) -> bytes:
    """The first bytes of a file, for recognising its format."""
    with open(path, "rb") as fh:
        return fh.read(size)


def head_text(head: bytes) -> str:
    """The head of a file as text, whatever its BOM or encoding, for sniffing only."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(encoding, errors="ignore")
    if len(head) > 4 and head[1:2] == b"\x00" and head[3:4] == b"\x00":
        return head.decode("utf-16-le", errors="ignore")
    if len(head) > 4 and head[0:1] == b"\x00" and head[2:3] == b"\x00":
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")


_HTML = re.compile(r"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
                   re.IGNORECASE | re.DOTALL)


def is_html(head: bytes) -> bool:
    """True when the bytes are a web page (an error or challenge page served as the list)."""
    return bool(_HTML.match(head_text(head)[:4096]))


def xml_root_tag(head: bytes) -> str | None:
    """The local name of the root element of an XML head, or None when it is not XML."""
    text = head_text(head)
    text = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", "", text, flags=re.S)
    m = re.match(r"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)", text)
    return m.group(2) if m else None


def decode_text(data: bytes, file: str) -> tuple[str, str | None]:
    """Decode a text file: BOMs honoured, UTF-8 expected, Windows-1252 as the fallback.

    Returns the text and, if it was not UTF-8, a note saying which encoding was used.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), None
            except UnicodeDecodeError as exc:
                raise SourceError(
                    file, f"has a {encoding} byte-order mark but is not {encoding}: {exc}"
                ) from exc
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    if b"\x00" in data[:4096]:
        raise SourceError(file, "is binary or UTF-16 without a byte-order mark, not a text list")
    return data.decode("cp1252", errors="replace"), "not UTF-8; read as Windows-1252"


def local(tag: object) -> str:
    """An element's tag without its namespace (publishers change namespaces between years)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _parser_kwargs() -> dict[str, object]:
    return dict(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _xml_problem(msg: str) -> str:
    """A plain statement of what an lxml syntax error means for the user."""
    if "UTF-8" in msg or "encoding" in msg.lower() or "Char 0x" in msg:
        return f"is not in the encoding it declares, or holds invalid characters ({msg})"
    truncated = ("Premature end", "not closed", "EndTag", "expected '>'")
    if any(marker in msg for marker in truncated):
        return f"is truncated or malformed XML ({msg})"
    return f"is malformed XML ({msg})"


def _refuse_unsafe(path: Path, name: str) -> None:
    """Refuse, before lxml reads a byte, a document whose prolog declares a DOCTYPE."""
    problem = check_xml_file(path)
    if problem is not None:
        raise SourceError(name, problem)


def iter_xml(path: Path, tags: set[str], file: str | None = None) -> Iterator[etree._Element]:
    """Stream the elements whose local name is in `tags`, each complete, then free them.

    Raises SourceError naming the file for a DOCTYPE (entities), malformed or truncated
    XML, or an empty file. Elements yielded must not be kept after the next iteration.
    """
    name = file or str(path)
    if path.stat().st_size == 0:
        raise SourceError(name, "is empty")
    head = read_head(path, 4096)
    if is_html(head):
        raise SourceError(name, "is an HTML page, not a list (an error page served in its place?)")
    _refuse_unsafe(path, name)
    source = open_read(path)
    events = etree.iterparse(source, events=("start", "end"), **_parser_kwargs())
    checked = False
    depth_stack: list[bool] = []
    try:
        for event, elem in events:
            checked = True
            if event == "start":
                depth_stack.append(local(elem.tag) in tags)
                continue
            wanted = depth_stack.pop()
            if wanted and not any(depth_stack):
                yield elem
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        raise SourceError(name, _xml_problem(str(exc))) from exc
    finally:
        source.close()
    if not checked:
        raise SourceError(name, "holds no XML element")


def xml_root_attrs(path: Path, file: str | None = None) -> tuple[str, dict[str, str]]:
    """The root element's local name and attributes, read from the start of the file only."""
    name = file or str(path)
    _refuse_unsafe(path, name)
    events = etree.iterparse(str(path), events=("start",), **_parser_kwargs())
    try:
        for _event, elem in events:
            return local(elem.tag), {local(k): v for k, v in elem.attrib.items()}
    except etree.XMLSyntaxError as exc:
        raise SourceError(name, _xml_problem(str(exc))) from exc
    raise SourceError(name, "holds no XML element")


def text_of(elem: etree._Element | None) -> str | None:
    """The stripped text of an element with whitespace runs folded, or None if empty."""
    if elem is None or elem.text is None:
        return None
    value = re.sub(r"\s+", " ", elem.text).strip()
    return value or None


def child(elem: etree._Element, name: str) -> etree._Element | None:
    """The first child whose local name is `name` (namespace-agnostic)."""
    for c in elem:
        if local(c.tag) == name:
            return c
    return None


def children(elem: etree._Element, name: str) -> list[etree._Element]:
    """All children whose local name is `name` (namespace-agnostic)."""
    return [c for c in elem if local(c.tag) == name]


def child_text(elem: etree._Element, name: str) -> str | None:
    """The text of the first child named `name`, or None."""
    return text_of(child(elem, name))
