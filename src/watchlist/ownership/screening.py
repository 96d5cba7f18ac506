"""Screening against what ownership makes blocked: a query matching a party that is not
listed but owned or controlled by listed parties is a hit on the basis of ownership, with
the finding (share, rule, every path) and its explanation in words.

Candidates are the derived parties sharing a name word with the query (or whose id the
query gives as an identifier); each is scored by the screener's own algorithm (a function
given in), so a misspelling matches as it would on a listed name. The view is kept current
as the serving lists or the user's datasets change, checked at most every few seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from watchlist.names.normalize import name_tokens
from watchlist.ownership.explain import Finding
from watchlist.ownership.view import OwnershipView, current_view, view_key

#: Candidates scored per query at most (the parties sharing the most words first).
MAX_CANDIDATES = 50
#: Seconds between checks that the serving lists and datasets are still those of the view.
RECHECK_SECONDS = 5.0
#: A derived party's name -> (score, matched at the threshold).
Scorer = Callable[[str], tuple[float, bool]]
log = logging.getLogger("watchlist.ownership")


@dataclass(frozen=True)
class OwnershipMatch:
    """A query's match on a party blocked by ownership or control."""

    party: str
    caption: str
    score: float
    findings: list[Finding]

    def ownership(self) -> dict[str, Any]:
        """The best finding as a hit carries it, naming the other rules reaching the party."""
        found = self.findings[0].to_dict()
        found["other_rules"] = [f.rule for f in self.findings[1:]]
        return found


def candidates(view: OwnershipView, names: Iterable[str]) -> list[str]:
    """Ids of derived parties sharing a name word with the query, most words shared first."""
    index = view.token_index()
    counts: dict[int, int] = {}
    for name in names:
        for token in set(name_tokens(name)):
            for node in index.get(token, ()):
                counts[node] = counts.get(node, 0) + 1
    ranked = sorted(counts, key=lambda n: (-counts[n], n))[:MAX_CANDIDATES]
    return [view.graph.ids[n] for n in ranked]


def ownership_matches(view: OwnershipView, names: Iterable[str], identifiers: Iterable[str],
                      score: Scorer, exclude: Iterable[str] = ()) -> list[OwnershipMatch]:
    """The query's matches on parties blocked by ownership or control, best first."""
    names = list(names)
    skip = set(exclude)
    direct = [p for value in identifiers for p in view.by_identifier(value)]
    found: list[OwnershipMatch] = []
    seen: set[str] = set()
    for party in direct + candidates(view, names):
        if party in seen or party in skip:
            continue
        seen.add(party)
        caption = view.graph.name_of(view.graph.number[party])
        value, matched = (1.0, True) if party in direct else score(caption)
        if not matched:
            continue
        findings = view.findings(party)
        if findings:
            found.append(OwnershipMatch(party, caption, value, findings))
    found.sort(key=lambda m: (-m.score, m.party))
    return found


class OwnershipSource:
    """The ownership view of a store for a screener: loaded on first use, reloaded when the
    serving lists or datasets change; a view that cannot be built is logged and skipped
    (screening against the lists goes on)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self._view: OwnershipView | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> OwnershipView | None:
        now = time.monotonic()
        with self._lock:
            if self._view is not None and now - self._checked < RECHECK_SECONDS:
                return self._view
            try:
                if self._view is None or self._view.key != view_key(self.store):
                    self._view = current_view(self.store)
            except Exception:  # noqa: BLE001 - ownership must never stop screening
                log.exception("the ownership view could not be built; screening the lists only")
                return self._view
            self._checked = now
            return self._view
