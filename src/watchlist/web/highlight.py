"""A scanned text cut into plain runs and mentions, for the page to mark up (escaped by
the template like any other text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Piece:
    """A run of the text: plain (`mention` None) or a mention (its number on the page)."""

    text: str
    mention: int | None = None


def pieces(text: str, mentions: list[Any]) -> list[Piece]:
    """The text in order, each mention once; a mention overlapping an earlier one is left
    unmarked (the earlier, found first in reading order, keeps the words)."""
    out: list[Piece] = []
    at = 0
    for number, mention in enumerate(mentions):
        start, end = int(mention.start), int(mention.end)
        if start < at or end <= start or end > len(text):
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], number))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out
