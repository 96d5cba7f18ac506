"""Secret keys kept in files outside the store: read, checked for length, made on demand.

Used for the audit checkpoints' key and the index artifacts' signing key: whoever can
change the store or a shared artifact must not also hold the key that vouches for it.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_KEY_BYTES = 32


class KeyFileError(Exception):
    """A key file that is missing, unreadable or too short (the message says which)."""


def read_key(path: Path, what: str, env_name: str, create: bool = False) -> bytes:
    """The key in `path`; with `create`, a new random one is written (mode 0600) when the
    file does not exist. Processes starting together all end up with the same key."""
    if create and not path.exists():
        create_key(path, what)
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        raise KeyFileError(f"{what} file {path} does not exist (set {env_name})") from None
    except OSError as exc:
        raise KeyFileError(f"{what} file {path} cannot be read: {exc.strerror}") from None
    if len(key) < MIN_KEY_BYTES:
        raise KeyFileError(f"{what} file {path} holds {len(key)} bytes: a key needs at "
                           f"least {MIN_KEY_BYTES} (make one with `openssl rand -hex 32`)")
    return key


def create_key(path: Path, what: str) -> None:
    """Write a key to a private temporary file, then link it into place: the file appears
    whole, and if another process made one meanwhile, that one is kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    except OSError as exc:
        raise KeyFileError(f"{what} file {path} cannot be created: {exc.strerror}") from None
