"""Monitoring benchmark: the work a delta `monitor` run saves against a full re-screen, and
whether it raises the same new alerts, on real pairs of list snapshots.

Run by hand (not in CI); needs ../shared/data/lists.

    python bench/monitor.py [--lists DIR] [--customers N] [--only NAME]

For each pair (older snapshot A, newer snapshot B of one list):

1. a store holding A screens a customer book in full (`monitor`);
2. B is imported; the store is copied;
3. one copy runs `monitor` (delta), the other `monitor --full`, each in a fresh process
   with its index already open; both are timed, their
   searches of the full index and pairs scored counted, and the new alerts compared
   (customer, listed party).

The book: N people from the synthetic negatives (on no list), plus 60 names taken from
the lists themselves (30 designated only in B, 30 in both), so there are alerts to raise.
Pairs: OFAC SDN CSV 2021-07 -> 2022-11, SEMA 2020-04 -> 2025-05, OFSI 2018-04 -> 2025-04,
and a weekly-sized pair derived from the real 2022-11 SDN file: the file without its 40
newest entries (highest ent_num), then the file as published. Figures are printed as a
Markdown table for docs/monitoring.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"
NEGATIVES = "matching/yente_candidate_generation/negatives_global.csv"

PAIRS = {
    "ofac-sdn-2021-2022": ("us_ofac_sdn", "ofac/sdn_csv_2021-07", "ofac/sdn_csv_2022-11/sdn.csv"),
    "sema-2020-2025": ("ca_dfatd_sema_sanctions", "ca/sema-lmes_2020-04.xml",
                       "ca/sema-lmes_2025-05.xml"),
    "ofsi-2018-2025": ("gb_hmt_sanctions", "uk/ofsi_conlist_2018-04-13.csv",
                       "uk/ofsi_conlist_2025-04-10_from_xlsx.csv.gz"),
    "ofac-sdn-weekly": ("us_ofac_sdn", "derived", "ofac/sdn_csv_2022-11/sdn.csv"),
}


def weekly_pair(lists: Path, folder: Path, newest: int = 40) -> Path:
    """The real 2022-11 SDN file without its `newest` highest ent_nums (the week before)."""
    source = lists / "ofac/sdn_csv_2022-11/sdn.csv"
    lines = source.read_bytes().split(b"\n")
    nums = sorted({int(line.split(b",", 1)[0]) for line in lines
                   if line[:1].isdigit()})
    dropped = {str(n).encode() for n in nums[-newest:]}
    kept = [line for line in lines if line.split(b",", 1)[0] not in dropped]
    out = folder / "week0" / "sdn.csv"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"\n".join(kept))
    return out


def use_home(path: Path) -> Any:
    os.environ["WATCHLIST_HOME"] = str(path)
    from watchlist.store.store import Store

    return Store()


def import_file(store: Any, path: Path) -> None:
    from watchlist.updates.pipeline import update_from_paths

    report = update_from_paths(store, [path])
    if report.failures:
        raise SystemExit(f"import of {path} failed: {report.failures}")


def book(lists: Path, scratch: Path, source: str, old: Path, new: Path, size: int,
         seed: int = 7) -> Path:
    """A customer book: `size` negatives and names from the two snapshots."""
    from watchlist.monitor.diff import default_pair, diff_versions, load_records, target_digests

    store = use_home(scratch)
    import_file(store, old)
    import_file(store, new)
    a, b = default_pair(store, source)
    diff = diff_versions(store, a, b, with_fields=False)
    rng = random.Random(seed)
    added = [r for r in diff.added if r["caption"]]
    rng.shuffle(added)
    with store.engine.connect() as conn:
        both = sorted(target_digests(conn, a.id).keys() & target_digests(conn, b.id).keys())
        rng.shuffle(both)
        common = load_records(conn, b.id, both[:30], with_linked=False)
    rows = []
    with open(lists / NEGATIVES, encoding="utf-8") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if i >= size:
                break
            rows.append({"id": f"N{i:06d}", "name": row["full_name"],
                         "birth_date": row["date_of_birth"], "schema": "Person"})
    for r in added[:30]:
        rows.append({"id": f"A-{r['entity_id']}", "name": r["caption"], "birth_date": "",
                     "schema": r["schema"] if r["schema"] == "Person" else ""})
    for entity_id, record in common.items():
        rows.append({"id": f"B-{entity_id}", "name": record.target.caption, "birth_date": "",
                     "schema": "Person" if record.target.schema.name == "Person" else ""})
    path = scratch / "book.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "name", "birth_date", "schema"])
        writer.writeheader()
        writer.writerows(rows)
    store.close()
    return path


def measure(home: Path, full: bool) -> dict[str, Any]:
    """One monitor run on the store at `home`, timed after its index is open."""
    from watchlist.monitor.alerts import list_alerts
    from watchlist.monitor.run import run_monitor
    from watchlist.screener import Screener

    store = use_home(home)
    screener = Screener.open(store)  # index loaded before the clock starts, as for both
    started = time.perf_counter()
    stats = run_monitor(store, screener, full=full)
    seconds = time.perf_counter() - started
    found, _total = list_alerts(store, status="all")
    ids = set(stats.new_alert_ids)
    new = sorted([a["customer_id"], a["matched_entity_id"]] for a in found if a["id"] in ids)
    return {"stats": stats.to_dict(), "new": new, "seconds": seconds}


def run(home: Path, full: bool) -> tuple[dict[str, Any], set[tuple[str, str]], float]:
    """`measure` in a process of its own, so no cache warmed by one run helps the other."""
    command = [sys.executable, __file__, "--measure", str(home)] + (["--full"] if full else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    return result["stats"], {tuple(x) for x in result["new"]}, result["seconds"]


def scenario(name: str, lists: Path, customers: int, work: Path) -> dict[str, Any]:
    from watchlist.monitor.portfolio import import_book
    from watchlist.monitor.run import run_monitor
    from watchlist.screener import Screener

    source, old_rel, new_rel = PAIRS[name]
    old = weekly_pair(lists, work) if old_rel == "derived" else lists / old_rel
    new = lists / new_rel
    book_path = book(lists, work / "scratch", source, old, new, customers)
    home = work / "delta"
    store = use_home(home)
    import_file(store, old)
    import_book(store, book_path)
    run_monitor(store, Screener.open(store))
    import_file(store, new)
    store.close()
    shutil.copytree(home, work / "full")
    delta, delta_new, delta_seconds = run(home, full=False)
    full, full_new, full_seconds = run(work / "full", full=True)
    return {
        "pair": name, "customers": delta["customers"],
        "added": delta["targets_added"], "changed": delta["targets_changed"],
        "delta_searches": delta["searches"], "full_searches": full["searches"],
        "delta_pairs": delta["pairs_full"] + delta["pairs_delta"],
        "full_pairs": full["pairs_full"] + full["pairs_delta"],
        "delta_seconds": delta_seconds, "full_seconds": full_seconds,
        "delta_new": len(delta_new), "full_new": len(full_new),
        "same": len(delta_new & full_new), "only_delta": sorted(delta_new - full_new),
        "only_full": sorted(full_new - delta_new),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--only", choices=sorted(PAIRS))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.full)))
        return
    results = []
    for name in [args.only] if args.only else list(PAIRS):
        with tempfile.TemporaryDirectory(prefix="wl-bench-monitor-") as tmp:
            result = scenario(name, args.lists, args.customers, Path(tmp))
        results.append(result)
        print(f"{name}: {result}", file=sys.stderr, flush=True)
    print("| pair | customers | targets added / changed | searches (delta / full) | "
          "pairs scored (delta / full) | seconds (delta / full) | time saved | "
          "new alerts (delta / full / both) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        saved = 1 - r["delta_seconds"] / r["full_seconds"] if r["full_seconds"] else 0.0
        print(f"| {r['pair']} | {r['customers']:,} | {r['added']:,} / {r['changed']:,} | "
              f"{r['delta_searches']:,} / {r['full_searches']:,} | "
              f"{r['delta_pairs']:,} / {r['full_pairs']:,} | "
              f"{r['delta_seconds']:.1f} / {r['full_seconds']:.1f} | {saved:.0%} | "
              f"{r['delta_new']} / {r['full_new']} / {r['same']} |")
    for r in results:
        if r["only_delta"] or r["only_full"]:
            print(f"\n{r['pair']}: only the delta raised {r['only_delta']}; only the full "
                  f"re-screen raised {r['only_full']}")


if __name__ == "__main__":
    main()
