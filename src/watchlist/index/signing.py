"""Signed index artifacts: an HMAC-SHA256 of the manifest, with a key the loader holds.

The manifest's checksums tell damage from a good copy, but whoever can replace the file
(on S3, a shared path) can recompute them. With `WATCHLIST_INDEX_KEY_FILE` set, `index
export` signs the manifest (which names every member's SHA-256) and every loader of an
artifact (`index info`, `screen --engine spark`, its executors) refuses one that is unsigned
or signed with another key: an altered index never screens. Without the variable,
artifacts are written unsigned and loaders take them on their checksums alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from watchlist.keyfile import read_key

ENV_KEY_FILE = "WATCHLIST_INDEX_KEY_FILE"
SIGNATURE = "signature"


def signing_key() -> bytes | None:
    """The key named by WATCHLIST_INDEX_KEY_FILE, or None when it is not set."""
    given = os.environ.get(ENV_KEY_FILE)
    if not given:
        return None
    return read_key(Path(given).expanduser(), "index signing key", ENV_KEY_FILE)


def fingerprint(key: bytes) -> str:
    """A short public name for a key, to tell which key signed an artifact."""
    return hashlib.sha256(b"watchlist index key\0" + key).hexdigest()[:16]


def _digest(key: bytes, manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != SIGNATURE}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(manifest: dict[str, Any], key: bytes) -> dict[str, str]:
    """The signature of a manifest (everything in it but the signature itself)."""
    return {"key": fingerprint(key), "hmac": _digest(key, manifest)}


def signature_problem(manifest: dict[str, Any], key: bytes) -> str | None:
    """Why the manifest is not signed with `key`, or None when it is."""
    given = manifest.get(SIGNATURE)
    if not isinstance(given, dict) or not isinstance(given.get("hmac"), str):
        return "not signed, and this loader holds an index signing key"
    if given.get("key") != fingerprint(key):
        return (f"signed with another key ({str(given.get('key'))[:16]}, not "
                f"{fingerprint(key)})")
    if not hmac.compare_digest(given["hmac"], _digest(key, manifest)):
        return "its signature does not match its manifest (altered after signing)"
    return None
