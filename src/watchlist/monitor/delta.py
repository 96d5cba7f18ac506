"""Delta screening: a customer already screened is screened again only against the list
entries added or changed since, with the same result a full screening gives for them.

`changes_between` tells which targets were added, changed or removed between the list
versions a customer was screened against and the serving ones (per source, by the cheap
target digests of `monitor.diff`).

`DeltaScreener` screens against a subset of the serving index. A full screening
(`Screener.check`) finds candidates by token lookup and scores at most a few dozen of
them; a customer can have a changed entry among its candidates only if one of its name
tokens expands (exact, typo, transliteration, name symbol) to a token of that entry's
names, or one of its identifiers is that entry's. That test is cheap (token expansions are
cached), so most customers stop there. The rest run the screener's own search, with the
candidates outside the subset dropped before scoring: the same candidates, the same
scores, at the same threshold, as a full screening restricted to those entries.

Work is counted: searches of the full index run, pairs scored.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from watchlist.index.search import CandidateSearch, deletions
from watchlist.match.names import ABJAD, ABJAD_SCRIPTS, SYLLABIC, SYLLABIC_SCRIPTS, _skeleton
from watchlist.match.prepare import Party, kind_of
from watchlist.monitor.diff import target_digests
from watchlist.screener import (
    FORMS_PER_ENTITY,
    MAX_CANDIDATES,
    MAX_LIFT,
    Hit,
    Screener,
    parse_query,
)

__all__ = ["ChangeSet", "DeltaScreener", "DigestCache", "WorkCounter", "changes_between",
           "counting", "customer_keys"]


#: Above this share of the index's entries changed, the delta searches every customer.
WIDE_SHARE = 0.25


@dataclass
class ChangeSet:
    """Targets added, changed and removed between two sets of list versions."""

    added: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    @property
    def targets(self) -> set[str]:
        """The targets to screen against: added or changed."""
        return self.added | self.changed


class DigestCache:
    """Target digests per version id, read once per run."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._digests: dict[int, dict[str, str]] = {}

    def __call__(self, version_id: int) -> dict[str, str]:
        found = self._digests.get(version_id)
        if found is None:
            found = self._digests[version_id] = target_digests(self.conn, version_id)
        return found


def changes_between(old: Mapping[str, int], new: Mapping[str, int],
                    digests: DigestCache) -> ChangeSet:
    """What changed from the versions `old` ({source: version id}) to `new`: a source new
    since adds all its targets; one no longer serving removes all of its."""
    changes = ChangeSet()
    for source in sorted(old.keys() | new.keys()):
        before_id, after_id = old.get(source), new.get(source)
        if before_id == after_id:
            continue
        before = digests(before_id) if before_id is not None else {}
        after = digests(after_id) if after_id is not None else {}
        changes.added |= after.keys() - before.keys()
        changes.removed |= before.keys() - after.keys()
        changes.changed |= {e for e in after.keys() & before.keys() if before[e] != after[e]}
    return changes


class WorkCounter:
    """Counts the pairs an algorithm scores (wraps its `compare`)."""

    def __init__(self, algorithm: Any) -> None:
        self.algorithm = algorithm
        self.pairs = 0

    def compare(self, *args: Any, **kwargs: Any) -> Any:
        self.pairs += 1
        return self.algorithm.compare(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.algorithm, name)


def counting(screener: Screener) -> tuple[Screener, WorkCounter]:
    """A copy of the screener (sharing its index) that counts the pairs it scores."""
    clone = copy.copy(screener)
    algorithm = screener.algorithm
    if isinstance(algorithm, WorkCounter):  # count each pair once
        algorithm = algorithm.algorithm
    counter = WorkCounter(algorithm)
    clone.algorithm = counter  # type: ignore[assignment]
    return clone, counter


class _SubsetSearch:
    """The screener's candidate search, keeping only candidates in a subset of entities."""

    def __init__(self, inner: Any, allowed: set[int]) -> None:
        self.inner = inner
        self.allowed = allowed

    def search(self, forms: Iterable[Any], floor: float = 0.35, limit: int = 30,
               per_entity: int = 3, extra: Iterable[int] = ()) -> list[tuple[int, float,
                                                                           list[int]]]:
        found = self.inner.search(forms, floor, limit, per_entity, extra)
        return [c for c in found if c[0] in self.allowed]


def customer_keys(party: Party) -> dict[str, Any]:
    """What the delta pre-check needs of a customer: the tokens of its name forms with the
    lookup mode of their script (tokens do not depend on token weights, so they can be
    kept between runs) and its identifiers."""
    tokens: dict[str, int] = {}
    for form in party.forms(kind_of(party.schema)):
        mode = (ABJAD if form.script in ABJAD_SCRIPTS else 0) | (
            SYLLABIC if form.script in SYLLABIC_SCRIPTS else 0)
        for token in form.tokens:
            if not token.isdigit():
                tokens[token] = tokens.get(token, mode) | mode
    return {"tokens": sorted(tokens.items()), "ids": sorted(party.identifier_values)}


