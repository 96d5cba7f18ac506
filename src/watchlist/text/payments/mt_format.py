"""SWIFT FIN message text (the MT format), whatever the message type: a file split into
messages, a message into its {1:}{2:}{3:}{4:...-}{5:} blocks, the sender, receiver and
type its headers name, and block 4 read into (and written from) its tagged fields.

What each field means is the message type's business (`mt103`): the caller names the
type and passes its table of fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from watchlist.text.payments.codes import bic_problem
from watchlist.text.payments.model import PaymentError

_BLOCK_HEAD = re.compile(r"\{([1-5S]):")
_BLOCK4_END = re.compile(r"\r?\n-\}")
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")


@dataclass(frozen=True)
class Field:
    """One field of block 4: its tag, its value (lines joined by newlines) and the line of
    block 4 it starts on."""

    tag: str
    value: str
    line: int = 0

    @property
    def lines(self) -> list[str]:
        return self.value.split("\n")


@dataclass(frozen=True)
class Header:
    """What blocks 1 to 3 of a full message say: its direction (input or output) and type,
    the BICs of its sender and receiver with the block each is named in, and the fields
    of the user header ({3:{121:...}}) in order."""

    direction: str
    message_type: str
    sender: str
    receiver: str
    sender_block: str
    receiver_block: str
    user: tuple[tuple[str, str], ...]


def split_messages(text: str) -> list[str]:
    """The messages of a file: split at each `{1:` block, or at `$` lines (a common
    separator in batch files); a file of block-4 text alone is one message."""
    text = text.lstrip("\ufeff")
    parts = [p for p in re.split(r"(?m)^\s*\$\s*$|\$(?=\s*\{1:)", text) if p.strip()]
    messages: list[str] = []
    for part in parts:
        starts = [m.start() for m in re.finditer(r"\{1:", part)]
        if len(starts) <= 1:
            messages.append(part.strip())
            continue
        if part[:starts[0]].strip():
            messages.append(part[:starts[0]].strip())
        for a, b in zip(starts, [*starts[1:], len(part)], strict=True):
            messages.append(part[a:b].strip())
    return messages


def read_blocks(text: str, source: str) -> dict[str, str]:
    """The blocks {n:...} of a full message by number; block 4 up to its `-}`."""
    blocks: dict[str, str] = {}
    pos = 0
    length = len(text)
    while pos < length:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            break
        head = _BLOCK_HEAD.match(text, pos)
        if head is None:
            raise PaymentError(source, None, f"expected a block such as {{4: at character "
                               f"{pos + 1}, found {text[pos:pos + 12]!r}")
        number = head.group(1)
        if number in blocks:
            raise PaymentError(source, None, f"block {{{number}:}} appears twice")
        start = head.end()
        if number == "4":
            end = _BLOCK4_END.search(text, start)
            if end is None:
                raise PaymentError(source, None, "block 4 does not end with a line '-}' (the "
                                   "message is truncated?)")
            blocks[number] = text[start:end.start()]
            pos = end.end()
            continue
        depth, i = 1, start
        while i < length and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if depth:
            raise PaymentError(source, None, f"block {{{number}:}} is not closed with '}}' "
                               "(the message is truncated?)")
        blocks[number] = text[start:i - 1]
        pos = i
    return blocks


def block4_of(text: str, source: str, message: str) -> tuple[str, dict[str, str]]:
    """The text of block 4 of a full message (or of block-4 text), and the blocks; `message`
    names the type expected (e.g. MT103) when the text is neither."""
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{1:"):
        blocks = read_blocks(stripped, source)
        if "4" not in blocks:
            raise PaymentError(source, "block 4", "is missing: the message has no text block")
        return blocks["4"], blocks
    if stripped.startswith("{4:"):
        return read_blocks(stripped, source)["4"], {}
    if stripped.startswith(":"):
        return stripped, {}
    raise PaymentError(source, None, f"is not an {message}: it starts with {stripped[:20]!r}, "
                       "not {1: or a field tag such as :20:")


def read_fields(text: str, source: str, table: Mapping[str, tuple[str, bool]],
                message: str) -> list[Field]:
    """The fields of block 4 text (`:20:REF` lines and their continuation lines), in order.

    `table` maps each tag the message type may carry to (field group, repeatable). Unknown
    tags, text before the first tag and a non-repeatable field given twice are errors
    naming the field."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and lines[-1].strip() == "-":
        lines.pop()
    fields: list[Field] = []
    tag: str | None = None
    value: list[str] = []
    first = 0
    for number, line in enumerate(lines, 1):
        match = _TAG_LINE.match(line)
        if match:
            if tag is not None:
                fields.append(Field(tag, "\n".join(value), first))
            tag, value, first = match.group(1), [match.group(2)], number
            if tag not in table:
                raise PaymentError(source, tag, f"is not a field of an {message} (line "
                                   f"{number})")
            continue
        if tag is None:
            if not line.strip():
                continue
            raise PaymentError(source, None, f"block 4 must start with a field tag such as "
                               f":20:, found {line[:40]!r}")
        value.append(line)
    if tag is not None:
        fields.append(Field(tag, "\n".join(value), first))
    seen: dict[str, str] = {}
    for f in fields:
        group, repeatable = table[f.tag]
        if group in seen and not repeatable:
            other = seen[group]
            again = "appears twice" if other == f.tag else f"is given as well as {other}"
            raise PaymentError(source, f.tag, f"{again}; the field may appear once")
        seen[group] = f.tag
    return fields


