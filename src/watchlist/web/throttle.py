"""A limit on failed sign-ins per client address, so one address cannot try password after
password (across many user names, where the per-account lock does not help) or guess API
keys: after `MAX_FAILURES` failures within `WINDOW_SECONDS`, that address's sign-ins are
refused, before any password is checked, until the oldest failure leaves the window.

Kept in memory per server process (each worker counts its own), bounded to
`MAX_ADDRESSES` addresses (the least recently failing forgotten first).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

MAX_FAILURES = 20
WINDOW_SECONDS = 300
MAX_ADDRESSES = 10_000


class SignInLimit:
    """Failed sign-ins per address within a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 max_addresses: int = MAX_ADDRESSES) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        found = self._failures.get(address)
        if found is None:
            return deque(maxlen=self.max_failures)
        while found and found[0] <= now - self.window:
            found.popleft()
        if not found:
            del self._failures[address]
        return found

    def wait(self, address: str, now: float | None = None) -> int:
        """Seconds until this address may try again (0: it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._recent(address, now)
            if len(recent) < self.max_failures:
                return 0
            return max(1, int(recent[-self.max_failures] + self.window - now + 0.999))

    def failed(self, address: str, now: float | None = None) -> None:
        """Count a failed sign-in from this address."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._recent(address, now)
            recent.append(now)
            self._failures[address] = recent
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)
