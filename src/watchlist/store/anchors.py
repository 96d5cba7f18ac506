"""Checkpoints of the audit log kept outside the store, so what the chain alone cannot show
is caught: entries deleted from the end with the head rewritten, emptied tables, a store
rolled back to an older copy, a chain recomputed after an edit.

A checkpoint records the store, the log's last entry number and hash, and the time, signed
(HMAC-SHA256) with a key the store does not hold: a file named by WATCHLIST_AUDIT_KEY_FILE
(default `audit-anchor.key` in the watchlist home), made with mode 0600 on first use.
Checkpoints go to the operator's anchors path (WATCHLIST_AUDIT_ANCHORS or `--anchors`): a
file gets one JSON line per checkpoint appended, a directory one file per checkpoint.
`verify_anchors` checks every checkpoint's signature and that the log still holds each
checkpointed entry with the same hash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from watchlist import config
from watchlist.errors import StoreError, WatchlistError
from watchlist.keyfile import KeyFileError, read_key
from watchlist.store.audit import (
    GENESIS,
    Verification,
    audit_head,
    audit_log,
    canonical_json,
    ensure_tables,
    verify_audit,
)
from watchlist.store.store import Store

ENV_ANCHORS = "WATCHLIST_AUDIT_ANCHORS"
ENV_KEY_FILE = "WATCHLIST_AUDIT_KEY_FILE"
KEY_FILE_NAME = "audit-anchor.key"
#: Shortest key accepted from a file the operator gives (a made key is 64 hex characters).
FORMAT = 1
_FIELDS = ("v", "store", "seq", "hash", "at", "key", "sig")
_HEX = frozenset("0123456789abcdef")


class AnchorError(WatchlistError):
    """The key or the anchors path cannot be used: names the file and the problem."""


@dataclass(frozen=True)
class Checkpoint:
    """The log's head at one moment, signed: `seq` entries, the last one's `hash`."""

    store: str
    seq: int
    hash: str
    at: str
    key: str
    sig: str

    def signed(self) -> dict[str, Any]:
        """What the signature covers: everything but itself."""
        return {"v": FORMAT, "store": self.store, "seq": self.seq, "hash": self.hash,
                "at": self.at, "key": self.key}

    def to_line(self) -> str:
        """One line of JSON: what anchors files hold, and the printable form."""
        return canonical_json({**self.signed(), "sig": self.sig})


@dataclass(frozen=True)
class Located:
    """A checkpoint read from the anchors, with where it was read (file and line)."""

    checkpoint: Checkpoint
    where: str


@dataclass(frozen=True)
class AnchoredVerification:
    """The chain's verification, and what the checkpoints found wrong with it."""

    chain: Verification
    checkpoints: int
    last: Located | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


# -- the key --------------------------------------------------------------------------------


def key_path() -> Path:
    """The signing key's file: WATCHLIST_AUDIT_KEY_FILE, else in the watchlist home."""
    given = os.environ.get(ENV_KEY_FILE)
    return Path(given).expanduser() if given else config.home() / KEY_FILE_NAME


def load_key(path: Path | None = None, create: bool = False) -> bytes:
    """The signing key; with `create`, a new random one is written (mode 0600) when the file
    does not exist. Processes starting together all end up with the same key."""
    path = path or key_path()
    try:
        return read_key(path, "audit key", ENV_KEY_FILE, create=create)
    except KeyFileError as exc:
        missing = not path.exists() and not create
        hint = (": checkpoints cannot be checked without the key that signed them"
                if missing else "")
        raise AnchorError(f"{exc}{hint}") from None


def key_fingerprint(key: bytes) -> str:
    """A short name for a key, to tell checkpoints signed with another key apart."""
    return hashlib.sha256(b"watchlist audit anchor key\0" + key).hexdigest()[:16]


def _signature(key: bytes, body: dict[str, Any]) -> str:
    return hmac.new(key, canonical_json(body).encode("utf-8"), hashlib.sha256).hexdigest()


# -- making checkpoints -----------------------------------------------------------------


def store_identity(store: Store) -> str:
    """The store a checkpoint was made of, for people reading it: its URL without password."""
    return store.engine.url.set(password=None).render_as_string(hide_password=False)


