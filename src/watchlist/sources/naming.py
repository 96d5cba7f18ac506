"""Source ids for users' own lists: the dataset a file names, else its file name.

A user's list must never land in a publisher's source (an FtM file whose entities say
`us_ofac_sdn` would otherwise replace OFAC's list), and an id stays short and plain: it is
shown on every page, typed on the command line and put in URLs.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from rigour.text.translit import ascii_text

from watchlist.sources.registry import SOURCES

#: Longest source id accepted.
MAX_SOURCE_ID = 64
#: Put before a name that would be a publisher's source id, or that does not start with a letter.
OWN_PREFIX = "ftm_"
#: The source of a user's list when nothing better can be found.
FALLBACK = "ftm"
_SOURCE_ID = re.compile(r"[a-z][a-z0-9_-]*")
_LIST_SUFFIXES = {".json", ".jsonl", ".ndjson", ".ftm"}
#: Dataset names quoted in a message, at most.
_SHOWN = 3


def id_problem(name: str) -> str | None:
    """Why a name cannot be a source id (too long, odd characters), or None when it can."""
    if len(name) > MAX_SOURCE_ID:
        return f"is {len(name)} characters long (at most {MAX_SOURCE_ID})"
    if not _SOURCE_ID.fullmatch(name):
        return ("is not a source id (lower-case letters, digits, _ and -, "
                "starting with a letter)")
    return None


def file_source_id(path: Path) -> str:
    """A source id from a file name: `Zala entities.ftm.json` gives `zala_entities`."""
    stem = path.name
    while (suffix := Path(stem).suffix.lower()) in _LIST_SUFFIXES:
        stem = stem[: -len(suffix)]
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text(stem).lower()).strip("_")
    if not slug:
        return FALLBACK
    if not slug[0].isalpha():
        slug = OWN_PREFIX + slug
    return slug[:MAX_SOURCE_ID].rstrip("_")


def publisher_title(name: str, fmt: str) -> str | None:
    """The title of the publisher's list with this id when it does not take `fmt` files."""
    info = SOURCES.get(name)
    return info.title if info is not None and fmt not in info.formats else None


def given_source_problem(name: str, fmt: str) -> str | None:
    """Why a file of format `fmt` cannot be stored under the source id the user gave."""
    problem = id_problem(name)
    if problem is not None:
        return f"the source id {name[:80]!r} {problem}"
    title = publisher_title(name, fmt)
    if title is not None:
        return (f"the source id {name} is the {title}, which a {fmt} file cannot replace; "
                "choose another name")
    return None


def own_source_id(fmt: str, default: str, datasets: Collection[str]) -> tuple[str, list[str]]:
    """The source of a file that names its own dataset, and notes on how it was named.

    Its one dataset when that is a plain id, else `default` (from its file name); a name
    that is a publisher's source id gets the `ftm_` prefix, so the file stands beside that
    list and never replaces it.
    """
    notes: list[str] = []
    name = default
    if len(datasets) == 1:
        dataset = next(iter(datasets))
        problem = id_problem(dataset)
        if problem is None:
            name = dataset
        else:
            notes.append(f"its dataset name {dataset[:80]!r} {problem}; stored as {default}, "
                         "after the file name")
    elif datasets:
        shown = ", ".join(sorted(d[:40] for d in datasets)[:_SHOWN])
        more = ", ..." if len(datasets) > _SHOWN else ""
        notes.append(f"its entities belong to several datasets ({shown}{more}); stored as "
                     f"{default}, after the file name")
    title = publisher_title(name, fmt)
    if title is not None:
        renamed = f"{OWN_PREFIX}{name}"[:MAX_SOURCE_ID].rstrip("_-")
        notes.append(f"{name} is the id of the {title}; stored as {renamed} so that it "
                     "stands beside that list and never replaces it (--source NAME to choose "
                     "another name)")
        name = renamed
    return name, notes
