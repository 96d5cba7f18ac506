"""The index a screener searches: its tables (names, tokens, postings, profiles) as one value.

Built by `watchlist.index.build`, stored and read as plain data by `watchlist.index.codec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from watchlist.match.prepare import Party, TokenStats

__all__ = ["FORMAT", "Index"]

#: Bump when the persisted layout or the preparation of names changes.
FORMAT = 3


@dataclass
class Index:
    """Everything a screener needs, loaded from one file."""

    key: str
    versions: list[dict[str, Any]]
    stats: TokenStats
    parties: list[Party]
    sources: list[str]
    designations: list[list[dict[str, Any]]]
    form_entity: np.ndarray
    form_weight: np.ndarray
    forms: list[Any]
    vocab: dict[str, int]
    vocab_tokens: list[str]
    vocab_weight: np.ndarray
    post_offsets: np.ndarray
    post_forms: np.ndarray
    deletes: dict[str, tuple[int, ...]]
    skeletons: dict[str, tuple[int, ...]]
    symbol_members: dict[str, tuple[int, ...]]
    symbols: dict[str, frozenset[str]]
    identifiers: dict[str, tuple[int, ...]]
    profile_of: np.ndarray
    profiles: list[tuple[int, ...]]
    profile_lead: list[int]
    profile_ids: list[str]
    links: list[dict[str, Any]]
    #: The expansion of each token (see `index.search.vocabulary_expansions`); None: none.
    exp_offsets: np.ndarray | None = None
    exp_tids: np.ndarray | None = None
    exp_sims: np.ndarray | None = None
    built_at: float = 0.0
    build_seconds: float = 0.0
    format: int = FORMAT
    by_id: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.by_id:
            self.by_id = {p.id: i for i, p in enumerate(self.parties) if p.id}

    def postings(self, token_id: int) -> np.ndarray:
        return self.post_forms[self.post_offsets[token_id]:self.post_offsets[token_id + 1]]

    def summary(self) -> dict[str, Any]:
        return {
            "key": self.key, "entities": len(self.parties), "forms": len(self.forms),
            "tokens": len(self.vocab_tokens), "profiles": len(self.profiles),
            "linked_profiles": sum(1 for m in self.profiles if len(m) > 1),
            "links": len(self.links), "build_seconds": round(self.build_seconds, 2),
        }