def read_head(store: Store, at_seq: int | None = None) -> tuple[int, str, str | None]:
    """The log's last entry number and hash, checked against the head row, in one statement
    (one snapshot, even while others append); and the hash of entry `at_seq` when given
    (None when there is no such entry). Raises StoreError when the head and the last entry
    disagree: such a log is not checkpointed."""
    ensure_tables(store)
    head = select(audit_head.c.seq).where(audit_head.c.id == 1).scalar_subquery()
    head_hash = select(audit_head.c.hash).where(audit_head.c.id == 1).scalar_subquery()
    last = select(func.max(audit_log.c.seq)).scalar_subquery()
    last_hash = select(audit_log.c.hash).where(audit_log.c.seq == last).scalar_subquery()
    at_hash = select(audit_log.c.hash).where(audit_log.c.seq == (at_seq or 0)) \
        .scalar_subquery()
    with store.engine.connect() as conn:
        row = conn.execute(select(head.label("head"), head_hash.label("head_hash"),
                                  last.label("last"), last_hash.label("last_hash"),
                                  at_hash.label("at_hash"))).one()
    seq, digest = (row.head, row.head_hash) if row.head is not None else (0, GENESIS)
    if (row.last or 0) != seq or (row.last is not None and row.last_hash != digest):
        raise StoreError(f"the audit log's head (entry {seq}) does not match its last entry "
                         f"({row.last or 0}): the log or its head was edited; run "
                         "`watchlist audit verify`")
    wanted = GENESIS if at_seq == 0 else row.at_hash
    return seq, digest, wanted


def make_checkpoint(store: Store, key: bytes, at: str | None = None) -> Checkpoint:
    """A signed checkpoint of the log's head now."""
    seq, digest, _ = read_head(store)
    return sign_checkpoint(key, store_identity(store), seq, digest, at)


def sign_checkpoint(key: bytes, store: str, seq: int, digest: str,
                    at: str | None = None) -> Checkpoint:
    """A checkpoint of `seq` entries ending in `digest`, signed with `key` (at `at`, or now)."""
    unsigned = Checkpoint(store, seq, digest, at or datetime.now(UTC).isoformat(
        timespec="seconds"), key_fingerprint(key), "")
    return replace(unsigned, sig=_signature(key, unsigned.signed()))


def anchors_path(given: str | Path | None = None) -> Path | None:
    """Where checkpoints go: `given`, else WATCHLIST_AUDIT_ANCHORS, else None (no anchors)."""
    value = str(given) if given else os.environ.get(ENV_ANCHORS, "")
    return Path(value).expanduser() if value.strip() else None


