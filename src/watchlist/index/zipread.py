"""Reading the members of an index ZIP file within fixed bounds, so a crafted file (a
member declaring or inflating to gigabytes, thousands of members) is refused in
milliseconds rather than filling memory.

Before anything is inflated, the number of members, each member's declared size and
compression ratio, and the total are checked; each member is then read with a cap, so a
header that lies about the size cannot make a read exceed it either.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from watchlist.errors import WatchlistError

__all__ = ["LIMITS", "Limits", "ZipLimitError", "read_members"]

_MIB = 1 << 20


class ZipLimitError(WatchlistError):
    """A ZIP member that may not be read: too large, too compressed, too many, damaged."""


@dataclass(frozen=True)
class Limits:
    """What an index file may hold."""

    #: Members in the file (an index has 18, an artifact one more).
    members: int = 64
    #: Bytes of the manifest once inflated.
    manifest: int = _MIB
    #: Bytes of all members together once inflated (WATCHLIST_INDEX_MAX_MB).
    total: int = 2048 * _MIB
    #: Inflated over compressed size, for a member of more than `ratio_from` bytes.
    ratio: int = 100
    ratio_from: int = _MIB


def limits() -> Limits:
    """The limits, with the total taken from WATCHLIST_INDEX_MAX_MB when set."""
    raw = os.environ.get("WATCHLIST_INDEX_MAX_MB", "").strip()
    if not raw:
        return LIMITS
    try:
        mb = int(raw)
    except ValueError:
        raise ZipLimitError(f"WATCHLIST_INDEX_MAX_MB={raw!r}: not a whole number of MB"
                            ) from None
    if mb <= 0:
        raise ZipLimitError(f"WATCHLIST_INDEX_MAX_MB={raw!r}: must be above 0")
    return Limits(total=mb * _MIB)


LIMITS = Limits()


def _mb(count: int) -> str:
    return f"{count / _MIB:,.1f} MiB" if count >= _MIB else f"{count:,} bytes"


def check_declared(archive: zipfile.ZipFile, where: str, caps: dict[str, int],
                   bound: Limits) -> None:
    """Refuse, before inflating anything, a file whose members cannot be an index's."""
    infos = archive.infolist()
    if len(infos) > bound.members:
        raise ZipLimitError(f"{where}: holds {len(infos):,} members, more than the "
                            f"{bound.members} an index file may have")
    total = 0
    for info in infos:
        cap = caps.get(info.filename, bound.total)
        if info.file_size > cap:
            raise ZipLimitError(f"{where}: member {info.filename} declares "
                                f"{_mb(info.file_size)}, more than the {_mb(cap)} it may have")
        if (info.file_size > bound.ratio_from
                and info.file_size > bound.ratio * max(info.compress_size, 1)):
            raise ZipLimitError(
                f"{where}: member {info.filename} inflates {_mb(info.compress_size)} to "
                f"{_mb(info.file_size)}, more than {bound.ratio} times (a ZIP bomb?)")
        total += info.file_size
    if total > bound.total:
        raise ZipLimitError(f"{where}: members declare {_mb(total)} in all, more than the "
                            f"{_mb(bound.total)} an index may have (WATCHLIST_INDEX_MAX_MB)")


def read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    """One member, never more than its declared size (already checked against the caps)."""
    info = archive.getinfo(name)
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
            extra = handle.read(1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError
            ) as exc:
        raise ZipLimitError(f"{where}: member {name} is corrupt: it does not match its header "
                            f"(damaged, or larger than the {_mb(info.file_size)} declared; "
                            f"{exc})") from None
    if len(data) != info.file_size or extra:
        raise ZipLimitError(f"{where}: member {name} does not hold the {_mb(info.file_size)} "
                            "its header declares")
    return data


def read_members(archive: zipfile.ZipFile, where: str, names: Iterable[str],
                 caps: dict[str, int] | None = None, bound: Limits | None = None
                 ) -> dict[str, bytes]:
    """The named members of an archive (all of which must be there), within the limits;
    `caps` gives a smaller size limit for some members."""
    bound = bound or limits()
    check_declared(archive, where, caps or {}, bound)
    present = set(archive.namelist())
    out: dict[str, bytes] = {}
    for name in names:
        if name not in present:
            raise ZipLimitError(f"{where}: member {name} is missing")
        out[name] = read_member(archive, name, where)
    return out
