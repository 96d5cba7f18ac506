"""A jurisdiction's cell from the designations of a party's records on its lists."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from watchlist.compare.model import Cell, Dated

__all__ = ["make_cell"]


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def make_cell(designations: Sequence[Dated], scope: Collection[str] | None) -> Cell:
    """The cell of one jurisdiction: the designations under the scope's regimes when there
    are any (else all of them, `in_scope` false); listed on the earliest date, delisted
    only when every such record has left its list (on the latest leaving day)."""
    if not designations:
        return Cell()
    inside = [d for d in designations if scope is None or set(d.regimes) & set(scope)]
    chosen = inside or list(designations)
    active = [d for d in chosen if d.delisted is None]
    pool = active or chosen
    dated = sorted((d for d in pool if d.listed), key=lambda d: d.listed or "")
    first = dated[0] if dated else None
    return Cell(
        listed=first.listed if first else None,
        basis=first.basis if first else None,
        delisted=None if active else max(d.delisted or "" for d in chosen) or None,
        in_scope=bool(inside),
        sources=_unique([d.source for d in chosen]),
        records=_unique([d.record_id for d in chosen]),
        labels=_unique([lab for d in chosen for lab in d.labels]),
        regimes=_unique([r for d in chosen for r in d.regimes]))
