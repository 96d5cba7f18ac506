"""Spark benchmark: the same input screened by the local `watchlist screen` and on Spark.

Run by hand (not in CI); needs the `spark` and `bench` extras (pyspark, psutil), Java 17+,
a store with the lists loaded, and ../shared/data/lists (for the synthetic input).

    python bench/spark.py --home DIR [--rows 1000000] [--input FILE] [--master local[2]]

1. Writes a Parquet input of --rows rows (default 1,000,000): people on no list (the 50,000
   negatives of ../shared/data/lists/matching) and, one row in a hundred, UN-listed people,
   each perturbed (name order, a dropped or misspelt name part, year-only or missing birth
   date), and one row in a thousand that cannot be screened. --input uses a file instead.
2. Exports the store's index (`watchlist index export`).
3. Runs `watchlist screen` on it twice, each in a fresh process: the local engine with
   --workers (default 2) and the Spark engine on --master (default local[2]).
4. Prints rows/s of each, the peak memory of the processes (the local workers; the Spark
   JVM and its Python workers), and whether both found the same hits for the same rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_LISTS = ROOT.parent / "shared" / "data" / "lists"
NEGATIVES = "matching/yente_candidate_generation/negatives_global.csv"
POSITIVES = "matching/yente_candidate_generation/positives_un_untreated.csv"
MAPPING = ["--map", "full_name=name", "--map", "date_of_birth=birth_date",
           "--map", "nationality=country"]


def read_people(lists: Path, relative: str) -> list[tuple[str, str, str]]:
    with open(lists / relative, encoding="utf-8") as handle:
        return [(r["full_name"], r["date_of_birth"], r["nationality"])
                for r in csv.DictReader(handle) if r["full_name"].strip()]


def _typo(token: str, rng: random.Random) -> str:
    if len(token) < 4:
        return token
    i = rng.randrange(1, len(token) - 2)
    return token[:i] + token[i + 1] + token[i] + token[i + 2:]


def perturb(name: str, dob: str, rng: random.Random) -> tuple[str, str]:
    """A name and birth date as a bank's records might hold them."""
    tokens = name.split()
    roll = rng.random()
    if roll < 0.25 and len(tokens) > 1:
        tokens = tokens[1:] + tokens[:1]  # surname first
    elif roll < 0.35 and len(tokens) > 2:
        del tokens[rng.randrange(1, len(tokens) - 1)]  # middle name left out
    elif roll < 0.45:
        k = rng.randrange(len(tokens))
        tokens[k] = _typo(tokens[k], rng)
    roll = rng.random()
    if roll < 0.2:
        dob = dob[:4]
    elif roll < 0.3:
        dob = ""
    return " ".join(tokens), dob


