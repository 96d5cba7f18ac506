"""Ownership benchmark: the rules engine (`watchlist.ownership`) on a synthetic graph, beside
a straightforward networkx computation of the same rule, in the same run.

Run by hand (not in CI); builds its own graph, needs no data.

    python bench/ownership.py [--edges 5000000] [--updates 20] [--seed 19]

The graph: `edges` ownership edges over edges/2 parties; each party's owners drawn from
the parties before it most of the time (chains several levels deep) and from anywhere
otherwise (cycles); shares of 5-70%, one in ten a PSC-style band, one in twenty unknown;
1% of the parties listed. Each stage runs in a child process of its own so its peak memory
(max RSS) is its own:

- engine: build the graph, assess it under us-ofac-50 (both bounds), then replace one
  random owner's holdings `updates` times (each an incremental update) and check the
  result equals a full recomputation's;
- networkx: the same graph as an `nx.DiGraph` with share attributes, and the same rule
  computed by a worklist over it (lower bounds only);
- both answers compared (the sets of parties blocked).

Figures are printed as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import time
from collections.abc import Iterator
from typing import Any

LISTED_SHARE = 0.01


def relations(edges: int, seed: int) -> Iterator[tuple[int, int, float | None, float | None]]:
    """(owner, owned, low, high) of the synthetic graph, deterministic for a seed."""
    rng = random.Random(seed)
    parties = max(2, edges // 2)
    for _ in range(edges):
        owned = rng.randrange(1, parties)
        owner = rng.randrange(0, owned) if rng.random() < 0.9 else rng.randrange(parties)
        if owner == owned:
            owner = (owned + 1) % parties
        draw = rng.random()
        if draw < 0.05:
            yield owner, owned, None, None
        elif draw < 0.15:
            low = rng.choice((25.0, 50.0, 75.0))
            yield owner, owned, low, min(100.0, low + 25.0)
        else:
            share = float(rng.randint(5, 70))
            yield owner, owned, share, share


def listed(edges: int, seed: int) -> list[str]:
    rng = random.Random(seed + 1)
    parties = max(2, edges // 2)
    return [f"p{i}" for i in rng.sample(range(parties), max(1, int(parties * LISTED_SHARE)))]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine(edges: int, seed: int, updates: int, out: Any) -> None:
    from watchlist.ownership.compute import LOW, assess, replace_owner
    from watchlist.ownership.graph import OWNERSHIP, Graph, Relation
    from watchlist.ownership.rules import RULES

    rule = RULES["us-ofac-50"]
    start = time.perf_counter()
    graph = Graph()
    for owner, owned, low, high in relations(edges, seed):
        graph.add_edge(f"p{owner}", f"p{owned}", OWNERSHIP, low, high, "bench")
    built = time.perf_counter() - start
    start = time.perf_counter()
    assessment = assess(graph, rule, listed(edges, seed))
    full = time.perf_counter() - start
    rng = random.Random(seed + 2)
    times = []
    for _ in range(updates):
        owner = f"p{rng.randrange(len(graph))}"
        holdings = [Relation(owner, f"p{rng.randrange(len(graph))}",
                             low=float(rng.randint(30, 80)), source="update")
                    for _ in range(rng.randint(1, 4))]
        holdings = [r for r in holdings if r.owned != owner]
        begin = time.perf_counter()
        replace_owner(assessment, owner, holdings)
        times.append(time.perf_counter() - begin)
    fresh = assess(graph, rule, [graph.ids[n] for n in assessment.listed])
    same = set(fresh.blocked[LOW]) == set(assessment.blocked[LOW]) and \
        set(fresh.blocked[1]) == set(assessment.blocked[1])
    times.sort()
    out.send({"build_s": built, "assess_s": full, "update_median_s": times[len(times) // 2],
              "update_max_s": times[-1], "updates_equal_full": same,
              "blocked_certain": len(assessment.blocked[LOW]),
              "blocked_possible": len(assessment.blocked[1]), "peak_mb": _peak_mb(),
              "parties": len(graph)})


def _original(edges: int, seed: int) -> Any:
    from watchlist.ownership.graph import OWNERSHIP, Graph

    graph = Graph()
    for owner, owned, low, high in relations(edges, seed):
        graph.add_edge(f"p{owner}", f"p{owned}", OWNERSHIP, low, high)
    return graph


def engine_blocked(edges: int, seed: int, out: Any) -> None:
    """The engine's blocked set alone (compared with networkx's)."""
    from watchlist.ownership.compute import LOW, assess
    from watchlist.ownership.rules import RULES

    graph = _original(edges, seed)
    found = assess(graph, RULES["us-ofac-50"], listed(edges, seed))
    out.send(sorted(int(graph.ids[n][1:]) for n in found.blocked[LOW] if n not in found.listed))


def with_networkx(edges: int, seed: int, out: Any) -> None:
    import networkx as nx

    start = time.perf_counter()
    graph = nx.DiGraph()
    for owner, owned, low, _high in relations(edges, seed):
        share = low or 0.0
        if graph.has_edge(owner, owned):  # a DiGraph holds one edge per pair: add shares up
            graph[owner][owned]["share"] += share
        else:
            graph.add_edge(owner, owned, share=share)
    built = time.perf_counter() - start
    start = time.perf_counter()
    blocked = {int(p[1:]) for p in listed(edges, seed)}
    held: dict[int, float] = {}
    work = list(blocked)
    while work:
        node = work.pop()
        if node not in graph:
            continue
        for owned in graph.successors(node):
            held[owned] = held.get(owned, 0.0) + graph[node][owned]["share"]
            if owned not in blocked and held[owned] >= 50.0 - 1e-9:
                blocked.add(owned)
                work.append(owned)
    full = time.perf_counter() - start
    listed_nodes = {int(p[1:]) for p in listed(edges, seed)}
    out.send({"build_s": built, "assess_s": full, "peak_mb": _peak_mb(),
              "blocked": sorted(blocked - listed_nodes)})


def _run(target: Any, *args: Any) -> Any:
    here, there = mp.Pipe(duplex=False)
    process = mp.get_context("fork").Process(target=target, args=(*args, there))
    process.start()
    result = here.recv()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=5_000_000)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    ours = _run(engine, args.edges, args.seed, args.updates)
    theirs = _run(with_networkx, args.edges, args.seed)
    same = _run(engine_blocked, args.edges, args.seed) == theirs.pop("blocked")
    print(f"{args.edges:,} edges, {ours['parties']:,} parties, "
          f"{int(args.edges // 2 * LISTED_SHARE):,} listed; seed {args.seed}")
    print("| | build | full computation | update of one owner (median / max) | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    print(f"| watchlist.ownership | {ours['build_s']:.1f} s | {ours['assess_s']:.2f} s "
          f"(both bounds) | {ours['update_median_s'] * 1000:.1f} ms / "
          f"{ours['update_max_s'] * 1000:.1f} ms | {ours['peak_mb']:,.0f} MB |")
    print(f"| networkx worklist | {theirs['build_s']:.1f} s | {theirs['assess_s']:.2f} s "
          f"(lower bound) | - | {theirs['peak_mb']:,.0f} MB |")
    print(f"\nblocked: {ours['blocked_certain']:,} certainly, {ours['blocked_possible']:,} "
          f"possibly (after the updates); same blocked set as networkx: {same}; "
          f"{args.updates} updates equal to a full recomputation: {ours['updates_equal_full']}")


if __name__ == "__main__":
    main()