class DeltaScreener:
    """Screens queries against the entries `entity_ids` of the screener's index only.

    The pre-check (`may_match`) runs the candidate search's own token lookup
    (`CandidateSearch.expand`) over a vocabulary of the changed entries' tokens only, with
    the index's typo, symbol and skeleton tables restricted to them: a customer token finds
    one of them exactly when the full lookup would (a long token absent from the changed
    tokens may also split into two of them: more, never fewer). Per token, the answer is
    remembered.
    """

    def __init__(self, screener: Screener, entity_ids: Iterable[str]) -> None:
        index = screener.index
        self.positions = {index.by_id[e] for e in entity_ids if e in index.by_id}
        #: So many entries changed that nearly every customer would pass the pre-checks:
        #: skip them and search at once (the result is the same).
        self.wide = len(self.positions) > WIDE_SHARE * len(index.parties)
        self.screener, self.counter = counting(screener)
        self.screener.search = _SubsetSearch(screener.search, self.positions)  # type: ignore
        self.searches = 0
        self.checked = 0
        tokens: set[str] = set()
        self.identifiers: set[str] = set()
        form_entity = index.form_entity
        for e in self.positions:
            start = int(np.searchsorted(form_entity, e, side="left"))
            end = int(np.searchsorted(form_entity, e, side="right"))
            for form in index.forms[start:end]:
                tokens.update(t for t in form.tokens if not t.isdigit())
            self.identifiers |= index.parties[e].identifier_values
        self.lookup = CandidateSearch(_token_tables(index, tokens), screener.sims)  # type: ignore
        self._memo: dict[tuple[str, int], bool] = {}
        self.subset_search = None if self.wide else _subset_postings(screener, self.positions)

    def _token_may_match(self, token: str, mode: int) -> bool:
        key = (token, mode)
        found = self._memo.get(key)
        if found is None:
            found = bool(self.lookup.expand(token, mode))
            if len(self._memo) < 1_000_000:
                self._memo[key] = found
        return found

    def may_match(self, keys: dict[str, Any]) -> bool:
        """Whether the full search could find one of the subset's entries for a customer
        with these keys (see `customer_keys`); never False when it could."""
        self.checked += 1
        if not self.positions:
            return False
        if self.identifiers and not self.identifiers.isdisjoint(keys.get("ids", ())):
            return True
        return any(self._token_may_match(t, mode) for t, mode in keys.get("tokens", ()))

    @property
    def pairs(self) -> int:
        return self.counter.pairs

    def check(self, query: Mapping[str, Any], keys: dict[str, Any] | None = None
              ) -> list[Hit]:
        """The hits among the subset, as `Screener.check` would give them (QueryError for a
        query that cannot be screened).

        Past the token pre-check, the search's pre-scores are computed over the subset's
        name forms only (the same expansions and formula, so the same values): no subset
        form reaching the search's floor means no subset candidate. Otherwise the full
        search runs, so the subset candidates are exactly those it keeps."""
        screener = self.screener
        if not self.positions:
            return []
        if self.wide or self.subset_search is None:
            self.searches += 1
            return screener.check(query)
        if keys is None:
            keys = customer_keys(parse_query(query))
        if not self.may_match(keys):
            return []
        party = parse_query(query)
        if self.identifiers.isdisjoint(party.identifier_values):
            forms = party.forms(kind_of(party.schema), screener.index.stats)
            floor = max(0.0, screener.threshold - MAX_LIFT)
            if not self.subset_search.search(forms, floor, MAX_CANDIDATES, FORMS_PER_ENTITY):
                return []
        self.searches += 1
        return screener.check(query)


def _token_tables(index: Any, tokens: set[str]) -> SimpleNamespace:
    """The token lookup tables of an index (vocabulary, one-letter deletions, consonant
    skeletons, name-symbol groups) restricted to `tokens`, built as the index builds them."""
    vocab_tokens = sorted(tokens)
    vocab = {t: i for i, t in enumerate(vocab_tokens)}
    deletes: dict[str, list[int]] = defaultdict(list)
    skeletons: dict[str, list[int]] = defaultdict(list)
    members: dict[str, list[int]] = defaultdict(list)
    for tid, token in enumerate(vocab_tokens):
        if len(token) >= 4:
            for variant in deletions(token):
                deletes[variant].append(tid)
        if len(token) >= 3 and len(sk := _skeleton(token)) >= 2:
            skeletons[sk].append(tid)
        for symbol in index.symbols.get(token, ()):
            if symbol in index.symbol_members:  # the index's own size filter
                members[symbol].append(tid)
    return SimpleNamespace(
        vocab=vocab, vocab_tokens=vocab_tokens,
        deletes={k: tuple(v) for k, v in deletes.items()},
        skeletons={k: tuple(v) for k, v in skeletons.items()},
        symbol_members={k: tuple(v) for k, v in members.items()})


def _subset_postings(screener: Screener, positions: set[int]) -> CandidateSearch:
    """A candidate search over the same vocabulary whose postings hold only the name forms
    of the entities at `positions` (sharing the screener's cache of token expansions)."""
    index = screener.index
    form_entity = index.form_entity
    lists: dict[int, list[int]] = defaultdict(list)
    for e in sorted(positions):
        start = int(np.searchsorted(form_entity, e, side="left"))
        end = int(np.searchsorted(form_entity, e, side="right"))
        for f in range(start, end):
            for token in set(index.forms[f].tokens):
                tid = index.vocab.get(token)
                if tid is not None:
                    lists[tid].append(f)
    counts = np.zeros(len(index.vocab_tokens) + 1, dtype=np.int64)
    for tid, forms in lists.items():
        counts[tid + 1] = len(forms)
    offsets = np.cumsum(counts)
    post_forms = np.zeros(int(offsets[-1]), dtype=np.int32)
    for tid, forms in lists.items():
        post_forms[offsets[tid]:offsets[tid + 1]] = sorted(forms)
    subset = copy.copy(index)
    subset.post_offsets = offsets
    subset.post_forms = post_forms
    search = CandidateSearch(subset, screener.sims)
    search._expansions = screener.search._expansions  # same vocabulary: same expansions
    return search
