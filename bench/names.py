"""Name normalisation throughput: names per second for normalize_text and latin_forms.

    python bench/names.py [--count 100000]
"""

from __future__ import annotations

import argparse
import random
import time

from watchlist.names import latin_forms, normalize_text

WORDS = {
    "latin": "John Smith Maria García Müller Łukasz O'Brien Al-Assad Bashar Trading LLC".split(),
    "cyrillic": "Владимир Путин Александр Лукашэнка Аляксандр Юлия Тимошенко ООО Ромашка".split(),
    "arabic": "محمد عبد الله أسامة بن لادن صدام حسين بشار الأسد".split(),
    "greek": "Βλαντίμιρ Πούτιν Αλέξης Τσίπρας".split(),
}


def mixed_names(count: int) -> list[str]:
    """Distinct names, 70% Latin, the rest Cyrillic, Arabic, Greek and Chinese."""
    rnd = random.Random(7)
    kinds = ["latin"] * 7 + ["cyrillic"] * 2 + ["arabic", "greek"]
    names = []
    for i in range(count):
        kind = rnd.choice(kinds + ["chinese"])
        if kind == "chinese":
            names.append("".join(rnd.choice("习近平毛泽东李克强王岐山") for _ in range(3)))
        else:
            words = [rnd.choice(WORDS[kind]) for _ in range(rnd.randint(2, 4))]
            names.append(" ".join(words) + f" {i}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description="name normalisation throughput")
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    names = mixed_names(args.count)
    for label, func in (("normalize_text", normalize_text), ("latin_forms", latin_forms)):
        if hasattr(func, "cache_clear"):
            func.cache_clear()
        start = time.perf_counter()
        for name in names:
            func(name)
        elapsed = time.perf_counter() - start
        print(f"{label:<16} {args.count:>8} distinct mixed-script names in {elapsed:6.2f} s "
              f"({args.count / elapsed:,.0f} names/s)")


if __name__ == "__main__":
    main()
