"""The labels the stored lists use, and those the taxonomy does not map."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from watchlist.regimes.taxonomy import Taxonomy
from watchlist.store.store import Store

__all__ = ["LabelUse", "stored_labels", "unmapped_labels"]


@dataclass(frozen=True)
class LabelUse:
    """A programme label of a source and how many designations of its stored versions
    carry it (a designation held by several versions counts in each)."""

    source: str
    label: str
    designations: int
    regimes: tuple[str, ...]


def stored_labels(store: Store, taxonomy: Taxonomy) -> list[LabelUse]:
    """Every programme label of every stored version of every list, with its regimes."""
    counts: Counter[tuple[str, str]] = Counter()
    for version in store.versions():
        for sanction in store.iter_entities([version], schemata=["Sanction"]):
            for label in sanction.get("program", quiet=True):
                counts[(version.source, label)] += 1
    return [LabelUse(source, label, n, taxonomy.regimes_of(source, label))
            for (source, label), n in sorted(counts.items())]


def unmapped_labels(store: Store, taxonomy: Taxonomy) -> list[LabelUse]:
    """The stored labels no regime of the taxonomy holds."""
    return [use for use in stored_labels(store, taxonomy) if not use.regimes]
