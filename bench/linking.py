"""Linking benchmark: records of several lists linked into one profile per party.

Run by hand (not in CI) against a store holding the shared snapshots:

    WATCHLIST_HOME=DIR python bench/linking.py [--baseline REF] [--sample N] [--seed S]

The index of the store's serving versions is built once with this tree's linker ("after");
the linker of git revision REF (default `main`, its `profiles/linking.py` loaded beside
this tree's name matching) links the same records ("before"), in the same run.

1. Per pair of lists: profiles holding records of both, and links between them; overall,
   the share of profiles (of more than one record) naming more than one list.
2. Recall: the truth is every pair of records of different lists that shares an identifier
   value (at most 6 records share it, as the linker counts it). Every identifier of every
   record is then hidden (no identifier property, no identifier index) and the records
   linked again; recall is the share of truth pairs still in one profile.
3. Precision: a seeded random sample of the organisation links this tree adds (records of
   different lists in one profile after and not before), each printed with both records'
   names, countries, regimes, identifiers and dates, to be verified by reading them.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from watchlist.index.build import build_index  # noqa: E402
from watchlist.match.prepare import ORG, kind_of  # noqa: E402
from watchlist.store.store import Store  # noqa: E402

MAX_ID_SHARE = 6


def baseline_linker(ref: str) -> Any:
    """The `link_profiles` of git revision `ref`."""
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:src/watchlist/profiles/linking.py"],
        check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_linking.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("baseline_linking", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["baseline_linking"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.link_profiles


def relink(index: Any, linker: Any, hide_identifiers: bool = False) -> Any:
    """A copy of the index linked by `linker` (identifiers hidden if asked)."""
    copied = copy.copy(index)
    if hide_identifiers:
        copied.parties = [dataclasses.replace(p, identifiers={}, _forms=p._forms)
                          for p in index.parties]
        copied.identifiers = {}
    linker(copied)
    return copied


def cross_pairs(index: Any) -> set[tuple[int, int]]:
    """Pairs of records of different lists in one profile."""
    out: set[tuple[int, int]] = set()
    for group in index.profiles:
        for a, b in combinations(sorted(group), 2):
            if index.sources[a] != index.sources[b]:
                out.add((a, b))
    return out


def per_pair(index: Any) -> tuple[Counter[tuple[str, str]], float, int]:
    both: Counter[tuple[str, str]] = Counter()
    multi = grouped = 0
    for group in index.profiles:
        sources = sorted({index.sources[e] for e in group})
        if len(group) > 1:
            grouped += 1
        if len(sources) > 1:
            multi += 1
        for pair in combinations(sources, 2):
            both[pair] += 1
    return both, multi / max(1, len(index.profiles)), multi


def truth_pairs(index: Any) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for value, members in index.identifiers.items():
        unique = sorted(set(members))
        if 1 < len(unique) <= MAX_ID_SHARE and len(set(value)) > 1:
            for a, b in combinations(unique, 2):
                if index.sources[a] != index.sources[b]:
                    out.add((a, b))
    return out


def describe(index: Any, e: int, regimes: Any) -> str:
    p = index.parties[e]
    names = "; ".join(n for n, _ in p.names[:3])
    regime = "; ".join(sorted({d["regime"] or "" for d in index.designations[e]}))[:80]
    ids = ",".join(sorted(p.identifier_values))[:60]
    return (f"{p.id} [{index.sources[e]}] {names[:110]} | countries={','.join(sorted(p.countries))}"
            f" regime={regime} ids={ids} dates={','.join(p.dates)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--sample", type=int, default=120)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()

    store = Store()
    started = time.perf_counter()
    after = build_index(store)
    print(f"index built and linked (after) in {time.perf_counter() - started:.0f} s; "
          f"{len(after.parties)} records")
    before = relink(after, baseline_linker(args.baseline))

    print("\n## Profiles holding records of both lists\n")
    b_pairs, b_share, b_multi = per_pair(before)
    a_pairs, a_share, a_multi = per_pair(after)
    b_links: Counter[tuple[str, str]] = Counter()
    a_links: Counter[tuple[str, str]] = Counter()
    for index, counter in ((before, b_links), (after, a_links)):
        for link in index.links:
            counter[tuple(sorted(link["sources"]))] += 1
    print("| lists | profiles before | profiles after | links before | links after |")
    print("|---|---:|---:|---:|---:|")
    for pair in sorted(set(a_pairs) | set(b_pairs)):
        print(f"| {pair[0]} + {pair[1]} | {b_pairs[pair]} | {a_pairs[pair]} | "
              f"{b_links[pair]} | {a_links[pair]} |")
    print(f"\nprofiles: before {len(before.profiles)}, after {len(after.profiles)}; "
          f"naming more than one list: before {b_multi} ({b_share:.2%}), "
          f"after {a_multi} ({a_share:.2%})")
    rules: Counter[str] = Counter(link["rule"] for link in after.links)
    print("links by rule (after):", dict(sorted(rules.items())))

    print("\n## Recall with identifiers hidden\n")
    truth = truth_pairs(after)
    for label, linker in (("before", baseline_linker(args.baseline)),
                          ("after", sys.modules["watchlist.profiles.linking"].link_profiles)):
        hidden = relink(after, linker, hide_identifiers=True)
        found = sum(1 for a, b in truth if hidden.profile_of[a] == hidden.profile_of[b])
        orgs = [(a, b) for a, b in truth if kind_of(after.parties[a].schema) == ORG]
        found_orgs = sum(1 for a, b in orgs if hidden.profile_of[a] == hidden.profile_of[b])
        print(f"{label}: {found}/{len(truth)} pairs sharing an identifier re-linked "
              f"({found / max(1, len(truth)):.1%}); organisations {found_orgs}/{len(orgs)} "
              f"({found_orgs / max(1, len(orgs)):.1%})")

    print("\n## New organisation links (sample)\n")
    new = sorted(cross_pairs(after) - cross_pairs(before))
    new_orgs = [(a, b) for a, b in new
                if ORG in (kind_of(after.parties[a].schema), kind_of(after.parties[b].schema))]
    via: dict[tuple[str, str], str] = {}
    for link in after.links:
        via[tuple(sorted((link["a"], link["b"])))] = link["rule"]
    print(f"new cross-list record pairs: {len(new)}, of organisations: {len(new_orgs)}")
    by_profile: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for a, b in new_orgs:
        by_profile[int(after.profile_of[a])].append((a, b))
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(new_orgs, min(args.sample, len(new_orgs))))
    for n, (a, b) in enumerate(sample, 1):
        rule = via.get(tuple(sorted((after.parties[a].id, after.parties[b].id))), "(via others)")
        print(f"{n}. {rule}\n   {describe(after, a, None)}\n   {describe(after, b, None)}")


if __name__ == "__main__":
    main()
