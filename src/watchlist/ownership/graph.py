"""The ownership graph: parties by id, and edges from an owner or controller to what it owns
or controls, each with its share (a band where the data gives one), kind, source and date.

Edges live in parallel arrays indexed by edge number, parties by node number, so a graph of
millions of edges stays compact; edges of one owner can be replaced in place (an update)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from watchlist.sources.relations import CONTROL, KINDS, LINKED, OWNERSHIP, Relation

__all__ = ["CONTROL", "LINKED", "OWNERSHIP", "Edge", "Graph", "Relation"]

_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
#: An unknown share: counts as nothing, and is reported as unknown.
UNKNOWN = -1.0


@dataclass(frozen=True)
class Edge:
    """An edge of the graph as stored, with its number."""

    number: int
    owner: int
    owned: int
    kind: str
    low: float | None
    high: float | None
    source: str
    as_of: str


class Graph:
    """Parties and the relations between them; listed parties are the ones given to the
    rules, not part of the graph."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.number: dict[str, int] = {}
        self._owner = array("q")
        self._owned = array("q")
        self._kind = array("b")
        self._low = array("d")
        self._high = array("d")
        self._source: list[int] = []
        self._as_of: list[int] = []
        self._strings: list[str] = [""]
        self._string_number: dict[str, int] = {"": 0}
        self.out_edges: list[list[int] | None] = []
        self.in_edges: list[list[int] | None] = []

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        """Edges there are (removed ones excluded)."""
        return sum(1 for owner in self._owner if owner >= 0)

    def node(self, party: str, name: str = "") -> int:
        """The number of a party, added if new; a name given later fills a missing one."""
        found = self.number.get(party)
        if found is not None:
            if name and not self.names[found]:
                self.names[found] = name
            return found
        found = len(self.ids)
        self.number[party] = found
        self.ids.append(party)
        self.names.append(name)
        self.out_edges.append(None)
        self.in_edges.append(None)
        return found

    def _string(self, text: str) -> int:
        found = self._string_number.get(text)
        if found is None:
            found = self._string_number[text] = len(self._strings)
            self._strings.append(text)
        return found

    def add(self, relation: Relation) -> int:
        """Add a relation; returns its edge number."""
        return self.add_edge(relation.owner, relation.owned, relation.kind, relation.low,
                             relation.high, relation.source, relation.as_of,
                             relation.owner_name, relation.owned_name)

    def add_edge(self, owner_id: str, owned_id: str, kind: str, low: float | None,
                 high: float | None, source: str = "", as_of: str = "", owner_name: str = "",
                 owned_name: str = "") -> int:
        """Add one edge from its values (no Relation made: loading millions of edges)."""
        number = self.number
        owner = number.get(owner_id)
        if owner is None or owner_name:
            owner = self.node(owner_id, owner_name)
        owned = number.get(owned_id)
        if owned is None or owned_name:
            owned = self.node(owned_id, owned_name)
        share = UNKNOWN if low is None else float(low)
        edge = len(self._owner)
        self._owner.append(owner)
        self._owned.append(owned)
        self._kind.append(_KIND_CODE[kind])
        self._low.append(share)
        self._high.append(share if high is None else float(high))
        self._source.append(self._string(source))
        self._as_of.append(self._string(as_of))
        outs = self.out_edges[owner]
        if outs is None:
            self.out_edges[owner] = [edge]
        else:
            outs.append(edge)
        ins = self.in_edges[owned]
        if ins is None:
            self.in_edges[owned] = [edge]
        else:
            ins.append(edge)
        return edge

    def add_all(self, relations: Iterable[Relation]) -> None:
        for relation in relations:
            self.add(relation)

    def remove(self, number: int) -> None:
        """Remove an edge (its number is not reused)."""
        owner, owned = self._owner[number], self._owned[number]
        if owner < 0:
            return
        _discard(self.out_edges, owner, number)
        _discard(self.in_edges, owned, number)
        self._owner[number] = -1

    def edge(self, number: int) -> Edge:
        low = self._low[number]
        return Edge(number, self._owner[number], self._owned[number], KINDS[self._kind[number]],
                    None if low < 0 else low, None if low < 0 else self._high[number],
                    self._strings[self._source[number]], self._strings[self._as_of[number]])

    def owners_of(self, node: int) -> list[int]:
        """Numbers of the edges into a node."""
        return self.in_edges[node] or []

    def holdings_of(self, node: int) -> list[int]:
        """Numbers of the edges out of a node."""
        return self.out_edges[node] or []

    def edges(self) -> Iterator[Edge]:
        for number, owner in enumerate(self._owner):
            if owner >= 0:
                yield self.edge(number)

    # Raw access for the rules' inner loops (no object per edge).
    def owner_of_edge(self, number: int) -> int:
        return self._owner[number]

    def owned_by_edge(self, number: int) -> int:
        return self._owned[number]

    def kind_code(self, number: int) -> int:
        return self._kind[number]

    def share_bounds(self, number: int) -> tuple[float, float]:
        """(low, high) of an edge, unknown shares as (0, 0): they never count."""
        low = self._low[number]
        if low < 0:
            return 0.0, 0.0
        return low, self._high[number]

    def name_of(self, node: int) -> str:
        return self.names[node] or self.ids[node]


def _append(lists: list[list[int] | None], node: int, number: int) -> None:
    found = lists[node]
    if found is None:
        lists[node] = [number]
    else:
        found.append(number)


def _discard(lists: list[list[int] | None], node: int, number: int) -> None:
    found = lists[node]
    if found and number in found:
        found.remove(number)
        if not found:
            lists[node] = None


OWNERSHIP_CODE = _KIND_CODE[OWNERSHIP]
CONTROL_CODE = _KIND_CODE[CONTROL]
