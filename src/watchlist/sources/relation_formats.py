"""Recognising a file of relations by its content, among the user's ownership formats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from watchlist.errors import SourceError
from watchlist.sources import ftm_ownership, gleif_rr, ownership_csv, psc
from watchlist.sources.relations import Relation


def formats() -> list[ModuleType]:
    """The modules of the user's ownership formats, in the order they are tried."""
    return [gleif_rr, psc, ftm_ownership, ownership_csv]


def read_relations(path: Path) -> tuple[str, Iterator[Relation]]:
    """The format of a file of relations, judged from its content, and its relations."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise SourceError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    if not head.strip():
        raise SourceError(str(path), "is empty")
    for module in formats():
        if module.sniff(head):
            return module.FORMAT, module.parse(path)
    raise SourceError(str(path), "is not a file of relations watchlist knows: a CSV with "
                      "the columns owner,owned,share, FollowTheMoney Ownership or "
                      "Directorship entities, GLEIF relationship records (RR-CDF) or UK "
                      "PSC snapshot records")
