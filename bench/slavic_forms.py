"""Name forms of Belarus, Ukraine and Russia: mining the lists' own pairs, and measuring.

Run by hand (not in CI) against a store holding the lists (OFAC, UK, Canada, Australia, UN):

    python bench/slavic_forms.py --mine        # candidate given-name pairs, for review
    python bench/slavic_forms.py               # held-back pairs, before and after

A record of a person whose names are East Slavic (a Cyrillic name, a patronymic) and
written in Latin letters more than once gives pairs of names of one person in two
conventions ("Aliaksandr Ryhoravich Lukashenka" / "Alexander Grigoryevich Lukashenko").
Records are split by a hash of their id: four in five are development data (the table of
`watchlist.names.slavic_table` was mined from them), one in five is held back. On the
held-back records each name is scored against the record's other names (positives) and
against the names of other held-back records sharing a given name or a family name with it
(negatives), at the screener's threshold, with and without the Slavic forms.
"""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

_PATRONYMIC = re.compile(r"(vich|vych|vitch|vic|wich|vna|wna|ichna|ich|ych)$")


def held_back(record_id: str) -> bool:
    """One record in five, by a hash of its id, is kept for evaluation."""
    return zlib.crc32(record_id.encode()) % 5 == 0


def slavic_records(index: Any) -> list[tuple[str, list[str]]]:
    """(record id, its distinct normalised Latin names) of people with East Slavic names."""
    from watchlist.match.prepare import is_patronymic
    from watchlist.names.normalize import normalize_text
    from watchlist.names.scripts import main_script

    out = []
    for party in index.parties:
        if party.schema != "Person" or not party.id:
            continue
        latin = sorted({normalize_text(n) for n, _ in party.names if n.isascii()} - {""})
        if len(latin) < 2:
            continue
        cyrillic = any(main_script(n) == "Cyrillic" for n, _ in party.names)
        if cyrillic or any(is_patronymic(t) for n in latin for t in n.split()):
            out.append((party.id, latin))
    return out


def _loose(token: str) -> str:
    token = token.replace("kh", "h").replace("g", "h").replace("w", "v").replace("j", "y")
    return re.sub(r"[aeiouy]+", "a", token.replace("x", "ks"))


def _loose_sim(a: str, b: str) -> float:
    from rapidfuzz.distance import OSA

    x, y = _loose(a), _loose(b)
    return 1.0 - OSA.distance(x, y) / max(len(x), len(y))


def mine(records: list[tuple[str, list[str]]]) -> dict[tuple[str, str], set[str]]:
    """Given-name token pairs two names of one development record differ in, with the
    records attesting each. The tokens two names do not share are aligned: patronymic with
    patronymic, and the others one to one (or two to two, the most alike way round); a pair
    is a given name's when either token is one the lists write before a patronymic in two
    names or more, and kept when its loose keys are alike (0.7)."""
    given: Counter[str] = Counter()
    for _, names in records:
        for name in names:
            tokens = name.split()
            for a, b in zip(tokens, tokens[1:], strict=False):
                if _patronymic(b) and not _patronymic(a):
                    given[a] += 1
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record_id, names in records:
        if held_back(record_id):
            continue
        for x, first in enumerate(names):
            for second in names[x + 1:]:
                a, b = first.split(), second.split()
                na = [t for t in a if t not in b and not _patronymic(t)]
                nb = [t for t in b if t not in a and not _patronymic(t)]
                aligned: list[tuple[str, str]] = []
                if len(na) == len(nb) == 1:
                    aligned = [(na[0], nb[0])]
                elif len(na) == len(nb) == 2:
                    straight = _loose_sim(na[0], nb[0]) + _loose_sim(na[1], nb[1])
                    crossed = _loose_sim(na[0], nb[1]) + _loose_sim(na[1], nb[0])
                    aligned = list(zip(na, nb if straight >= crossed else nb[::-1],
                                       strict=True))
                for u, v in aligned:
                    if len(u) < 2 or len(v) < 2 or _loose_sim(u, v) < 0.7:
                        continue
                    if given[u] >= 2 or given[v] >= 2:
                        pairs[(min(u, v), max(u, v))].add(record_id)
    return pairs


def _patronymic(token: str) -> bool:
    return len(token) > 5 and _PATRONYMIC.search(token) is not None


def evaluate(records: list[tuple[str, list[str]]], stats: Any, threshold: float
             ) -> dict[str, float]:
    """Precision, recall and F1 on the held-back records' pairs at the threshold."""
    from watchlist.match.model import WatchlistV1
    from watchlist.match.prepare import Party
    from watchlist.names.slavic import family_key, given_group

    held = [(rid, names) for rid, names in records if held_back(rid)]
    by_token: dict[str, set[int]] = defaultdict(set)
    for k, (_, names) in enumerate(held):
        for name in names:
            for token in name.split():
                key = given_group(token) or family_key(token)
                if key:
                    by_token[key].add(k)
    tp = fp = fn = tn = 0
    for k, (_, names) in enumerate(held):
        for x, name in enumerate(names):
            query = Party.from_query(name, "Person")
            others = [n for n in names if n != name]
            score = WatchlistV1.compare(query, Party.from_query(others, "Person"),
                                        stats=stats).score
            if score >= threshold:
                tp += 1
            else:
                fn += 1
            if x:
                continue
            near: set[int] = set()
            for token in name.split():
                key = given_group(token) or family_key(token)
                if key:
                    near |= by_token[key]
            for j in sorted(near - {k})[:20]:
                other = Party.from_query(held[j][1], "Person")
                if WatchlistV1.compare(query, other, stats=stats).score >= threshold:
                    fp += 1
                else:
                    tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"records": len(held), "positives": tp + fn, "negatives": fp + tn, "tp": tp,
            "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mine", action="store_true", help="print candidate pairs")
    args = parser.parse_args()

    from watchlist.index.build import open_index
    from watchlist.match import symbols
    from watchlist.screener import DEFAULT_THRESHOLD
    from watchlist.store.store import Store

    index = open_index(Store())
    records = slavic_records(index)
    if args.mine:
        for (u, v), ids in sorted(mine(records).items(), key=lambda kv: -len(kv[1])):
            print(f"{u}\t{v}\t{len(ids)}\t{sorted(ids)[0]}")
        return
    symbols.set_runtime(True)
    after = evaluate(records, index.stats, DEFAULT_THRESHOLD)
    symbols._TABLE.clear()
    original = symbols.slavic_symbols
    symbols.slavic_symbols = lambda token: frozenset()  # type: ignore[assignment]
    try:
        before = evaluate(records, index.stats, DEFAULT_THRESHOLD)
    finally:
        symbols.slavic_symbols = original  # type: ignore[assignment]
    print(f"held-back records: {after['records']}, positive pairs: {after['positives']}, "
          f"negative pairs: {after['negatives']}, threshold {DEFAULT_THRESHOLD:.2f}\n")
    print("| | precision | recall | F1 | TP | FP | FN |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, r in (("without Slavic forms", before), ("with Slavic forms", after)):
        print(f"| {label} | {r['precision']:.3f} | {r['recall']:.3f} | **{r['f1']:.3f}** | "
              f"{r['tp']} | {r['fp']} | {r['fn']} |")


if __name__ == "__main__":
    main()
