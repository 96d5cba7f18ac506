"""Candidate retrieval: the few list entries a query could be, found in well under a millisecond.

For each query token the index gives the vocabulary tokens it may stand for, with their
similarity: the token itself; tokens a few typos away (a query variant with one letter
left out, or two for long tokens, equal to a vocabulary token or to one of its one-letter
deletions; checked by edit similarity); a long token split in two ("VladimirPutin"); tokens
rigour knows as the same name (Mikhail ~ Michael); the other spellings of a name particle
(bin, ibn, ben); and, for a name written in Arabic or Hebrew script, tokens with the same
consonants. Every name form holding such a token gets
credit (similarity times the mean weight of the two tokens); a form's pre-score is an
optimistic estimate of its name score: credit over the matched weight plus a share of the
weight left unmatched on either side, where (once half the query's weight is found)
tokens unmatched on both sides are taken to align at the lowest similarity, as a typo
beyond the lookup's reach would, rather than to disagree.

Forms whose pre-score reaches `floor` are grouped by entity (best first, a few forms per
entity kept for scoring), and at most `limit` entities are returned. A name whose tokens
are all shared by thousands of entries still costs one pass over the form array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from watchlist.index.model import Index
from watchlist.match.names import (
    ABJAD,
    ABJAD_SCRIPTS,
    DEFAULT_CONFIG,
    SYLLABIC,
    SYLLABIC_SCRIPTS,
    Sims,
    _skeleton,
)
from watchlist.match.prepare import NameForm
from watchlist.match.symbols import PARTICLE_GROUPS, token_symbols

__all__ = ["CandidateSearch", "deletions", "vocabulary_expansions"]

#: Below this many postings, credit is summed in a dict rather than with numpy.
_SMALL = 40
#: Latin tokens this long are also expanded to the tokens sharing their consonants.
_SKELETON_MIN = 6


def deletions(token: str) -> list[str]:
    """The token with one letter left out, at each position."""
    return [token[:i] + token[i + 1:] for i in range(len(token))]


def vocabulary_expansions(index: Index, sims: Sims
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The expansion of every index token written in the Latin script (mode 0), as offsets
    (one more than the tokens) into token ids and similarities, in `expand`'s order. Built
    with the index: a query token the lists hold then costs a lookup, not a comparison
    with every token it may be a typo of."""
    search = CandidateSearch(index, sims)
    offsets = np.zeros(len(index.vocab_tokens) + 1, dtype=np.int64)
    tids: list[int] = []
    values: list[float] = []
    for tid, token in enumerate(index.vocab_tokens):
        found = search.compute_expansion(token, 0)
        tids.extend(t for t, _sim in found)
        values.extend(sim for _t, sim in found)
        offsets[tid + 1] = len(tids)
    return offsets, np.array(tids, dtype=np.int32), np.array(values, dtype=np.float64)


class _TokenHits:
    """The postings one query token reaches: (postings, credit, query weight, index token
    weight) per token it may stand for; as one array of those four rows (one column per
    posting) from its second use on, when it is likely to be used again."""

    __slots__ = ("hits", "total", "uses", "array")

    def __init__(self, hits: list[tuple[np.ndarray, float, float, float]]) -> None:
        self.hits = hits
        self.total = sum([len(hit[0]) for hit in hits])
        self.uses = 0
        self.array: np.ndarray | None = None

    def use(self) -> None:
        self.uses += 1
        if self.uses == 2:
            self.array = _columns(self.hits)


def _columns(hits: list[tuple[np.ndarray, float, float, float]]) -> np.ndarray:
    """Form ids, credit, query weight and index token weight, one column per posting
    (ids as floats: exact below 2**53)."""
    lengths = [len(hit[0]) for hit in hits]
    out = np.empty((4, sum(lengths)))
    out[0] = np.concatenate([hit[0] for hit in hits])
    out[1:] = np.repeat(np.array([hit[1:] for hit in hits]).T, lengths, axis=1)
    return out


