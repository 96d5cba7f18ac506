"""The dated list snapshots shipped inside the package (`watchlist/bundled/`).

They let a machine that cannot reach the publishers screen at all; they are imported only
when asked (`watchlist update --bundled`) or when `watchlist update` finds a publisher
unreachable and the store holds nothing of that list, and are marked as such in the store.
Each file is the publisher's own, xz-compressed, so the store keeps its real bytes and sha256.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from watchlist.errors import SourceError

BUNDLE_DIR = Path(__file__).resolve().parent.parent / "bundled"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BundledFile:
    """One publisher file in the bundle: its own name, where it is packed, its size and hash."""

    name: str
    packed: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BundledList:
    """A dated snapshot of one source, with where it came from and its licence."""

    source: str
    title: str
    publisher: str
    snapshot_date: str
    date_basis: str
    files: tuple[BundledFile, ...]
    official_urls: tuple[str, ...]
    copied_from: str
    licence: str
    attribution: str
    choice: str
    stands_in_for: tuple[str, ...] = ()
    url_note: str = ""

    def serves_for(self, source_id: str) -> bool:
        """True when this snapshot answers for `source_id` (its own, or one it stands in for)."""
        return source_id == self.source or source_id in self.stands_in_for


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SourceError(where, f"field {key!r} must be a non-empty text")
    return value


def _texts(entry: dict[str, Any], key: str, where: str, required: bool = True) -> tuple[str, ...]:
    value = entry.get(key, [] if not required else None)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or (
            required and not value):
        raise SourceError(where, f"field {key!r} must be a list of texts")
    return tuple(value)


def _file(item: Any, where: str) -> BundledFile:
    if not isinstance(item, dict):
        raise SourceError(where, "each of 'files' must be an object")
    size = item.get("size")
    if not isinstance(size, int) or size <= 0:
        raise SourceError(where, "field 'size' of a file must be a positive whole number")
    sha = _text(item, "sha256", where)
    if len(sha) != 64:
        raise SourceError(where, f"field 'sha256' of {item.get('name')!r} is not a SHA-256")
    return BundledFile(_text(item, "name", where), _text(item, "packed", where), size, sha)


def parse_manifest(data: Any, where: str = MANIFEST) -> tuple[BundledList, ...]:
    """The bundled lists a manifest describes; SourceError naming the field that is wrong."""
    if not isinstance(data, dict) or not isinstance(data.get("lists"), list):
        raise SourceError(where, "must be an object with a 'lists' array")
    found = []
    for n, entry in enumerate(data["lists"]):
        at = f"{where}, lists[{n}]"
        if not isinstance(entry, dict):
            raise SourceError(at, "must be an object")
        files = entry.get("files")
        if not isinstance(files, list) or not files:
            raise SourceError(at, "field 'files' must be a non-empty list")
        date = _text(entry, "snapshot_date", at)
        if len(date) != 10 or date[4] != "-" or date[7] != "-":
            raise SourceError(at, f"field 'snapshot_date' is not YYYY-MM-DD: {date!r}")
        found.append(BundledList(
            source=_text(entry, "source", at), title=_text(entry, "title", at),
            publisher=_text(entry, "publisher", at), snapshot_date=date,
            date_basis=_text(entry, "date_basis", at),
            files=tuple(_file(item, at) for item in files),
            official_urls=_texts(entry, "official_urls", at),
            copied_from=_text(entry, "copied_from", at), licence=_text(entry, "licence", at),
            attribution=_text(entry, "attribution", at), choice=_text(entry, "choice", at),
            stands_in_for=_texts(entry, "stands_in_for", at, required=False),
            url_note=str(entry.get("url_note") or ""),
        ))
    return tuple(found)


def bundled_lists(directory: Path | None = None) -> tuple[BundledList, ...]:
    """Every snapshot in the bundle (`BUNDLE_DIR` by default; none when it is absent)."""
    return _load(directory or BUNDLE_DIR)


@cache
def _load(directory: Path) -> tuple[BundledList, ...]:
    path = directory / MANIFEST
    if not path.is_file():
        return ()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SourceError(str(path), f"could not be read: {exc}") from None
    return parse_manifest(data, str(path))


def bundled_for(source_id: str, directory: Path | None = None) -> BundledList | None:
    """The snapshot answering for a source, its own before one that stands in for it."""
    lists = bundled_lists(directory)
    return (next((b for b in lists if b.source == source_id), None)
            or next((b for b in lists if b.serves_for(source_id)), None))


def unpack(entry: BundledList, dest: Path, directory: Path | None = None) -> dict[str, Path]:
    """Decompress a snapshot's files into `dest` under their own names, each checked against
    the manifest's size and sha256; SourceError naming the file otherwise."""
    dest.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for item in entry.files:
        packed = (directory or BUNDLE_DIR) / item.packed
        try:
            data = lzma.decompress(packed.read_bytes())
        except (OSError, lzma.LZMAError) as exc:
            raise SourceError(str(packed), f"bundled file could not be read: {exc}") from None
        if len(data) != item.size or hashlib.sha256(data).hexdigest() != item.sha256:
            raise SourceError(str(packed), "bundled file does not match its manifest entry "
                                           "(size or sha256 differ): the package is damaged")
        target = dest / item.name
        target.write_bytes(data)
        paths[item.name] = target
    return paths
