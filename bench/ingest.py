"""Ingest benchmark: per source, records/s and peak memory of a full import into a fresh store.

Each import runs in its own process so its peak memory (max RSS) is its own. Beside each
figure, the same run measures a floor: streaming the same file with no entity building
(lxml iterparse counting elements, or the csv/openpyxl reader counting rows).

    python bench/ingest.py [--lists ../shared/data/lists]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"

CASES = [
    ("us_ofac_sdn", "ofac/sdn_csv_2022-11/sdn.csv"),
    ("us_ofac_cons", "ofac/cons_xml_2025-03/consolidated.xml"),
    ("gb_hmt_sanctions", "uk/UK_Sanctions_List_2025-04.xlsx"),
    ("gb_hmt_sanctions", "uk/ofsi_conlist_2018-04-13.csv"),
    ("gb_fcdo_sanctions", "uk/fixtures/UK_Sanctions_List_excerpt_2026-09-10.xml"),
    ("eu_fsf", "eu/fixtures/eu_fsf_excerpt_2026-08-05.xml"),
    ("un_sc_sanctions", "un/consolidated_2026-02-27.xml"),
    ("ca_dfatd_sema_sanctions", "ca/sema-lmes_2025-05.xml"),
    ("au_dfat_sanctions", "au/regulation8_consolidated_2024-12.xlsx"),
]

IMPORT = r"""
import json, resource, sys, time
from pathlib import Path
from watchlist.store.store import Store
from watchlist.updates.pipeline import update_from_paths
from watchlist.normalize.countries import country_code
from watchlist.sources.registry import formats
path = Path(sys.argv[1])
warm = time.perf_counter()
formats(), country_code("France")  # one-off per process: format modules, country tables
warmup = time.perf_counter() - warm
start = time.perf_counter()
report = update_from_paths(Store(), [path])
elapsed = time.perf_counter() - start
[outcome] = report.outcomes
print(json.dumps({"targets": outcome.version.targets, "entities": outcome.version.entities,
                  "seconds": elapsed, "warmup": warmup,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = r"""
import csv, io, json, resource, sys, time
from pathlib import Path
from lxml import etree
path = Path(sys.argv[1])
start = time.perf_counter()
count = 0
if path.suffix == ".xml":
    for _, elem in etree.iterparse(str(path), resolve_entities=False, no_network=True):
        count += 1
        elem.clear()
elif path.suffix == ".xlsx":
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for row in book.active.iter_rows(values_only=True):
        count += 1
else:
    text = path.read_bytes().decode("utf-8", errors="replace")
    count = sum(1 for _ in csv.reader(io.StringIO(text)))
elapsed = time.perf_counter() - start
print(json.dumps({"items": count, "seconds": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, path: Path, home: Path) -> dict[str, float]:
    env = {"WATCHLIST_HOME": str(home), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    args = parser.parse_args()
    if not args.lists.is_dir():
        sys.exit(f"no list snapshots at {args.lists}")
    header = (f"{'source':<24} {'file':<48} {'targets':>8} {'rec/s':>9} {'import s':>8}"
              f" {'peak MB':>8} | {'floor s':>8} {'floor MB':>8}")
    print(header)
    print("-" * len(header))
    warmups: list[float] = []
    for source, rel in CASES:
        path = args.lists / rel
        if not path.exists():
            print(f"{source:<24} {rel:<48} (missing)")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            got = _run(IMPORT, path, Path(tmp))
        floor = _run(FLOOR, path, Path(tempfile.gettempdir()))
        rate = got["targets"] / got["seconds"] if got["seconds"] else float("inf")
        print(f"{source:<24} {rel:<48} {int(got['targets']):>8} {rate:>9,.0f} "
              f"{got['seconds']:>8.2f} {got['peak_mb']:>8.0f} | {floor['seconds']:>8.2f} "
              f"{floor['peak_mb']:>8.0f}")
        warmups.append(got["warmup"])
    print(f"\none-off start-up per process (format modules, country tables): "
          f"{sum(warmups) / max(len(warmups), 1):.2f} s on average, not counted above")


if __name__ == "__main__":
    main()