def synthetic_rows(lists: Path, count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    people = read_people(lists, NEGATIVES)
    listed = read_people(lists, POSITIVES)
    for i in range(count):
        if i % 1000 == 999:
            name, dob, country = ("", "1970-01-01", "") if i % 2000 == 999 else (
                "Jane Roe", "someday", "")
        else:
            pool = listed if rng.random() < 0.01 else people
            name, dob, country = pool[rng.randrange(len(pool))]
            name, dob = perturb(name, dob, rng)
        yield {"id": f"c{i + 1:08d}", "full_name": name, "date_of_birth": dob,
               "nationality": country, "schema": "Person"}


def write_parquet(path: Path, rows: Iterator[dict[str, Any]], count: int) -> None:
    """Row groups of a 64th of the file, so that Spark can split it between its cores."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    group = max(1000, count // 64)
    columns = ("id", "full_name", "date_of_birth", "nationality", "schema")
    with pq.ParquetWriter(path, pa.schema([(c, pa.string()) for c in columns])) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= group:
                writer.write_table(pa.Table.from_pylist(batch), row_group_size=group)
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch), row_group_size=group)


class PeakMemory(threading.Thread):
    """Polls a process tree: the peak RSS of each kind of process in it (MB)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.done = threading.Event()
        self.peaks: dict[str, float] = {}

    def _kind(self, proc: Any) -> str:
        name = proc.name()
        cmd = " ".join(proc.cmdline())
        if "java" in name:
            return "jvm"
        if "pyspark.daemon" in cmd or "pyspark/daemon" in cmd:
            return "python_worker"
        if proc.pid == self.pid:
            return "main"
        return "python_worker" if "python" in name else name

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.done.wait(0.25):
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            totals: dict[str, float] = {}
            for proc in procs:
                try:
                    kind = self._kind(proc)
                    rss = proc.memory_info().rss / 1e6
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                totals[kind] = totals.get(kind, 0.0) + rss
                one = f"{kind}_largest"
                self.peaks[one] = max(self.peaks.get(one, 0.0), rss)
            for kind, total in totals.items():
                self.peaks[kind] = max(self.peaks.get(kind, 0.0), total)


def run_screen(home: Path, args: list[str], cwd: Path,
               extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    """`watchlist screen ARGS` in a fresh process: wall time, its summary, peak memory."""
    env = dict(os.environ, WATCHLIST_HOME=str(home), **(extra_env or {}))
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "watchlist.cli", "screen", *args],
                            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    memory = PeakMemory(proc.pid)
    memory.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    memory.done.set()
    memory.join()
    if proc.returncode != 0:
        raise SystemExit(f"screen failed:\n{err[-3000:]}")
    summary = next((line.strip() for line in err.splitlines() if "Screened" in line), "")
    m = re.search(r"Screened ([\d,]+) rows in ([\d.]+) s \(([\d,]+) rows/s", summary)
    if not m:
        raise SystemExit(f"no summary in the output:\n{err[-3000:]}")
    rows = int(m.group(1).replace(",", ""))
    return {"wall": seconds, "rows": rows, "screen_seconds": float(m.group(2)),
            "rate": float(m.group(3).replace(",", "")), "summary": summary,
            "memory": memory.peaks}


def local_hits(path: Path) -> tuple[set[tuple[str, str, float]], set[tuple[str, str]]]:
    hits, errors = set(), set()
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("error"):
                errors.add((str(record["id"]), record["error"]))
            for match in record["matches"]:
                hits.add((str(record["id"]), match["entity_id"], round(match["score"], 4)))
    return hits, errors


def spark_hits(path: Path) -> tuple[set[tuple[str, str, float]], set[tuple[str, str]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["id", "entity_id", "score", "error"]).to_pylist()
    hits = {(r["id"], r["entity_id"], round(r["score"], 4)) for r in table if not r["error"]}
    errors = {(r["id"], r["error"]) for r in table if r["error"]}
    return hits, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=os.environ.get("WATCHLIST_HOME"),
                        help="A WATCHLIST_HOME with the lists loaded (default: "
                        "$WATCHLIST_HOME).")
    parser.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--input", type=Path, help="Screen this Parquet file instead (columns "
                        "id, full_name, date_of_birth, nationality, schema).")
    parser.add_argument("--workers", type=int, default=2, help="Local engine processes.")
    parser.add_argument("--master", default="local[2]", help="Spark master.")
    parser.add_argument("--splits", type=int, default=16,
                        help="Input splits for Spark (spark.sql.files.maxPartitionBytes is "
                        "the input's size over this; default 16, several tasks per core).")
    args = parser.parse_args()
    if not args.home:
        sys.exit("give --home DIR (a store with the lists loaded)")
    with tempfile.TemporaryDirectory(prefix="watchlist-bench-spark-") as tmp_name:
        tmp = Path(tmp_name)
        source = args.input
        if source is None:
            source = tmp / "customers.parquet"
            print(f"writing {args.rows:,} rows to {source} ...", file=sys.stderr)
            write_parquet(source, synthetic_rows(args.lists, args.rows), args.rows)
        index = tmp / "watchlist-index.zip"
        env = dict(os.environ, WATCHLIST_HOME=str(args.home))
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
        subprocess.run([sys.executable, "-m", "watchlist.cli", "index", "export", str(index)],
                       env=env, check=True, capture_output=True)

        print(f"local engine, {args.workers} workers ...", file=sys.stderr)
        local_out = tmp / "local.jsonl"
        local = run_screen(args.home, [str(source), "-o", str(local_out), "--workers",
                                       str(args.workers), *MAPPING], tmp)
        print(f"spark engine, {args.master} ...", file=sys.stderr)
        spark_out = tmp / "spark.parquet"
        split = max(64 * 1024, source.stat().st_size // args.splits)
        submit = f"--conf spark.sql.files.maxPartitionBytes={split} pyspark-shell"
        spark = run_screen(args.home, [str(source), "-o", str(spark_out), "--engine", "spark",
                                       "--master", args.master, "--index", str(index),
                                       *MAPPING], tmp, {"PYSPARK_SUBMIT_ARGS": submit})
        same = local_hits(local_out) == spark_hits(spark_out)
        report(args, source, index, local, spark, same)


def report(args: argparse.Namespace, source: Path, index: Path, local: dict[str, Any],
           spark: dict[str, Any], same: bool) -> None:
    import pyspark

    cores = int(re.search(r"\[(\d+)\]", args.master).group(1)) if re.search(
        r"\[(\d+)\]", args.master) else None
    print("# Spark benchmark\n")
    print(f"Command: `python bench/spark.py {' '.join(sys.argv[1:])}`  ")
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, pyspark "
          f"{pyspark.__version__}; input {local['rows']:,} rows "
          f"({source.stat().st_size / 1e6:.0f} MB Parquet); index artifact "
          f"{index.stat().st_size / 1e6:.0f} MB.\n")
    print("| engine | rows | wall s | rows/s (wall) | rows/s (summary) | rows/s per core |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, run, n in (("local", local, args.workers), ("spark " + args.master, spark,
                                                             cores)):
        per_core = f"{run['rate'] / n:,.0f}" if n else "-"
        print(f"| {name} | {run['rows']:,} | {run['wall']:.1f} | "
              f"{run['rows'] / run['wall']:,.0f} | {run['rate']:,.0f} | {per_core} |")
    print("\nrows/s (summary) is what `watchlist screen` reports: for the local engine, "
          "screening after the workers opened the index; for Spark, from the session's start "
          "to the written output (counting pass, screening, writing).\n")
    print("| peak memory (RSS, MB) | local | spark |")
    print("|---|---:|---:|")
    lm, sm = local["memory"], spark["memory"]
    print(f"| main process (CLI / Spark driver) | {lm.get('main', 0):.0f} | "
          f"{sm.get('main', 0):.0f} |")
    print(f"| JVM (driver and executor in local mode) | - | {sm.get('jvm', 0):.0f} |")
    print(f"| largest Python worker | {lm.get('python_worker_largest', 0):.0f} | "
          f"{sm.get('python_worker_largest', 0):.0f} |")
    print(f"| all Python workers at once | {lm.get('python_worker', 0):.0f} | "
          f"{sm.get('python_worker', 0):.0f} |")
    print(f"\nSame hits (input id, entity id, score) and the same error rows from both: "
          f"{'yes' if same else '**no**'}.")
    print(f"\nLocal: {local['summary']}\nSpark: {spark['summary']}")


if __name__ == "__main__":
    main()
