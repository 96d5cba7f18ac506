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
               barred: int | None = None, external: Iterable[tuple[int, int]] = (),
               grow: bool = False) -> None:
    """Establish each seed as blocked through itself, then follow the edges: a share adds
    to what its owner's roots hold in the owned party; reaching the threshold (or control,
    where the rule counts it) blocks the owned party through that root.

    `scope`, when given, holds the parties being recomputed (their `acc` complete but for
    what the work will add); a party outside it is skipped, or with `grow` taken in: its
    `acc` first filled from its owners blocked before this run began (the others add
    theirs when their turn comes). `barred` is never blocked (the party an explanation is
    about); `external` are (party, root) already reached from outside the scope."""
    graph, rule = assessment.graph, assessment.rule
    blocked = assessment.blocked[bound]
    aggregate = rule.aggregate
    owner_edges, owned_by, kind_code = graph.out_edges, graph._owned, graph._kind
    shares = graph._low if bound == LOW else graph._high
    work: list[tuple[int, int]] = []
    fresh: set[int] = set()
    taken: set[int] = set()

    def establish(node: int, root: int) -> None:
        roots = blocked.get(node)
        if aggregate:
            if roots is None:
                blocked[node] = _AGGREGATE
                fresh.add(node)
                work.append((node, root))
            return
        if roots is None:
            blocked[node] = {root}
        elif root in roots:
            return
        else:
            roots.add(root)  # type: ignore[union-attr]
        fresh.add(node)
        work.append((node, root))

    def take_in(node: int) -> None:
        """Fill the acc of a party outside the scope from its settled blocked owners."""
        taken.add(node)
        for number in graph.in_edges[node] or ():
            owner = graph._owner[number]
            roots = blocked.get(owner)
            if not roots or owner in fresh or owner in scope:  # type: ignore[operator]
                continue
            if kind_code[number] == OWNERSHIP_CODE and shares[number] > 0:
                for root in roots:
                    key = (node << 32) | (root + 1)
                    acc[key] = acc.get(key, 0.0) + shares[number]

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
            if owned == barred:
                continue
            if scope is not None and owned not in scope:
                if not grow:
                    continue
                if owned not in taken:
                    take_in(owned)
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


def affected(assessment: Assessment, changed: Iterable[int]) -> set[int]:
    """The parties whose status may be lost through `changed`: those parties, and every
    party reached from them through parties blocked now (only a blocked party passes
    anything on). What may newly become blocked is found while recomputing."""
    graph = assessment.graph
    blocked = assessment.blocked[HIGH]
    seen = set(changed)
    work = [n for n in seen if n in blocked]
    while work:
        node = work.pop()
        for number in graph.out_edges[node] or ():
            owned = graph._owned[number]
            if owned not in seen and graph._kind[number] in (OWNERSHIP_CODE, CONTROL_CODE):
                seen.add(owned)
                if owned in blocked:
                    work.append(owned)
    return seen


def refresh(assessment: Assessment, changed: Iterable[int]) -> set[int]:
    """Recompute what may depend on `changed` (the parties whose owners, shares or listing
    changed), keeping everything else: the affected parties are unblocked and derived
    again from the owners outside them, and the work goes on to whatever it newly blocks.
    Returns the affected parties."""
    graph, rule = assessment.graph, assessment.rule
    scope = affected(assessment, changed)
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
        _propagate(assessment, bound, seeds, acc, scope=scope, external=reached, grow=True)
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
