"""Why a party is blocked by ownership or control: the share its blocked owners hold (lower
and upper bound), and every path from a listed party down to it, each edge with its share,
source and date, told in words too.

The share counts only owners blocked without the party itself (an owner blocked through the
party, round a cycle, proves nothing about it): the rule is re-run over the party's owners
with the party barred."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchlist.ownership.compute import (
    AGGREGATE_ROOT,
    HIGH,
    LOW,
    Assessment,
    _propagate,
    upstream,
)
from watchlist.ownership.graph import CONTROL, CONTROL_CODE, OWNERSHIP_CODE, Edge

#: Paths reported at most, and the longest path followed, so a dense graph stays readable.
MAX_PATHS = 25
MAX_DEPTH = 12


@dataclass(frozen=True)
class Finding:
    """A party blocked by ownership or control under a rule."""

    party: str
    name: str
    rule: str
    status: str  # "blocked" (certain) or "possible" (only with the shares' upper bounds)
    share: float  # lower bound of the blocked owners' share, percent
    share_high: float
    controlled: bool
    paths: list[list[dict[str, Any]]]
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        return {"share": round(self.share, 4), "share_high": round(self.share_high, 4),
                "rule": self.rule, "status": self.status, "controlled": self.controlled,
                "paths": self.paths, "explanation": self.explanation}


def explain(assessment: Assessment, party: str) -> Finding | None:
    """The finding for `party`, or None when it is listed itself or not blocked."""
    graph, rule = assessment.graph, assessment.rule
    node = graph.number.get(party)
    if node is None or node in assessment.listed or node not in assessment.blocked[HIGH]:
        return None
    scope = upstream(graph, node)
    local = Assessment(graph, rule, assessment.listed & scope)
    for bound in (LOW, HIGH):
        _propagate(local, bound, local.listed, {}, scope=scope, barred=node)
    low, low_control, low_roots = _share(local, node, LOW)
    high, high_control, high_roots = _share(local, node, HIGH)
    certain = node in assessment.blocked[LOW]
    roots = low_roots if certain else high_roots
    paths = _paths(local, node, roots)
    return Finding(party, graph.name_of(node), rule.name, "blocked" if certain else "possible",
                   round(min(low, 100.0), 4), round(min(max(high, low), 100.0), 4),
                   low_control or high_control,
                   paths, _words(local, node, certain, low, high, low_control or high_control,
                                 paths))


def _share(local: Assessment, node: int, bound: int) -> tuple[float, bool, set[int]]:
    """The best root's share of `node` held by blocked owners, whether one controls it,
    and the roots reaching the rule."""
    graph, rule = local.graph, local.rule
    blocked = local.blocked[bound]
    by_root: dict[int, float] = {}
    controllers: set[int] = set()
    for number in graph.owners_of(node):
        roots = blocked.get(graph.owner_of_edge(number))
        if not roots:
            continue
        code = graph.kind_code(number)
        share = graph.share_bounds(number)[bound]
        for root in roots:
            if code == OWNERSHIP_CODE:
                by_root[root] = by_root.get(root, 0.0) + share
            elif code == CONTROL_CODE and rule.control:
                controllers.add(root)
    best = max(by_root.values(), default=0.0)
    reaching = {r for r, s in by_root.items() if rule.reached(s)} | controllers
    return best, bool(controllers), reaching or set(by_root)


def _paths(local: Assessment, node: int, roots: set[int]) -> list[list[dict[str, Any]]]:
    """Paths from listed parties down to `node` through blocked owners of the given roots,
    each a list of edges from the top; no party twice on a path."""
    graph, rule = local.graph, local.rule
    blocked = local.blocked[HIGH]
    found: list[list[dict[str, Any]]] = []

    def walk(at: int, below: list[Edge], on_path: set[int]) -> None:
        if len(found) >= MAX_PATHS or len(below) >= MAX_DEPTH:
            return
        for number in graph.owners_of(at):
            owner = graph.owner_of_edge(number)
            owner_roots = blocked.get(owner)
            code = graph.kind_code(number)
            if owner in on_path or not owner_roots:
                continue
            if code != OWNERSHIP_CODE and not (code == CONTROL_CODE and rule.control):
                continue
            if AGGREGATE_ROOT not in owner_roots and not (owner_roots & roots):
                continue
            path = [graph.edge(number), *below]
            if owner in local.listed:
                found.append([_edge_dict(local, e) for e in path])
            else:
                walk(owner, path, on_path | {owner})
            if len(found) >= MAX_PATHS:
                return

    walk(node, [], {node})
    return found


def _edge_dict(local: Assessment, edge: Edge) -> dict[str, Any]:
    graph = local.graph
    return {"owner": graph.ids[edge.owner], "owner_name": graph.name_of(edge.owner),
            "owner_listed": edge.owner in local.listed,
            "owned": graph.ids[edge.owned], "owned_name": graph.name_of(edge.owned),
            "kind": edge.kind, "share": _rounded(edge.low), "share_high": _rounded(edge.high),
            "source": edge.source, "as_of": edge.as_of or None}


def _rounded(share: float | None) -> float | None:
    """A share as reported: to four decimals (a band's excluded bound shows as the bound)."""
    return None if share is None else round(share, 4)


def _edge_words(edge: dict[str, Any]) -> str:
    if edge["kind"] == CONTROL:
        held = "controls"
    elif edge["share"] is None:
        held = "owns an unknown share of"
    elif edge["share_high"] not in (None, edge["share"]):
        held = f"owns {edge['share']:g}-{edge['share_high']:g}% of"
    else:
        held = f"owns {edge['share']:g}% of"
    where = ", ".join(x for x in (edge["source"], edge["as_of"]) if x)
    return f"{held} {edge['owned_name']}" + (f" ({where})" if where else "")


def _words(local: Assessment, node: int, certain: bool, low: float, high: float,
           controlled: bool, paths: list[list[dict[str, Any]]]) -> str:
    """The finding in a sentence or two, naming the rule and each path."""
    rule = local.rule
    name = local.graph.name_of(node)
    owners_counted = {p[-1]["owner"] for p in paths}
    together = "in the aggregate " if rule.aggregate and len(owners_counted) > 1 else ""
    low, high = round(min(low, 100.0), 4), round(min(high, 100.0), 4)
    band = f"{low:g}%" if high <= low else f"{low:g}% to {high:g}%"
    owners = "listed parties" if all(len(p) == 1 for p in paths) else \
        "listed parties and parties blocked through them"
    if controlled and not rule.reached(low):
        held = f"controlled by {owners}"
    else:
        held = f"owned {band} {together}by {owners}"
    verdict = "is blocked" if certain else "may be blocked (only if the shares are at the " \
                                         "top of their bands)"
    told = "; ".join(f"{p[0]['owner_name']} (listed) " + ", which ".join(_edge_words(e)
                                                                        for e in p)
                     for p in paths)
    return (f"{name} is not listed but is {held}, so it {verdict} under {rule.name} "
            f"({rule.comparison()}{' or control' if rule.control else ''}): {told}.")
