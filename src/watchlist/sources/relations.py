"""Relations of ownership and control as the user's files state them, and what their
formats share: the relation type, reading a share, and recognising the format of a file.

Each format is a module of its own (`ownership_csv`, `ftm_ownership`, `gleif_rr`, `psc`,
recognised by `relation_formats`);
a file is refused whole, with every problem named by file, line and field, rather than
imported in part (a missing line could hide a blocked party)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchlist.errors import SourceError

OWNERSHIP = "ownership"
CONTROL = "control"
LINKED = "linked"
KINDS = (OWNERSHIP, CONTROL, LINKED)
#: Added to a band's lower bound the band excludes ("more than 50%"), so a rule needing
#: more than 50% is met by it; too small to show in any share reported.
EXCLUSIVE = 1e-6
#: Problems listed in one error at most; the rest are counted.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Relation:
    """One stated relation: `owner` owns (a share from `low` to `high` percent) or controls
    `owned`. Each side is an id (a list entity id, or the user's own) or, failing that, a
    name. A single figure has low == high; an unknown share has both None."""

    owner: str
    owned: str
    kind: str = OWNERSHIP
    low: float | None = None
    high: float | None = None
    source: str = ""
    as_of: str = ""
    owner_name: str = ""
    owned_name: str = ""

    @property
    def share_text(self) -> str:
        """The share as a reader sees it: "55%", "50-75%", "unknown"."""
        if self.low is None:
            return "unknown"
        if self.high is None or round(self.high, 4) == round(self.low, 4):
            return f"{self.low:g}%"
        return f"{self.low:g}-{self.high:g}%"


class Problems:
    """The problems found in one file, raised together as one error."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.found.append(f"{where}: {problem}")

    def raise_any(self) -> None:
        if not self.found:
            return
        shown = self.found[:MAX_PROBLEMS]
        more = len(self.found) - len(shown)
        text = "\n  ".join(shown) + (f"\n  ... and {more} more" if more else "")
        raise SourceError(self.file, f"{len(self.found)} problem"
                          f"{'s' if len(self.found) != 1 else ''}, nothing imported:\n  {text}")


def json_lines(path: Path, problems: Problems) -> Iterator[tuple[int, Any]]:
    """(line number, value) of each non-blank line of a JSON-lines file; a line that is not
    JSON is a problem named by its number, a file that is not UTF-8 an error."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise SourceError(str(path), f"is not UTF-8 text (byte {exc.start})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.add(f"line {number}", f"is not JSON ({exc.msg})")


_NUMBER = r"\d+(?:\.\d+)?"
_SHARE = re.compile(rf"^({_NUMBER})\s*%?$")
_BAND = re.compile(rf"^({_NUMBER})\s*%?\s*(?:-|–|to)\s*({_NUMBER})\s*%?$", re.IGNORECASE)


def parse_share(text: str) -> tuple[float | None, float | None]:
    """A percentage ("55", "55%", "12.5") or a band ("50-75", "50% to 75%") as (low, high);
    empty or "unknown" as (None, None). Raises ValueError saying what is wrong."""
    value = text.strip()
    if not value or value.lower() in {"unknown", "?", "n/a"}:
        return None, None
    found = _SHARE.match(value)
    if found:
        low = high = float(found.group(1))
    elif (band := _BAND.match(value)) is not None:
        low, high = float(band.group(1)), float(band.group(2))
        if low > high:
            raise ValueError(f"band {value!r} runs downwards")
    else:
        raise ValueError(f"{value!r} is not a percentage (55, 55%, 12.5) or a band (50-75)")
    if high > 100:
        raise ValueError(f"{value!r} is more than 100%")
    return low, high
