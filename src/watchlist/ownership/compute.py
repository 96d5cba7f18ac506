"""The rules over the graph: which parties the listed ones make blocked, computed once for
the whole graph and then kept current as one owner's relations or the listed parties change.

A party becomes blocked when the shares its blocked owners hold reach the rule's threshold
(or, where the rule says so, when a blocked party controls it); a party so blocked is a
blocked owner in turn. This is the least fixed point, reached by one pass over the edges
(each edge is read once per owner it carries): a cycle of owners none of whom is blocked
from outside blocks nobody. Two passes: one with each share's lower bound (certain), one
with its upper bound (possible); unknown shares count in neither."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from watchlist.ownership.graph import CONTROL_CODE, OWNERSHIP_CODE, Graph, Relation
from watchlist.ownership.rules import Rule

#: The root of every blocked party under a rule adding up different owners' holdings.
AGGREGATE_ROOT = -1
_AGGREGATE = frozenset({AGGREGATE_ROOT})
LOW, HIGH = 0, 1


@dataclass
class Assessment:
    """What a rule makes of a graph and its listed parties: for the lower and the upper
    bound of the shares, each blocked party with the listed parties (its roots) it is
    blocked through (one shared root where the rule aggregates)."""

    graph: Graph
    rule: Rule
    listed: set[int]
    blocked: tuple[dict[int, set[int] | frozenset[int]], dict[int, set[int] | frozenset[int]]] \
        = field(default_factory=lambda: ({}, {}))

    def status(self, party: str) -> str | None:
        """"listed", "blocked" (certainly), "possible" (only with upper bounds) or None."""
        node = self.graph.number.get(party)
        if node is None:
            return None
        if node in self.listed:
            return "listed"
        if node in self.blocked[LOW]:
            return "blocked"
        if node in self.blocked[HIGH]:
            return "possible"
        return None

    def derived(self, bound: int = HIGH) -> list[str]:
        """Ids of the unlisted parties blocked (certainly, or possibly with HIGH)."""
        return [self.graph.ids[n] for n in self.blocked[bound] if n not in self.listed]


def assess(graph: Graph, rule: Rule, listed: Iterable[str]) -> Assessment:
    """The whole graph under `rule`, given the ids of the listed parties (ids not in the
    graph are ignored: they own nothing known)."""
    numbers = {graph.number[p] for p in listed if p in graph.number}
    assessment = Assessment(graph, rule, numbers)
    for bound in (LOW, HIGH):
        _propagate(assessment, bound, numbers, {}, scope=None)
    return assessment


def _root(rule: Rule, node: int) -> int:
    return AGGREGATE_ROOT if rule.aggregate else node


def _propagate(assessment: Assessment, bound: int, seeds: Iterable[int],
               acc: dict[int, float], scope: set[int] | None,
               barred: int | None = None, external: Iterable[tuple[int, int]] = ()) -> None:
    """Establish each seed as blocked through itself, then follow the edges: a share adds
    to what its owner's roots hold in the owned party; reaching the threshold (or control,
    where the rule counts it) blocks the owned party through that root. `scope`, when
    given, limits the parties that may change; `barred` may never be blocked (the party
    an explanation is about); `external` are (party, root) already reached from outside
    the scope."""
    graph, rule = assessment.graph, assessment.rule
    blocked = assessment.blocked[bound]
    aggregate = rule.aggregate
    owner_edges, owned_by, kind_code = graph.out_edges, graph._owned, graph._kind
    shares = graph._low if bound == LOW else graph._high
    work: list[tuple[int, int]] = []

    def establish(node: int, root: int) -> None:
        roots = blocked.get(node)
        if aggregate:
            if roots is None:
                blocked[node] = _AGGREGATE
                work.append((node, root))
            return
        if roots is None:
            blocked[node] = {root}
        elif root in roots:
            return
        else:
            roots.add(root)  # type: ignore[union-attr]
        work.append((node, root))

    for node, root in external:
        establish(node, root)
    for node in seeds:
        establish(node, _root(rule, node))
    threshold_reached = rule.reached
    control = rule.control
    while work:
        node, root = work.pop()
        for number in owner_edges[node] or ():
            owned = owned_by[number]
            if owned == barred or (scope is not None and owned not in scope):
                continue
            code = kind_code[number]
            if code == OWNERSHIP_CODE:
                share = shares[number]
                if share <= 0:
                    continue
                key = (owned << 32) | (root + 1)
                total = acc.get(key, 0.0) + share
                acc[key] = total
                if threshold_reached(total):
                    establish(owned, root)
            elif code == CONTROL_CODE and control:
                establish(owned, root)


def downstream(graph: Graph, starts: Iterable[int]) -> set[int]:
    """The parties reachable from `starts` along ownership and control edges, `starts`
    included: all whose status may depend on them."""
    seen = set(starts)
    work = list(seen)
    while work:
        node = work.pop()
        for number in graph.out_edges[node] or ():
            owned = graph._owned[number]
            if owned not in seen and graph._kind[number] in (OWNERSHIP_CODE, CONTROL_CODE):
                seen.add(owned)
                work.append(owned)
    return seen


def upstream(graph: Graph, start: int) -> set[int]:
    """The parties from which `start` is reachable along ownership and control edges."""
    seen = {start}
    work = [start]
    while work:
        node = work.pop()
        for number in graph.in_edges[node] or ():
            owner = graph._owner[number]
            if owner not in seen and graph._kind[number] in (OWNERSHIP_CODE, CONTROL_CODE):
                seen.add(owner)
                work.append(owner)
    return seen


def refresh(assessment: Assessment, changed: Iterable[int]) -> set[int]:
    """Recompute the parties whose status may depend on `changed` (the parties whose owners,
    shares or listing changed), keeping everything else; returns that scope."""
    graph, rule = assessment.graph, assessment.rule
    scope = downstream(graph, changed)
    for bound in (LOW, HIGH):
        blocked = assessment.blocked[bound]
        for node in scope:
            blocked.pop(node, None)
        acc: dict[int, float] = {}
        shares = graph._low if bound == LOW else graph._high
        reached: list[tuple[int, int]] = []
        for node in scope:
            for number in graph.in_edges[node] or ():
                owner = graph._owner[number]
                roots = blocked.get(owner) if owner not in scope else None
                if not roots:
                    continue
                code = graph._kind[number]
                for root in roots:
                    if code == CONTROL_CODE and rule.control:
                        reached.append((node, root))
                    elif code == OWNERSHIP_CODE and shares[number] > 0:
                        key = (node << 32) | (root + 1)
                        acc[key] = acc.get(key, 0.0) + shares[number]
                        if rule.reached(acc[key]):
                            reached.append((node, root))
        seeds = [n for n in scope if n in assessment.listed]
        _propagate(assessment, bound, seeds, acc, scope=scope, external=reached)
    return scope


def replace_owner(assessment: Assessment, owner: str, relations: Iterable[Relation],
                  source: str | None = None) -> set[int]:
    """Replace what `owner` owns and controls (only the edges of `source`, when given) with
    `relations`, and bring the assessment up to date; returns the parties recomputed."""
    graph = assessment.graph
    node = graph.node(owner)
    changed: set[int] = set()
    for number in list(graph.holdings_of(node)):
        edge = graph.edge(number)
        if source is None or edge.source == source:
            changed.add(edge.owned)
            graph.remove(number)
    for relation in relations:
        if relation.owner != owner:
            raise ValueError(f"relation of {relation.owner!r} given as one of {owner!r}")
        changed.add(graph.owned_by_edge(graph.add(relation)))
    return refresh(assessment, changed)


def set_listed(assessment: Assessment, added: Iterable[str] = (),
               removed: Iterable[str] = ()) -> set[int]:
    """Designations and delistings: update the listed parties and what follows from them."""
    graph = assessment.graph
    changed: set[int] = set()
    for party in added:
        node = graph.node(party)
        assessment.listed.add(node)
        changed.add(node)
    for party in removed:
        node = graph.number.get(party)
        if node is not None:
            assessment.listed.discard(node)
            changed.add(node)
    return refresh(assessment, changed)
