"""One text scanner per screening index in a long-running service, shared by the API's /scan
and the Scan page: building its automaton takes seconds, so it is built (or loaded) once per
index and kept on the app's state."""

from __future__ import annotations

import threading
from typing import Any

from watchlist.screener import Screener
from watchlist.text.scanner import Scanner

_LOCK = threading.Lock()


def shared_scanner(state: Any, screener: Screener, threshold: float | None) -> Scanner:
    """The scanner over the screener's index (its automaton built or loaded once), kept on
    `state` (the app's); one with another `threshold` shares its automaton."""
    with _LOCK:
        found = getattr(state, "text_scanner", None)
        if found is None or found.index is not screener.index:
            other = getattr(state, "payment_scanner", None)
            automaton = other.automaton if other is not None and \
                other.index is screener.index else None
            found = Scanner(screener.index, automaton, store=state.store)
            state.text_scanner = found
    if threshold is None or threshold == found.threshold:
        return found
    return Scanner(screener.index, found.automaton, threshold)
