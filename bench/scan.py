"""Text scanning benchmark: throughput of `Scanner.scan` with the full store loaded, and the
name automaton's build time and memory.

Run by hand (not in CI) against a store with every list imported:

    WATCHLIST_HOME=/path/to/full/home python bench/scan.py [--mb 4] [--seed 1]

The corpus is generated news-like text, half English and half Russian: paragraphs built
from the test fixtures' sentences (tests/fixtures/text) with their names swapped for names
drawn from the lists (in full, surname alone, Russian case forms) and for invented names of
people on no list, filled out with ordinary words (pyspellchecker's frequency lists) so
that most words are different, as in real news, and per-word caches do not flatter the
figure. Printed as Markdown, ready for docs/benchmarks.md:

* automaton build from a loaded index (seconds), the memory the build allocated (RSS
  growth and tracemalloc peak in a second run), the pickled size and the load time;
* scan throughput in MB of UTF-8 text per second on one core, on a first pass (cold
  per-word caches) and a second pass over the same text (warm), and mentions found.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import pickle
import random
import sys
import time
import tracemalloc
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

FIXTURES = ROOT / "tests" / "fixtures" / "text"


def rss_mb() -> float:
    """Resident memory of this process, MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError):
        return 0.0


def words(language: str, count: int) -> list[str]:
    resource = files("spellchecker") / "resources" / f"{language}.json.gz"
    with resource.open("rb") as handle:
        frequency = json.loads(gzip.decompress(handle.read()))
    ranked = sorted(frequency, key=frequency.__getitem__, reverse=True)
    return [w for w in ranked[:count] if w.isalpha()]


def corpus(index: object, megabytes: float, seed: int) -> str:
    """Generated news-like text of about `megabytes` MB (UTF-8)."""
    rng = random.Random(seed)
    english, russian = words("en", 20000), words("ru", 15000)
    people = [p for p in index.parties if p.schema == "Person" and p.names]  # type: ignore
    latin = [n for p in people for n, _w in p.names[:1] if n.isascii()]
    cyrillic = [n for p in people for n, _w in p.names if not n.isascii()
                and any("\u0400" <= c <= "\u04ff" for c in n)]
    invented = ["Sviatlana Tsikhanouskaya", "Maria Kalesnikava", "Joe Biden", "Anne Hidalgo",
                "Emmanuel Macron", "Olaf Scholz", "Ales Bialiatski", "Pavel Latushko"]
    fixtures = [(FIXTURES / f).read_text(encoding="utf-8")
                for f in ("belarus_en.txt", "belarus_ru.txt", "unrelated_en.txt")]
    target = int(megabytes * 1e6)
    parts: list[str] = []
    size = 0
    while size < target:
        ru = rng.random() < 0.5
        vocab = russian if ru else english
        sentences = []
        for _ in range(rng.randint(4, 9)):
            body = [rng.choice(vocab) for _ in range(rng.randint(8, 22))]
            roll = rng.random()
            if roll < 0.25:
                name = rng.choice(cyrillic if ru and cyrillic else latin)
                name = name.title() if name.isupper() else name
                body.insert(rng.randint(0, len(body)), name.replace(",", ""))
            elif roll < 0.4:
                body.insert(rng.randint(0, len(body)), rng.choice(invented))
            sentence = " ".join(body)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        if rng.random() < 0.1:
            sentences.append(rng.choice(fixtures))
        paragraph = " ".join(sentences) + "\n\n"
        parts.append(paragraph)
        size += len(paragraph.encode("utf-8"))
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=4.0, help="corpus size in MB")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from watchlist.index.build import open_index
    from watchlist.store.store import Store
    from watchlist.text.automaton import build_automaton
    from watchlist.text.scanner import Scanner

    store = Store()
    started = time.perf_counter()
    index = open_index(store)
    load_index = time.perf_counter() - started
    print(f"Store {os.environ.get('WATCHLIST_HOME', '(default)')}: "
          f"{len(index.parties):,} listed records, {len(index.forms):,} name forms; "
          f"index loaded in {load_index:.2f} s\n")

    gc.collect()
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    automaton = build_automaton(index, store)
    build, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    grown = rss_mb() - before
    tracemalloc.start()
    build_automaton(index, store)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    blob = pickle.dumps(automaton, protocol=pickle.HIGHEST_PROTOCOL)
    started = time.perf_counter()
    pickle.loads(blob)
    load = time.perf_counter() - started

    print("| automaton | figure |")
    print("|---|---|")
    print(f"| keys (name variants, token bags) | {len(automaton.bags):,} |")
    print(f"| distinct tokens | {len(automaton.tokens):,} |")
    print(f"| build from the loaded index, incl. reading offices from the store and the "
          f"word lists (wall / CPU) | {build:.2f} s / {build_cpu:.2f} s |")
    print(f"| memory: RSS growth during the build | {grown:.0f} MB |")
    print(f"| memory: tracemalloc peak during a build | {peak / 1e6:.0f} MB |")
    print(f"| persisted size (pickle) | {len(blob) / 1e6:.1f} MB |")
    print(f"| load from disk | {load:.2f} s |")
    print()

    text = corpus(index, args.mb, args.seed)
    size = len(text.encode("utf-8")) / 1e6
    scanner = Scanner(index, automaton)
    rows = []
    for label in ("first pass (cold word caches)", "second pass (warm)"):
        cpu = time.process_time()
        wall = time.perf_counter()
        mentions = scanner.scan(text)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        rows.append((label, size / cpu, size / wall, len(mentions)))
    print(f"Corpus: {size:.2f} MB of generated English and Russian news text, "
          f"{len(text):,} characters\n")
    print("| scan | MB/s per core (CPU time) | MB/s (wall) | mentions |")
    print("|---|---|---|---|")
    for label, per_core, per_wall, count in rows:
        print(f"| {label} | {per_core:.2f} | {per_wall:.2f} | {count:,} |")


if __name__ == "__main__":
    main()
