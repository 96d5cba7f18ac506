"""The contract every publisher format implements, and the parse context it writes to.

A format module offers `sniff` (is this file mine, and which source/role is it?) and
`parse` (yield FollowTheMoney entities from a set of files). The context collects the
publisher's date, warnings about bad records, and builds entities with stable ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import EntityProxy, model

from watchlist.errors import SourceError

#: The topic marking the record's own target (the designated party), as OpenSanctions does.
TARGET_TOPIC = "sanction"
#: Longest name accepted; anything longer is not a name but a broken record.
MAX_NAME_LENGTH = 500
#: Longest value of any other property accepted.
MAX_VALUE_LENGTH = 20_000


@dataclass(frozen=True)
class Sniff:
    """What `sniff` recognised in one file."""

    format: str
    source: str
    role: str = "main"


@dataclass
class FileSet:
    """The files that make up one snapshot of one source (one file, or a CSV set)."""

    format: str
    source: str
    files: dict[str, Path]

    @property
    def label(self) -> str:
        """A short, human description naming the files, used in messages."""
        main = self.files.get("main") or next(iter(self.files.values()))
        if len(self.files) == 1:
            return str(main)
        return f"{main.parent}/{{{','.join(sorted(p.name for p in self.files.values()))}}}"


#: Longest id made; longer ones end in a hash (FollowTheMoney refuses ids over 200).
MAX_ID_LENGTH = 120


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z.]+", "-", text.strip()).strip("-.").lower()


def make_id(source: str, *parts: object) -> str:
    """A stable entity id from the source id and the publisher's own reference.

    Only letters, digits, `.` and `-` (what FollowTheMoney accepts in references), so
    `us_ofac_sdn` + `36` gives `us-ofac-sdn-36`; overlong ids end in a hash of the whole.
    """
    slugs = [s for s in (_slug(str(p)) for p in parts if p is not None) if s]
    if not slugs:
        raise ValueError("an entity id needs at least one non-empty part")
    full = "-".join([_slug(source), *slugs])
    if len(full) <= MAX_ID_LENGTH:
        return full
    digest = hashlib.sha1(full.encode("utf-8")).hexdigest()[:16]
    return f"{full[:MAX_ID_LENGTH - 17].rstrip('-.')}-{digest}"


@dataclass
class Context:
    """Collects what a parse learns besides entities, and builds entities.

    `file` names the file in every message. `published` is the publisher's date for the
    snapshot (ISO), where the file carries one; `saw_listing_date` feeds the fallback date.
    `datasets` are the dataset names a file gives its own entities (FollowTheMoney's
    `datasets`), from which its source is named; `notes` concern the file as a whole.
    """

    source: str
    file: str
    published: str | None = None
    warnings: list[str] = field(default_factory=list)
    latest_listing: str | None = None
    max_warnings: int = 1000
    datasets: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def make(self, schema: str) -> EntityProxy:
        """A new, empty entity of the given FollowTheMoney schema."""
        return model.make_entity(schema)

    def make_id(self, *parts: object) -> str:
        """A stable id for an entity of this source from the publisher's reference."""
        return make_id(self.source, *parts)

    def warn(self, ref: object, message: str) -> None:
        """Record a problem with one record; the record is kept with what was valid."""
        if len(self.warnings) < self.max_warnings:
            self.warnings.append(f"{self.file}: record {ref}: {message}")
        elif len(self.warnings) == self.max_warnings:
            self.warnings.append(f"{self.file}: more warnings were dropped")

    def fail(self, message: str) -> SourceError:
        """An error that rejects the whole file; raise what this returns."""
        return SourceError(self.file, message)

    def saw_listing_date(self, iso: str | None) -> None:
        """Note a listing/update date; the newest stands in when the file has no date."""
        if iso and (self.latest_listing is None or iso > self.latest_listing):
            self.latest_listing = iso


SniffFunc = Callable[[Path, bytes], "Sniff | None"]
ParseFunc = Callable[[Context, Mapping[str, Path]], Iterator[EntityProxy]]
AssembleFunc = Callable[[Sequence[tuple[Path, Sniff]]], "tuple[list[FileSet], list[str]]"]


def assemble_single(found: Sequence[tuple[Path, Sniff]]) -> tuple[list[FileSet], list[str]]:
    """Default grouping: every recognised file is a snapshot on its own."""
    return [FileSet(s.format, s.source, {"main": p}) for p, s in found], []


@dataclass(frozen=True)
class Format:
    """One publisher file format: how to recognise it, group its files and parse them.

    `sniff(path, head)` gets the first 64 KiB and returns a Sniff or None.
    `assemble(found)` groups sniffed files into snapshots, returning also messages
    about files that could not be used (e.g. a CSV set missing its primary file).
    `parse(ctx, files)` yields entities; it raises `ctx.fail(...)` for a broken file.
    `passes` is 2 for a parser that reads its whole file before building entities from
    what it read (rows grouped into records), taking those with `meter.in_turn`, so its
    progress counts both passes.
    """

    name: str
    sniff: SniffFunc
    parse: ParseFunc
    assemble: AssembleFunc = assemble_single
    passes: int = 1