def format_block4(fields: list[Field]) -> str:
    """Block 4 text of these fields (CRLF lines, ending with `-`): what `read_fields` reads."""
    return "".join(f":{f.tag}:{f.value.replace(chr(10), chr(13) + chr(10))}\r\n"
                   for f in fields) + "-"


def _lt_bic(source: str, block: str, lt: str) -> str:
    """The BIC of a logical terminal address (BIC8, terminal letter, branch)."""
    bic = lt[:8] + ("" if lt[9:12] == "XXX" else lt[9:12])
    problem = bic_problem(bic)
    if problem:
        raise PaymentError(source, f"block {block}", f"address {lt!r}: {problem}")
    return bic


def read_header(source: str, blocks: dict[str, str], expected: str) -> Header:
    """The header of a full message (blocks 1, 2 and 3), checked; a message of another type
    than `expected` (e.g. 103) is refused."""
    basic = blocks.get("1")
    if basic is None:
        raise PaymentError(source, "block 1", "is missing (a full message starts with {1:)")
    match = re.fullmatch(r"\s*([FAL])(\d{2})([A-Z0-9]{12})(\d{4})?(\d{6})?\s*", basic)
    if match is None:
        raise PaymentError(source, "block 1", f"{basic[:40]!r} is not a basic header "
                           "(F01 + 12-character terminal address + session + sequence)")
    block1_bic = _lt_bic(source, "1", match.group(3))
    app = blocks.get("2")
    if app is None:
        raise PaymentError(source, "block 2", "is missing: the message type is not known")
    app = app.strip()
    io = app[:1]
    message_type = app[1:4]
    if io not in ("I", "O") or not message_type.isdigit():
        raise PaymentError(source, "block 2", f"{app[:20]!r} is not an application header "
                           "(I or O, then the message type)")
    if message_type != expected:
        raise PaymentError(source, "block 2", f"the message is an MT{message_type}, not an "
                           f"MT{expected}")
    if io == "I":
        lt = app[4:16]
        if not re.fullmatch(r"[A-Z0-9]{12}", lt):
            raise PaymentError(source, "block 2", f"receiver address {lt!r} is not 12 "
                               "characters")
        sender, receiver = block1_bic, _lt_bic(source, "2", lt)
    else:
        mir = app[8:36]
        if not re.fullmatch(r"\d{6}[A-Z0-9]{12}\d{10}", mir):
            raise PaymentError(source, "block 2", f"output header {app[:40]!r} has no valid "
                               "message input reference")
        sender, receiver = _lt_bic(source, "2", mir[6:18]), block1_bic
    user = blocks.get("3") or ""
    return Header(direction="input" if io == "I" else "output", message_type=message_type,
                  sender=sender, receiver=receiver, sender_block="1" if io == "I" else "2",
                  receiver_block="2" if io == "I" else "1",
                  user=tuple(re.findall(r"\{(\d{3}):([^{}]*)\}", user)))
