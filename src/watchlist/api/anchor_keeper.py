"""Write checkpoints of the audit log from a thread while the service runs (see
`watchlist.store.anchors`): when the operator has set an anchors path, every `seconds`
if the log grew, as soon as `entries` entries were added, and once more at shutdown.

Each checkpoint must extend the previous one (the latest at the anchors when the service
started, then its own): a log that shrank or changed meanwhile is not signed, it is
logged as an error, so the service never vouches for a tampered log. Several workers each
write their own checkpoints; duplicates are harmless.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from watchlist.store import anchors
from watchlist.store.anchors import Checkpoint
from watchlist.store.store import Store

log = logging.getLogger("watchlist.api")
#: The longest wait between two looks at the log's head (a one-row read).
MAX_POLL_SECONDS = 1.0


class AnchorKeeper:
    """A thread checkpointing the audit log to `path` (does nothing when `path` is None)."""

    def __init__(self, store: Store, path: Path | None, seconds: float = 300.0,
                 entries: int = 1000, poll: float | None = None) -> None:
        self.store = store
        self.path = path
        self.seconds = seconds
        self.entries = entries
        #: How often the head is looked at: often enough for `seconds`, at least each second.
        self.poll = poll if poll is not None else min(MAX_POLL_SECONDS, seconds)
        self.active = path is not None
        # Checked now, so a key that cannot be read or made, or a path no checkpoint can be
        # written to, stops the service at startup.
        if path is not None:
            anchors.check_anchors_path(path)
        self.key = anchors.load_key(create=True) if self.active else b""
        self.previous: Checkpoint | None = None
        self.written = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_time = time.monotonic()
        self._refused: str | None = None

    def start(self) -> None:
        if not self.active or self._thread is not None:
            return
        assert self.path is not None
        try:
            self.previous = anchors.latest_written(self.path, self.key)
        except Exception:  # noqa: BLE001 - the checkpoints to come are still worth writing
            log.exception("reading the audit checkpoints at %s failed", self.path)
        self._last_time = time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="watchlist-anchors",
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread and write a last checkpoint if the log grew since the previous."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(30)
        self.tick(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            self.tick()

    def tick(self, final: bool = False) -> Checkpoint | None:
        """Write a checkpoint if one is due; the one written, if any."""
        assert self.path is not None
        try:
            seq, digest = anchors.check_before_signing(self.store, self.previous)
        except Exception as exc:  # noqa: BLE001 - a tampered log, or the store unreachable
            message = str(exc)
            if message != self._refused:  # once per problem, not every poll
                log.error("audit checkpoint not written: %s", message)
                self._refused = message
            return None
        self._refused = None
        previous = self.previous
        if seq == 0 or (previous is not None and (seq, digest) == (previous.seq,
                                                                    previous.hash)):
            return None  # nothing new to vouch for
        grown = seq - (previous.seq if previous is not None else 0)
        due = time.monotonic() - self._last_time >= self.seconds
        if not (final or due or grown >= self.entries):
            return None
        checkpoint = anchors.sign_checkpoint(self.key, anchors.store_identity(self.store),
                                             seq, digest)
        try:
            anchors.write_checkpoint(self.path, checkpoint)
        except Exception:  # noqa: BLE001 - tried again at the next look
            log.exception("writing the audit checkpoint failed")
            return None
        self.previous = checkpoint
        self.written += 1
        self._last_time = time.monotonic()
        return checkpoint
