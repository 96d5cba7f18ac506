"""The signature on every webhook request: HMAC-SHA256 of `<timestamp>.<body>` with the
webhook's secret, sent as `X-Watchlist-Signature: t=<timestamp>,v1=<hex>`. The timestamp
in the signed text lets a receiver refuse replays of old requests."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Watchlist-Signature"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, tolerance: float = 300.0,
           now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret`, sent within `tolerance` seconds of now:
    what a receiver checks before trusting a payload."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        return False
    now = time.time() if now is None else now
    if abs(now - int(stamp)) > tolerance:
        return False
    expected = sign(secret, body, int(stamp)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, given)
