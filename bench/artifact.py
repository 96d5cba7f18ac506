"""Index file benchmark: the index as plain data (JSON + .npy) against the pickle it replaced.

Run by hand (not in CI), on a store with the lists loaded (`watchlist update --from
../shared/data/lists` into a throwaway WATCHLIST_HOME):

    python bench/artifact.py --home DIR

Builds the index of the store's serving lists once, then for both formats writes the
artifact (a deflated ZIP with its manifest, as `watchlist index export`) and the local
index file (`$WATCHLIST_HOME/index/<key>.idx`, stored uncompressed), and loads each in a
fresh process (best of --repeat), as an executor or a service starting would. The pickle
side is the previous code's: `pickle.dump` of the index, `pickle.loads` with the garbage
collector paused, after the same SHA-256 check.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LOAD_PICKLE_ARTIFACT = """
import gc, hashlib, json, pickle, sys, time, zipfile
from watchlist.match.symbols import load_symbols
t = time.perf_counter()
with zipfile.ZipFile(sys.argv[1]) as archive:
    manifest = json.loads(archive.read("manifest.json"))
    payload = archive.read("index.pkl")
assert hashlib.sha256(payload).hexdigest() == manifest["sha256"]
gc.disable(); index = pickle.loads(payload); gc.enable(); gc.freeze()
load_symbols(index.symbols, index.vocab_tokens)
print(time.perf_counter() - t)
"""
LOAD_PICKLE_LOCAL = """
import gc, pickle, sys, time
from watchlist.match.symbols import load_symbols
t = time.perf_counter()
gc.disable()
with open(sys.argv[1], "rb") as handle:
    index = pickle.load(handle)
gc.enable(); gc.freeze()
load_symbols(index.symbols, index.vocab_tokens)
print(time.perf_counter() - t)
"""
LOAD_DATA_ARTIFACT = """
import sys, time
from watchlist.index.artifact import load_artifact
t = time.perf_counter()
load_artifact(sys.argv[1])
print(time.perf_counter() - t)
"""
LOAD_DATA_LOCAL = """
import sys, time
from pathlib import Path
from watchlist.index.build import load_index
t = time.perf_counter()
assert load_index(Path(sys.argv[1])) is not None
print(time.perf_counter() - t)
"""


def fresh_load(snippet: str, path: Path, repeat: int) -> float:
    """Best seconds of loading `path` with `snippet`, each time in a new process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return min(float(subprocess.run([sys.executable, "-c", snippet, str(path)], env=env,
                                    check=True, capture_output=True, text=True).stdout)
               for _ in range(repeat))


def timed(action) -> tuple[float, object]:  # noqa: ANN001 - any callable
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="WATCHLIST_HOME of a loaded store")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["WATCHLIST_HOME"] = args.home

    from watchlist.index.artifact import write_artifact
    from watchlist.index.build import build_index, save_index
    from watchlist.store.store import Store

    store = Store()
    build_s, index = timed(lambda: build_index(store))
    out = Path(tempfile.mkdtemp(prefix="bench-artifact-"))

    def pickle_artifact() -> None:
        payload = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)
        manifest = {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                             compresslevel=6) as archive:
            archive.writestr("manifest.json", json.dumps(manifest))
            archive.writestr("index.pkl", payload)
        (out / "pickle.zip").write_bytes(buffer.getvalue())

    def pickle_local() -> None:
        with open(out / "pickle.idx", "wb") as handle:
            pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)

    rows = [
        ("artifact (watchlist index export)", "pickle.zip", "data.zip", pickle_artifact,
         lambda: write_artifact(index, out / "data.zip"), LOAD_PICKLE_ARTIFACT,
         LOAD_DATA_ARTIFACT),
        ("local index ($WATCHLIST_HOME/index)", "pickle.idx", "data.idx", pickle_local,
         lambda: save_index(index, out / "data.idx"), LOAD_PICKLE_LOCAL, LOAD_DATA_LOCAL),
    ]
    print(f"index of {len(index.parties):,} listed parties, {len(index.forms):,} name forms: "
          f"built in {build_s:.1f} s (the same for both formats)")
    print(f"{'file':38} {'format':8} {'write s':>8} {'size MB':>8} {'load s':>7}")
    for label, old_name, new_name, old_write, new_write, old_load, new_load in rows:
        for fmt, name, write, load in (("pickle", old_name, old_write, old_load),
                                       ("data", new_name, new_write, new_load)):
            write_s, _ = timed(write)
            size = (out / name).stat().st_size / 1e6
            load_s = fresh_load(load, out / name, args.repeat)
            print(f"{label:38} {fmt:8} {write_s:8.2f} {size:8.1f} {load_s:7.2f}")
    store.close()


if __name__ == "__main__":
    main()