class CandidateSearch:
    """Token lookup and pre-scoring over an index; caches token expansions."""

    def __init__(self, index: Index, sims: Sims, cache_size: int = 200_000) -> None:
        self.index = index
        self.sims = sims
        self.share = min(sims.config.extra_share, sims.config.extra_share_org)
        #: Tokens left unmatched on both sides may still align in full scoring (a typo too
        #: many for the lookup): they are counted as aligned at the lowest similarity.
        self.unseen_rate = sims.config.tau_low * sims.config.weak_credit
        self.cache_size = cache_size
        self._expansions: dict[tuple[str, int], tuple[tuple[int, float], ...]] = {}
        self._hits: dict[tuple[str, int, float], _TokenHits] = {}
        self._hits_postings = 0
        #: Postings remembered in `_hits` at most (about 30 bytes each once arrays).
        self.cache_postings = 1_000_000
        self._vocab_weight: list[float] | None = None
        #: The index's stored expansions (offsets, token ids, similarities), when it has
        #: them and they hold for this configuration (they are made with the default).
        offsets = getattr(index, "exp_offsets", None)
        tids = getattr(index, "exp_tids", None)
        values = getattr(index, "exp_sims", None)
        self._stored: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if offsets is not None and tids is not None and values is not None \
                and len(offsets) and sims.config == DEFAULT_CONFIG:
            self._stored = (offsets, tids, values)
        particles: dict[str, list[int]] = {}
        for token, group in PARTICLE_GROUPS.items():
            tid = index.vocab.get(token)
            if tid is not None:
                particles.setdefault(group, []).append(tid)
        self._particles = {g: tuple(ids) for g, ids in particles.items()}

    def expand(self, token: str, mode: int = 0) -> tuple[tuple[int, float], ...]:
        """(vocabulary id, similarity) of every token this query token may stand for:
        remembered, or read from the index's table for a token it holds, else computed."""
        key = (token, mode)
        found = self._expansions.get(key)
        if found is not None:
            return found
        found = self._stored_expansion(token) if mode == 0 else None
        if found is None:
            found = self.compute_expansion(token, mode)
        if len(self._expansions) >= self.cache_size:
            self._expansions.clear()
        self._expansions[key] = found
        return found

    def _stored_expansion(self, token: str) -> tuple[tuple[int, float], ...] | None:
        """The expansion the index stores for one of its tokens (None: not stored)."""
        if self._stored is None:
            return None
        tid = self.index.vocab.get(token)
        if tid is None:
            return None
        offsets, tids, values = self._stored
        start, end = int(offsets[tid]), int(offsets[tid + 1])
        return tuple(zip(tids[start:end].tolist(), values[start:end].tolist(), strict=True))

    def compute_expansion(self, token: str, mode: int = 0) -> tuple[tuple[int, float], ...]:
        """(vocabulary id, similarity) of every token this query token may stand for,
        computed (not remembered)."""
        index = self.index
        tau = self.sims.config.tau_low
        out: dict[int, float] = {}
        exact = index.vocab.get(token)
        if exact is not None:
            out[exact] = 1.0
        if not token.isdigit():
            candidates: set[int] = set()
            if len(token) >= 4:
                candidates.update(index.deletes.get(token, ()))
                variants = set(deletions(token))
                if len(token) >= 7:  # two letters left out, or one each side and more
                    variants.update(v2 for v1 in list(variants) for v2 in deletions(v1))
                for variant in variants:
                    candidates.update(index.deletes.get(variant, ()))
                    tid = index.vocab.get(variant)
                    if tid is not None:
                        candidates.add(tid)
            elif len(token) == 3:
                candidates.update(index.deletes.get(token, ()))
            group = PARTICLE_GROUPS.get(token)
            if group is not None:
                candidates.update(self._particles.get(group, ()))
            if not mode & SYLLABIC:
                for symbol in token_symbols(token):
                    candidates.update(index.symbol_members.get(symbol, ()))
            if mode & ABJAD and len(token) >= 3:
                candidates.update(index.skeletons.get(_skeleton(token), ()))
            elif len(token) >= _SKELETON_MIN:
                # Vowels differ between transliterations (Aleksandr, Alyaksandr): long
                # tokens sharing their consonants are scored too.
                skeleton = _skeleton(token)
                if len(skeleton) >= _SKELETON_MIN - 2:
                    candidates.update(index.skeletons.get(skeleton, ()))
            tokens = index.vocab_tokens
            for tid in candidates:
                if tid in out:
                    continue
                sim = self.sims(token, tokens[tid], mode)
                if sim >= tau:
                    out[tid] = sim
            if exact is None and len(token) >= 7:
                for cut in range(3, len(token) - 2):  # "vladimirputin" -> vladimir, putin
                    left = index.vocab.get(token[:cut])
                    right = index.vocab.get(token[cut:])
                    if left is not None and right is not None:
                        out.setdefault(left, 0.9)
                        out.setdefault(right, 0.9)
        return tuple(out.items())

    def _token_hits(self, token: str, mode: int, weight: float) -> _TokenHits:
        """The postings a query token of this weight reaches, each with its credit: the
        same for every query holding the token, so remembered (up to a number of
        postings in all)."""
        key = (token, mode, weight)
        found = self._hits.get(key)
        if found is not None:
            return found
        index = self.index
        vweight = self._vocab_weight
        if vweight is None:
            vweight = self._vocab_weight = index.vocab_weight.tolist()
        hits = []
        for tid, sim in self.expand(token, mode):
            post = index.postings(tid)
            if len(post):
                cw = vweight[tid]
                hits.append((post, sim * (weight + cw) / 2.0, weight, cw))
        found = _TokenHits(hits)
        if self._hits_postings + found.total > self.cache_postings:
            self._hits.clear()
            self._hits_postings = 0
        self._hits[key] = found
        self._hits_postings += found.total
        return found

    def _form_scores(self, form: NameForm, floor: float) -> dict[int, float]:
        """Pre-score of every index form sharing a (similar) token with a query form.

        The pre-score estimates the name score from what the postings tell: credit over
        the matched weight plus `share` of the weight left unmatched on either side. It
        ignores disagreements, so it is optimistic: a form below the floor cannot score."""
        index = self.index
        mode = (ABJAD if form.script in ABJAD_SCRIPTS else 0) | (
            SYLLABIC if form.script in SYLLABIC_SCRIPTS else 0)
        entries: list[_TokenHits] = []
        total = 0
        qweight = 0.0
        for token, weight in zip(form.tokens, form.weights, strict=True):
            if token.isdigit():
                continue
            if len(token) > 1:  # an initial neither helps nor hurts the estimate
                qweight += weight
            entry = self._token_hits(token, mode, weight)
            if entry.total:
                entry.use()
                entries.append(entry)
                total += entry.total
        if not entries:
            return {}
        fweight = index.form_weight
        share = self.share
        if total <= _SMALL:
            acc: dict[int, list[float]] = {}
            for post, credit, qw, cw in (hit for entry in entries for hit in entry.hits):
                for f in post.tolist():
                    slot = acc.get(f)
                    if slot is None:
                        acc[f] = [credit, qw, cw]
                    else:
                        slot[0] += credit
                        slot[1] += qw
                        slot[2] += cw
            out = {}
            rate = self.unseen_rate
            for f, (credit, mq, mc) in acc.items():
                fw = float(fweight[f])
                uq = max(0.0, qweight - mq)
                uc = max(0.0, fw - mc)
                pot = min(uq, uc) if mq >= 0.5 * qweight else 0.0
                denominator = (min(mq, qweight) + min(mc, fw)) / 2.0 + pot + share * (
                    uq + uc - 2 * pot)
                pre = (credit + rate * pot) / denominator if denominator > 0 else 0.0
                if pre >= floor:
                    out[f] = min(1.0, pre)
            return out
        stored = [entry.array for entry in entries if entry.array is not None]
        if len(stored) == len(entries):
            columns = stored[0] if len(stored) == 1 else np.concatenate(stored, axis=1)
        else:
            columns = _columns([hit for entry in entries for hit in entry.hits])
        found, inverse = np.unique(columns[0], return_inverse=True)
        forms = found.astype(np.intp)
        credit_of = np.bincount(inverse, weights=columns[1])
        mq_of = np.bincount(inverse, weights=columns[2])
        mc_of = np.bincount(inverse, weights=columns[3])
        fw_of = fweight[forms]
        uq_of = np.maximum(0.0, qweight - mq_of)
        uc_of = np.maximum(0.0, fw_of - mc_of)
        pot_of = np.where(mq_of >= 0.5 * qweight, np.minimum(uq_of, uc_of), 0.0)
        denominators = (np.minimum(mq_of, qweight) + np.minimum(mc_of, fw_of)) / 2.0 \
            + pot_of + share * (uq_of + uc_of - 2 * pot_of)
        pre_of = (credit_of + self.unseen_rate * pot_of) / np.maximum(denominators, 1e-9)
        keep = np.flatnonzero(pre_of >= floor)
        return dict(zip(forms[keep].tolist(), np.minimum(1.0, pre_of[keep]).tolist(),
                        strict=True))

    def search(self, forms: Iterable[NameForm], floor: float = 0.35, limit: int = 30,
               per_entity: int = 3, extra: Iterable[int] = ()) -> list[tuple[int, float,
                                                                           list[int]]]:
        """(entity, best pre-score, its best form ids) for the entries the query may be.

        `extra` entities (found by identifier) are always included, with pre-score 1.
        """
        scores: dict[int, float] = {}
        for form in forms:
            for f, pre in self._form_scores(form, floor).items():
                if pre > scores.get(f, 0.0):
                    scores[f] = pre
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        entities: dict[int, list[Any]] = {}
        form_entity = self.index.form_entity
        for f, pre in ranked:
            e = int(form_entity[f])
            slot = entities.get(e)
            if slot is None:
                if len(entities) >= limit:
                    continue
                entities[e] = [pre, [f]]
            elif len(slot[1]) < per_entity:
                slot[1].append(f)
        for e in extra:
            if e not in entities:
                entities[e] = [1.0, []]
        return [(e, slot[0], slot[1]) for e, slot in entities.items()]