def check_anchors_path(path: Path) -> None:
    """Refuse, naming it, an anchors path no checkpoint could be written to."""
    if not path.exists() and not path.parent.is_dir():
        raise AnchorError(f"audit anchors {path}: its directory {path.parent} does not exist")
    if path.exists() and not (path.is_dir() or path.is_file()):
        raise AnchorError(f"audit anchors {path} is neither a file nor a directory")


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> Path:
    """Append the checkpoint to the anchors file (one line, one write, synced to disk), or
    write it as a new file in the anchors directory; returns the file written."""
    line = (checkpoint.to_line() + "\n").encode("utf-8")
    if path.is_dir():
        target = path / f"checkpoint-{checkpoint.seq:012d}-{checkpoint.sig[:16]}.json"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    else:
        target = path
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    try:
        fd = os.open(target, flags, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise AnchorError(f"cannot write the audit checkpoint to {target}: "
                          f"{exc.strerror}") from None
    return target


# -- reading and checking them ----------------------------------------------------------


def _lines(path: Path) -> Iterator[tuple[str, str]]:
    """(where, line) of every non-blank line of the anchors file, or of each file of the
    anchors directory in name order."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    elif path.is_file():
        files = [path]
    else:
        raise AnchorError(f"audit anchors {path} do not exist (no checkpoint was written "
                          "there: check the path)")
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield f"{file}", f"\0cannot be read: {exc}"
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield f"{file} line {number}", line


def _hex64(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def parse_checkpoint(line: str, key: bytes) -> Checkpoint:
    """A checkpoint from its line, its signature checked; ValueError saying what is wrong."""
    if line.startswith("\0"):
        raise ValueError(line[1:])
    try:
        data = json.loads(line)
    except ValueError:
        raise ValueError("is not a checkpoint (not JSON): tampered with") from None
    if not isinstance(data, dict) or sorted(data) != sorted(_FIELDS):
        raise ValueError("is not a checkpoint (its fields are not "
                         f"{', '.join(_FIELDS)}): tampered with")
    if (data["v"] != FORMAT or not isinstance(data["seq"], int) or isinstance(data["seq"], bool)
            or data["seq"] < 0 or not _hex64(data["hash"]) or not _hex64(data["sig"])
            or not isinstance(data["store"], str) or not isinstance(data["at"], str)
            or not isinstance(data["key"], str)):
        raise ValueError("is not a well-formed checkpoint: tampered with")
    checkpoint = Checkpoint(data["store"], data["seq"], data["hash"], data["at"], data["key"],
                            data["sig"])
    if not hmac.compare_digest(_signature(key, checkpoint.signed()), checkpoint.sig):
        other = (f"; it names key {checkpoint.key}, this key is {key_fingerprint(key)}"
                 if checkpoint.key != key_fingerprint(key) else "")
        raise ValueError(f"checkpoint of entry {checkpoint.seq} ({checkpoint.at}) has a bad "
                         f"signature: it was forged or altered{other}")
    return checkpoint


def read_checkpoints(path: Path, key: bytes) -> tuple[list[Located], list[str]]:
    """The well-signed checkpoints at `path`, and a problem for each one that is not."""
    found: list[Located] = []
    problems: list[str] = []
    for where, line in _lines(path):
        try:
            found.append(Located(parse_checkpoint(line, key), where))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
    return found, problems


def latest(checkpoints: list[Located]) -> Located | None:
    """The checkpoint of the longest log (the last written among equals)."""
    best: Located | None = None
    for located in checkpoints:
        if best is None or located.checkpoint.seq >= best.checkpoint.seq:
            best = located
    return best


def verify_anchors(store: Store, path: Path, key: bytes) -> AnchoredVerification:
    """Verify the chain and check it against every checkpoint at `path`: each must be well
    signed, and the log must still hold each checkpointed entry with the same hash."""
    checkpoints, problems = read_checkpoints(path, key)
    chain = verify_audit(store, collect={c.checkpoint.seq for c in checkpoints})
    last = latest(checkpoints)
    identity = store_identity(store)

    def of_store(cp: Checkpoint) -> str:
        return "" if cp.store == identity else f" (it was made of the store {cp.store})"

    if chain.ok and last is not None and last.checkpoint.seq > chain.head_seq:
        problems.append(_shortened(chain, last) + of_store(last.checkpoint))
    rewritten = [c for c in checkpoints if c.checkpoint.seq in chain.hashes
                 and chain.hashes[c.checkpoint.seq] != c.checkpoint.hash]
    if rewritten:
        first = min(rewritten, key=lambda c: c.checkpoint.seq)
        cp = first.checkpoint
        others = len(rewritten) - 1
        problems.append(
            f"entry {cp.seq} is not the one checkpointed at {cp.at} ({first.where}): its "
            f"hash is {chain.hashes[cp.seq][:16]}, the checkpoint's {cp.hash[:16]}; entries "
            f"up to {cp.seq} were rewritten, or the store was rolled back and written again"
            + (f" ({others} later checkpoints disagree too)" if others else "")
            + of_store(cp))
    return AnchoredVerification(chain, len(checkpoints), last, problems)


def _shortened(chain: Verification, last: Located) -> str:
    cp = last.checkpoint
    if chain.head_seq == 0:
        return (f"the log is empty but the checkpoint of {cp.at} ({last.where}) recorded "
                f"{cp.seq} entries: the log's tables were emptied, or the store replaced")
    return (f"the log ends at entry {chain.head_seq} but the checkpoint of {cp.at} "
            f"({last.where}) recorded {cp.seq} entries: entries {chain.head_seq + 1} to "
            f"{cp.seq} were deleted (truncation), or the store was rolled back to an older "
            "copy")


def latest_written(path: Path, key: bytes) -> Checkpoint | None:
    """The latest well-signed checkpoint at `path` (None when there is none yet)."""
    if not path.exists():
        return None
    found = latest(read_checkpoints(path, key)[0])
    return found.checkpoint if found else None


def check_before_signing(store: Store, previous: Checkpoint | None) -> tuple[int, str]:
    """The log's head, if it still extends `previous` (the last checkpoint written): never
    sign a log that shrank or changed since. StoreError naming the problem otherwise."""
    at = previous.seq if previous is not None else None
    seq, digest, at_hash = read_head(store, at)
    if previous is None:
        return seq, digest
    if seq < previous.seq:
        raise StoreError(f"the audit log has {seq} entries, fewer than the {previous.seq} of "
                         f"its checkpoint of {previous.at}: entries were deleted or the store "
                         "rolled back; not checkpointing (run `watchlist audit verify`)")
    if at_hash != previous.hash:
        raise StoreError(f"audit entry {previous.seq} is no longer the one checkpointed at "
                         f"{previous.at}: the log was rewritten; not checkpointing (run "
                         "`watchlist audit verify`)")
    return seq, digest
