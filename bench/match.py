"""Matching benchmark: quality and speed of watchlist's screener, beside nomenklatura's.

Run by hand (not in CI); needs the `bench` extra (nomenklatura) and ../shared/data/lists.

    python bench/match.py [--home DIR] [--lists DIR] [--rows N] [--skip-batch]

1. Pair quality on nomenklatura's labelled name pairs: precision, recall, F1 at each
   system's default threshold (watchlist: the Screener's; nomenklatura: 0.70), overall and
   per case group.
2. End to end against the whole store: recall on UN-listed people (positives), top-1 (the
   right party ranked first among the positives found), and the share of 50,000 people on
   no list (negatives) that raise any alert.
3. Speed: pair scores/s, queries/s end to end on one core and on all cores, the time for a
   batch file of 1,000,000 rows through `watchlist screen`, peak memory, cold start.

Without --home, a store is built in a temporary WATCHLIST_HOME from --lists. Figures are
printed as Markdown tables, ready for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"
PAIRS = "matching/nomenklatura/name_bench_cases.csv"
POSITIVES = "matching/yente_candidate_generation/positives_un_untreated.csv"
NEGATIVES = "matching/yente_candidate_generation/negatives_global.csv"
PEERS = ("logic-v1", "logic-v2", "regression-v1")
PEER_THRESHOLD = 0.70
UN_SOURCE = "un_sc_sanctions"
TARGETS = {
    "pair_f1": 0.90, "recall": 0.99, "negatives_alerting": 0.01, "qps": 2000,
    "batch_1m_seconds": 600, "index_mb": 1024, "top1": 0.995,
}


def fmt_ok(ok: bool) -> str:
    return "yes" if ok else "**no**"


def norm(text: str) -> str:
    """Case, accents and punctuation away: how a found name is compared (independent of the
    engine's own normalisation)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def subprocess_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["WATCHLIST_HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


# -- 1. pair quality --------------------------------------------------------------------------


class Counts:
    def __init__(self) -> None:
        self.tp = self.fp = self.fn = self.tn = 0

    def add(self, predicted: bool, actual: bool) -> None:
        if predicted and actual:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif actual:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_pairs(lists: Path) -> list[dict[str, Any]]:
    from followthemoney import model

    pairs = []
    with open(lists / PAIRS, encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            query = model.make_entity(row["schema"])
            query.id = f"q{i}"
            query.add("name", row["name1"])
            candidate = model.make_entity(row["schema"])
            candidate.id = f"c{i}"
            candidate.add("name", row["name2"])
            pairs.append({"group": row["case_group"], "query": query, "candidate": candidate,
                          "match": row["is_match"].strip().lower() == "true"})
    return pairs


def _copy(entity: Any, round_: int) -> Any:
    copy = entity.clone()
    copy.id = f"{entity.id}-{round_}"
    return copy


def scorers(screener: Any) -> dict[str, tuple[Callable[[Any, Any], float], float]]:
    """name -> (score function on two FtM entities, that system's default threshold)."""
    from nomenklatura.matching import get_algorithm

    found: dict[str, tuple[Callable[[Any, Any], float], float]] = {
        "watchlist": (lambda q, c: float(screener.score(q, c).score), screener.threshold),
    }
    for name in PEERS:
        algorithm = get_algorithm(name)
        if algorithm is None:
            continue
        config = algorithm.default_config()

        def score(q: Any, c: Any, algorithm: Any = algorithm, config: Any = config) -> float:
            return float(algorithm.compare(q, c, config).score)

        found[f"nomenklatura {name}"] = (score, PEER_THRESHOLD)
    return found


def bench_pairs(pairs: list[dict[str, Any]], systems: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, (score, threshold) in systems.items():
        overall, groups = Counts(), defaultdict(Counts)
        for pair in pairs:
            predicted = score(pair["query"], pair["candidate"]) >= threshold
            overall.add(predicted, pair["match"])
            groups[pair["group"]].add(predicted, pair["match"])
        # speed: score every pair, again and again until two seconds have been spent scoring,
        # each round with fresh entity ids so that no per-entity cache is hit
        count, elapsed, rounds = 0, 0.0, 0
        while elapsed < 2.0:
            rounds += 1
            fresh = [(_copy(p["query"], rounds), _copy(p["candidate"], rounds)) for p in pairs]
            start = time.perf_counter()
            for query, candidate in fresh:
                score(query, candidate)
            elapsed += time.perf_counter() - start
            count += len(fresh)
        rate = count / elapsed
        results[name] = {"threshold": threshold, "overall": overall, "groups": dict(groups),
                         "pairs_per_second": rate}
    return results


def print_pairs(results: dict[str, Any], pairs: list[dict[str, Any]]) -> None:
    print(f"\n### Pair quality: {len(pairs)} labelled name pairs (nomenklatura name_bench)\n")
    print("| system | threshold | precision | recall | F1 | TP | FP | FN | TN |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        c = r["overall"]
        print(f"| {name} | {r['threshold']:.2f} | {c.precision:.3f} | {c.recall:.3f} | "
              f"**{c.f1:.3f}** | {c.tp} | {c.fp} | {c.fn} | {c.tn} |")
    ours = results["watchlist"]["overall"].f1
    best_peer = max((r["overall"].f1 for n, r in results.items() if n != "watchlist"),
                    default=0.0)
    print(f"\nTarget F1 >= {TARGETS['pair_f1']:.2f} and above every nomenklatura algorithm: "
          f"{fmt_ok(ours >= TARGETS['pair_f1'] and ours > best_peer)} "
          f"(watchlist {ours:.3f}, best peer {best_peer:.3f})")
    groups = sorted({p["group"] for p in pairs})
    names = list(results)
    print("\nPer case group (watchlist precision / recall / F1; the others' F1):\n")
    print("| group | pairs | watchlist P | watchlist R | watchlist F1 | "
          + " | ".join(f"{n.replace('nomenklatura ', '')} F1" for n in names[1:]) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * (len(names) - 1))
    for group in groups:
        c = results["watchlist"]["groups"][group]
        n = c.tp + c.fp + c.fn + c.tn
        others = " | ".join(f"{results[x]['groups'][group].f1:.3f}" for x in names[1:])
        print(f"| {group} | {n} | {c.precision:.3f} | {c.recall:.3f} | {c.f1:.3f} | {others} |")


# -- 2. end to end ----------------------------------------------------------------------------


def read_people(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    from watchlist.screening.readers import prepare_row

    rows = []
    with open(path, encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle), 1):
            raw = {"name": row["full_name"], "birth_date": row["date_of_birth"],
                   "country": row["nationality"], "schema": "Person"}
            prepared = prepare_row(raw, i)
            if prepared.get("error") and "country" in prepared["error"]:
                raw["country"] = None  # a nationality we cannot read: screen without it
                prepared = prepare_row(raw, i)
            prepared["full_name"] = row["full_name"]
            rows.append(prepared)
            if limit and len(rows) >= limit:
                break
    return rows


def un_names(home: Path) -> dict[str, set[str]]:
    """Every UN-listed target's names (normalised), by entity id."""
    os.environ["WATCHLIST_HOME"] = str(home)
    from watchlist.store.store import Store

    store = Store()
    versions = [v for v in store.serving() if v.source == UN_SOURCE]
    names: dict[str, set[str]] = {}
    for entity in store.iter_entities(versions, targets_only=True):
        values: set[str] = set()
        for prop in ("name", "alias", "weakAlias", "previousName"):
            values.update(norm(n) for n in entity.get(prop, quiet=True))
        names[entity.id or ""] = values
    return names


def hit_entity_ids(hit: dict[str, Any]) -> set[str]:
    ids = {hit.get("entity_id") or ""} | set(hit.get("entity_ids") or [])
    ids.update(d.get("entity_id") or "" for d in hit.get("designations") or [])
    return ids


def run_screen(rows: list[dict[str, Any]], workers: int,
               threshold: float | None = None) -> tuple[list[dict[str, Any]], Any]:
    from watchlist.screening.runner import ScreenerOpener, Summary, screen_chunks

    queries = [{k: v for k, v in r.items() if k != "full_name"} for r in rows]
    chunks = (queries[i:i + 250] for i in range(0, len(queries), 250))
    summary = Summary()
    records = [rec for recs in screen_chunks(chunks, opener=ScreenerOpener(threshold),
                                             workers=workers, limit=None, summary=summary,
                                             shape=False) for rec in recs]
    return records, summary


def bench_end_to_end(lists: Path, home: Path, rows_limit: int | None, workers: int
                     ) -> dict[str, Any]:
    un = un_names(home)
    all_un_names = set().union(*un.values()) if un else set()
    positives = read_people(lists / POSITIVES)
    negatives = read_people(lists / NEGATIVES, rows_limit)

    pos_records, _ = run_screen(positives, workers)
    found = top1 = present = found_present = 0
    missed = []
    for row, record in zip(positives, pos_records, strict=True):
        target = norm(row["full_name"])
        in_list = target in all_un_names
        present += in_list
        hit_rank = None
        for rank, hit in enumerate(record["matches"]):
            if any(target in un.get(eid, ()) for eid in hit_entity_ids(hit)):
                hit_rank = rank
                break
        if hit_rank is not None:
            found += 1
            found_present += in_list
            top1 += hit_rank == 0
        elif in_list:
            missed.append(row["full_name"] + (f" ({record['error']})" if record.get("error")
                                              else ""))

    neg_records, _ = run_screen(negatives, workers)
    alerting = sum(1 for r in neg_records if r["matches"])
    examples = [(row["full_name"], r["matches"][0].get("caption"), r["matches"][0].get("score"))
                for row, r in zip(negatives, neg_records, strict=True) if r["matches"]][:8]
    return {
        "positives": len(positives), "present": present, "found": found,
        "found_present": found_present, "top1": top1, "missed": missed,
        "negatives": len(negatives), "alerting": alerting,
        "neg_errors": sum(1 for r in neg_records if r.get("error")),
        "workers": workers, "examples": examples,
    }


def print_end_to_end(e2e: dict[str, Any]) -> None:
    print("\n### End to end against the whole store\n")
    recall_all = e2e["found"] / e2e["positives"]
    recall_present = e2e["found_present"] / e2e["present"] if e2e["present"] else 0.0
    share = e2e["alerting"] / e2e["negatives"] if e2e["negatives"] else 0.0
    print("| measure | value | target | met |")
    print("|---|---:|---:|:---:|")
    print(f"| recall, UN positives (all {e2e['positives']}) | {recall_all:.4f} "
          f"({e2e['found']}) | | |")
    print(f"| recall, UN positives present in the UN file ({e2e['present']}) | "
          f"**{recall_present:.4f}** ({e2e['found_present']}) | >= {TARGETS['recall']} | "
          f"{fmt_ok(recall_present >= TARGETS['recall'])} |")
    top1 = e2e["top1"] / e2e["found"] if e2e["found"] else 0.0
    print(f"| found as the best match (of all {e2e['positives']}) | "
          f"{e2e['top1'] / e2e['positives']:.4f} | | |")
    print(f"| top-1: the right party ranked first among the {e2e['found']} found | "
          f"**{top1:.4f}** ({e2e['top1']}) | >= {TARGETS['top1']} | "
          f"{fmt_ok(top1 >= TARGETS['top1'])} |")
    print(f"| negatives raising any alert ({e2e['negatives']:,} people on no list) | "
          f"**{share:.4%}** ({e2e['alerting']}) | <= {TARGETS['negatives_alerting']:.0%} | "
          f"{fmt_ok(share <= TARGETS['negatives_alerting'])} |")
    if e2e["missed"]:
        print(f"\nMissed positives ({len(e2e['missed'])}): "
              + "; ".join(e2e["missed"][:20]) + (" ..." if len(e2e["missed"]) > 20 else ""))
    if e2e["examples"]:
        print("\nSome negatives that alerted (query -> best match, score): " + "; ".join(
            f"{q} -> {c} ({s:.2f})" for q, c, s in e2e["examples"]))


# -- 3. speed ---------------------------------------------------------------------------------


HWM = """
def hwm_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024
"""

COLD = HWM + r"""
import json, time
t0 = time.perf_counter()
from watchlist.screener import Screener
t1 = time.perf_counter()
before = rss_mb()
screener = Screener.open()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "open": t2 - t1, "rss_before_mb": before,
                  "rss_after_mb": rss_mb(), "peak_mb": hwm_mb()}))
"""

SCREEN = HWM + r"""
import json, resource, sys, time
from watchlist.cli import app
start = time.perf_counter()
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps({"seconds": time.perf_counter() - start, "self_mb": hwm_mb(),
        "children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}),
        file=sys.stderr)
"""
# (VmHWM, not ru_maxrss, for the process itself: Linux carries ru_maxrss over exec, so a
# child of this big benchmark process would report this process's peak.)


def cold_start(home: Path, runs: int = 3) -> dict[str, float]:
    got = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", COLD], env=subprocess_env(home),
                              check=True, capture_output=True, text=True)
        got.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {key: statistics.median(g[key] for g in got) for key in got[0]}


def run_cli_screen(home: Path, source: Path, workers: int) -> dict[str, Any]:
    """`watchlist screen SOURCE` in a fresh process: wall time, the summary's rows/s
    (screening only, after the workers opened the index), peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.jsonl"
        args = ["screen", str(source), "-o", str(target), "--workers", str(workers),
                "--map", "full_name=name", "--map", "date_of_birth=birth_date",
                "--map", "nationality=country"]
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", SCREEN, *args], env=subprocess_env(home),
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"screen failed:\n{done.stderr[-3000:]}")
        with open(target, encoding="utf-8") as handle:
            written = sum(1 for _ in handle)
    stats = json.loads(done.stderr.strip().splitlines()[-1])
    summary = next((line.strip() for line in done.stderr.splitlines() if "Screened" in line),
                   "")
    m = re.search(r"Screened ([\d,]+) rows in ([\d.]+) s \(([\d,]+) rows/s", summary)
    rows = int(m.group(1).replace(",", "")) if m else written
    return {"wall": seconds, "rows": rows, "written": written,
            "screen_seconds": float(m.group(2)) if m else seconds,
            "rate": float(m.group(3).replace(",", "")) if m else rows / seconds,
            "summary": summary, "input_mb": source.stat().st_size / 1e6, **stats}


def batch_rows(lists: Path, count: int) -> Iterator[list[str]]:
    people = []
    for rel in (NEGATIVES, POSITIVES):
        with open(lists / rel, encoding="utf-8") as handle:
            people += [[r["full_name"], r["date_of_birth"], r["nationality"]]
                       for r in csv.DictReader(handle)]
    for i in range(count):
        yield [f"r{i + 1}", *people[i % len(people)], "Person"]


def write_csv(path: Path, rows: Iterator[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "full_name", "date_of_birth", "nationality", "schema"])
        writer.writerows(rows)
    return path


def bench_speed(lists: Path, home: Path, negatives: int | None, batch: int | None,
                workers: int) -> dict[str, Any]:
    """End-to-end speed, each run a fresh `watchlist screen` process (cold caches)."""
    out: dict[str, Any] = {"workers": workers}
    with tempfile.TemporaryDirectory() as tmp:
        with open(lists / NEGATIVES, encoding="utf-8") as handle:
            people = [[r["full_name"], r["date_of_birth"], r["nationality"], "Person"]
                      for r in csv.DictReader(handle)][:negatives]
        source = write_csv(Path(tmp) / "negatives.csv",
                           iter([str(i), *p] for i, p in enumerate(people, 1)))
        print("timing one worker ...", file=sys.stderr)
        out["one"] = run_cli_screen(home, source, 1)
        print(f"timing {workers} workers ...", file=sys.stderr)
        out["all"] = run_cli_screen(home, source, workers)
        if batch:
            print(f"screening a batch file of {batch:,} rows ...", file=sys.stderr)
            big = write_csv(Path(tmp) / "batch.csv", batch_rows(lists, batch))
            out["batch"] = run_cli_screen(home, big, workers)
    return out


def print_speed(pair_results: dict[str, Any], speed: dict[str, Any],
                cold: dict[str, float]) -> None:
    workers = speed["workers"]
    print("\n### Speed\n")
    print("| system | pair scores / s |")
    print("|---|---:|")
    for name, r in pair_results.items():
        print(f"| {name} | {r['pairs_per_second']:,.0f} |")
    print("\nEach run below is a fresh `watchlist screen` process on a CSV file; queries/s "
          "count screening only (after the workers opened the index), wall time is all of "
          "it.\n")
    print("| measure | value | target | met |")
    print("|---|---:|---:|:---:|")
    one, every = speed["one"], speed["all"]
    print(f"| queries / s end to end, 1 worker ({one['rows']:,} negatives) | "
          f"{one['rate']:,.0f} | | |")
    print(f"| queries / s end to end, {workers} workers (all cores) | "
          f"**{every['rate']:,.0f}** | >= {TARGETS['qps']:,} | "
          f"{fmt_ok(every['rate'] >= TARGETS['qps'])} |")
    batch = speed.get("batch")
    if batch:
        full = batch["rows"] >= 1_000_000
        label = ("time for 1,000,000 rows" if full
                 else f"time for 1,000,000 rows, projected from {batch['rows']:,} measured")
        million = batch["wall"] * 1_000_000 / batch["rows"]
        print(f"| batch file: {batch['rows']:,} rows ({batch['input_mb']:.0f} MB CSV) to JSON "
              f"lines, {workers} workers: wall time | {batch['wall']:.1f} s "
              f"({batch['rows'] / batch['wall']:,.0f} rows/s) | | |")
        print(f"| {label} | **{million / 60:.1f} min** | < 10 min | "
              f"{fmt_ok(million < TARGETS['batch_1m_seconds'])} |")
        print(f"| peak memory of the batch run: main process / largest worker | "
              f"{batch['self_mb']:.0f} MB / {batch['children_mb']:.0f} MB | | |")
    index_mb = cold["rss_after_mb"] - cold["rss_before_mb"]
    print(f"| index memory (RSS after Screener.open minus before) | **{index_mb:.0f} MB** | "
          f"< 1 GB | {fmt_ok(index_mb < TARGETS['index_mb'])} |")
    print(f"| peak memory of a process opening the Screener (VmHWM) | "
          f"{cold['peak_mb']:.0f} MB | | |")
    print(f"| cold start: Screener.open in a fresh process (index built) | "
          f"**{cold['open']:.2f} s** (+ {cold['import']:.2f} s imports) | < 2 s | "
          f"{fmt_ok(cold['open'] < 2)} |")
    for key in ("one", "all", "batch"):
        if key in speed:
            print(f"\n`watchlist screen` ({key}): {speed[key]['summary']}")


# -- main -------------------------------------------------------------------------------------


def build_store(lists: Path, home: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from watchlist.store.store import Store; from watchlist.updates.pipeline import "
         "update_from_paths; r = update_from_paths(Store(), [Path(sys.argv[1])]); "
         "print(len(r.outcomes), len(r.failures))", str(lists)],
        env=subprocess_env(home), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"building the store failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--home", type=Path, help="An existing WATCHLIST_HOME with the lists "
                        "loaded (default: build one in a temporary directory).")
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="Rows of the batch file (default 1,000,000).")
    parser.add_argument("--negatives", type=int, default=None,
                        help="Use only the first N negatives (default: all 50,000).")
    parser.add_argument("--workers", type=int, default=None, help="All cores by default.")
    parser.add_argument("--skip-batch", action="store_true", help="No batch-file run.")
    args = parser.parse_args()
    if not args.lists.is_dir():
        sys.exit(f"no list snapshots at {args.lists}")
    from watchlist.screening.runner import default_workers

    workers = args.workers or default_workers()
    tmp = None
    if args.home:
        home = args.home
    else:
        tmp = tempfile.TemporaryDirectory(prefix="watchlist-bench-")
        home = Path(tmp.name)
        print(f"building a store from {args.lists} in {home} ...", file=sys.stderr)
        print(f"store built in {build_store(args.lists, home):.0f} s", file=sys.stderr)
    os.environ["WATCHLIST_HOME"] = str(home)
    try:
        start = time.perf_counter()
        from watchlist.screener import Screener

        screener = Screener.open()  # builds the index if it is not there yet
        print(f"first Screener.open: {time.perf_counter() - start:.1f} s", file=sys.stderr)
        from importlib.metadata import version

        print("# Matching benchmark\n")
        command = " ".join(["python bench/match.py", *sys.argv[1:]])
        print(f"Command: `{command}`  ")
        print(f"Machine: {os.cpu_count()} cores ({workers} workers used), Python "
              f"{sys.version.split()[0]}, nomenklatura {version('nomenklatura')}.")

        pairs = load_pairs(args.lists)
        print("scoring pairs ...", file=sys.stderr)
        pair_results = bench_pairs(pairs, scorers(screener))
        print_pairs(pair_results, pairs)
        sys.stdout.flush()

        print("screening positives and negatives ...", file=sys.stderr)
        e2e = bench_end_to_end(args.lists, home, args.negatives, workers)
        print_end_to_end(e2e)
        sys.stdout.flush()

        cold = cold_start(home)
        speed = bench_speed(args.lists, home, args.negatives,
                            None if args.skip_batch else args.rows, workers)
        print_speed(pair_results, speed, cold)
        print(f"\nPeak memory of this benchmark process: "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.")
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
